"""A status written to the database without its revocation-log entry is never signed.

The threat model's worst finding: with write access to the database and no key at all, an
attacker could un-revoke a credential in ``status_entry`` and let the service's own refresh
re-sign the list with the issuer's key — the revoked credential then verified VALID. Now the
signer checks the list's entries against the hash-chained revocation log first and refuses
(``STATUS_LOG_MISMATCH``), in the scheduled refresh and over HTTP alike.
"""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from api_support import MINISTRY, ApiClient
from oretrust import registry
from oretrust.api import create_app
from oretrust.codes import Code
from oretrust.errors import IntegrityViolationError
from oretrust.registry.trust_list import sign_trust_list
from oretrust.status.publication import refresh_status_lists
from oretrust.store.status_models import StatusEntryRecord, StatusListDocumentRecord
from oretrust.verifier import verifier_for
from web_support import Credentials, make_credentials


@pytest.fixture
def creds(tmp_path: Path) -> Credentials:
    return make_credentials(tmp_path / "home")


def _write(creds: Credentials, *statements: str) -> None:
    """Write past oretrust, as an attacker with the database file would."""
    with contextlib.closing(sqlite3.connect(creds.cast.folder / "oretrust.db")) as raw:
        for statement in statements:
            raw.execute(statement)
        raw.commit()


def _revoked_id(creds: Credentials) -> str:
    with creds.cast.home.session() as session:
        return next(e.credential_id for e in session.exec(select(StatusEntryRecord)) if e.status)


@pytest.mark.parametrize("forged_status", [0, 1], ids=["un-revoked", "revoked-unlogged"])
def test_an_unlogged_status_is_refused_and_nothing_is_re_signed(
    creds: Credentials, forged_status: int
) -> None:
    target = _revoked_id(creds) if forged_status == 0 else creds.genuine_id
    _write(creds, f"UPDATE status_entry SET status = {forged_status} "
                  f"WHERE credential_id = '{target}'",
           "UPDATE status_list SET version = version + 1")  # fmt: skip
    home, now = creds.cast.home, datetime.now(UTC)
    with home.session() as session:
        before = {d.id: d.token for d in session.exec(select(StatusListDocumentRecord))}
    with pytest.raises(IntegrityViolationError) as refused:
        refresh_status_lists(home, now=now)
    assert refused.value.code == Code.STATUS_LOG_MISMATCH
    with home.session() as session:
        after = {d.id: d.token for d in session.exec(select(StatusListDocumentRecord))}
    assert after == before  # the documents the issuer signed stay as they were
    verifier = verifier_for(home, allow_network=False)
    assert verifier.check_credential(creds.revoked, now=now).verdict == "REVOKED"


def test_over_http_the_list_is_a_503_problem_not_a_signed_lie(creds: Credentials) -> None:
    revoked = _revoked_id(creds)
    _write(creds, f"UPDATE status_entry SET status = 0 WHERE credential_id = '{revoked}'",
           "UPDATE status_list SET version = version + 1",
           "DELETE FROM status_list_document")  # nothing stored: the route must sign  # fmt: skip
    client = ApiClient(create_app(creds.cast.settings()))
    try:
        assert client.get("/healthz").status_code == 200  # it started despite the mismatch
        with creds.cast.home.session() as session:
            list_id = session.exec(select(StatusEntryRecord.list_id)).first()
        answer = client.get(f"/status/{list_id}-revocation")
    finally:
        client.close()
    assert answer.status_code == 503, answer.text
    assert answer.json()["code"] == Code.STATUS_LOG_MISMATCH
    assert "verify-log" in answer.json()["detail"]


def test_an_accreditation_restored_past_the_log_is_not_signed_into_a_trust_list(
    creds: Credentials,
) -> None:
    """The registry half of the same attack: a withdrawn accreditation un-withdrawn in the
    table. The trust list is signed only from tables its signed log replays to."""
    home, now = creds.cast.home, datetime.now(UTC)
    [accreditation] = [a for a in registry.list_accreditations(home) if a.entity_id == MINISTRY]
    registry.withdraw(home, accreditation.id, reason="licence fraud", effective=now, now=now)
    _write(creds, f"UPDATE accreditation SET withdrawn_at = NULL WHERE id = '{accreditation.id}'")
    with pytest.raises(IntegrityViolationError) as refused:
        sign_trust_list(home, now=now)
    assert refused.value.code == Code.REGISTRY_LOG_MISMATCH
    client = ApiClient(create_app(creds.cast.settings()))
    question = {"entity_id": MINISTRY, "authority_id": registry.registry_did_of(home),
                "action": "issue:MineralOriginCertificate", "resource": "CD"}  # fmt: skip
    try:
        answer = client.get("/trust-list")
        asked = client.post("/authorization", json=question)
    finally:
        client.close()
    assert answer.status_code == 503 and answer.json()["code"] == Code.REGISTRY_LOG_MISMATCH
    assert asked.status_code == 503 and asked.json()["code"] == Code.REGISTRY_LOG_MISMATCH


def test_trqp_answers_from_the_signed_log_not_the_tables(creds: Credentials) -> None:
    """Once the log was verified at its head, a table edited afterwards changes no answer:
    TRQP replies from the replayed log (the edit is caught at the next registry change)."""
    home, now = creds.cast.home, datetime.now(UTC)
    [accreditation] = [a for a in registry.list_accreditations(home) if a.entity_id == MINISTRY]
    registry.withdraw(home, accreditation.id, reason="licence fraud", effective=now, now=now)
    client = ApiClient(create_app(creds.cast.settings()))
    question = {"entity_id": MINISTRY, "authority_id": registry.registry_did_of(home),
                "action": "issue:MineralOriginCertificate", "resource": "CD"}  # fmt: skip
    try:
        before = client.post("/authorization", json=question)
        _write(
            creds, f"UPDATE accreditation SET withdrawn_at = NULL WHERE id = '{accreditation.id}'"
        )
        after = client.post("/authorization", json=question)
    finally:
        client.close()
    assert before.status_code == after.status_code == 200
    assert before.json()["authorized"] is False and after.json()["authorized"] is False
