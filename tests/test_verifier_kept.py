"""The app builds its verifier once, and what it keeps follows the database.

Every ``POST /credentials/verify``, ``/presentations/verify`` and web verification used to
build a new verifier (reading the domain, the registry and the subscriptions each time). The
home now keeps one (``Home.services``), rebuilt only when its trust-state stamp changes
(:mod:`oretrust.store.stamps`). These tests count the builds of the real app and prove that
what changes while it runs — accreditations over the API, revocations, key rotation and
compromise by another process (the CLI's own functions over the same database) — is seen by
the very next verification.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import select

from api_support import (
    MINISTRY,
    ApiClient,
    Cast,
    issue_origin_token,
    make_cast,
    origin_certificate,
    postgres_schema,
)
from oretrust import registry
from oretrust.codes import Code
from oretrust.identities import add_issuer, mark_key_compromised, rotate_key
from oretrust.issuer import issue_credential
from oretrust.status.operations import revoke
from oretrust.store.models import KeyRecord
from oretrust.store.registry_models import AccreditationRecord
from oretrust.store.stamps import STAMP_FRESH_FOR, trust_state_stamp
from oretrust.verifier import Verifier, verifier_for
from oretrust.verifier import home as verifier_home
from web_support import make_credentials


class CountingVerifier(Verifier):
    """The Verifier, counting how many were built."""

    built = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        type(self).built += 1
        super().__init__(*args, **kwargs)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def cast(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cast]:
    """The story's cast on each database engine (the stamp is one statement on both)."""
    if request.param == "sqlite":
        yield make_cast(tmp_path / "home")
        return
    with postgres_schema() as url:
        made = make_cast(tmp_path / "home", url)
        yield made
        made.home.engine.dispose()


@pytest.fixture
def api(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> Iterator[ApiClient]:
    CountingVerifier.built = 0
    monkeypatch.setattr(verifier_home, "Verifier", CountingVerifier)
    client = cast.client()
    yield client
    client.close()


def _verify(api: ApiClient, token: str) -> dict[str, Any]:
    report: dict[str, Any] = api.post(
        "/credentials/verify", json={"verifiableCredential": token}
    ).json()
    return report


def _codes(report: dict[str, Any]) -> list[str]:
    return [error["code"] for error in report["errors"]]


def test_the_verifier_is_built_once_for_many_verifications(api: ApiClient, cast: Cast) -> None:
    token, _ = issue_origin_token(api, cast)
    for _ in range(5):
        assert _verify(api, token)["verdict"] == "VALID"
    for _ in range(2):
        page = api.post("/verify/report.json", data={"token": token})
        assert page.json()["verdict"] == "VALID"
    assert CountingVerifier.built == 1  # the issuance before the first verify changed nothing


def test_a_kept_verification_runs_one_statement(api: ApiClient, cast: Cast) -> None:
    """The stamp (one statement of aggregates) and nothing else: the DID document, the
    accreditation and the status list come from the kept verifier's memory."""
    token, _ = issue_origin_token(api, cast)
    assert _verify(api, token)["verdict"] == "VALID"  # builds and keeps
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = api.app.state.home.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        time.sleep(STAMP_FRESH_FOR * 1.5)  # the stamp read by the first verify has aged out
        assert _verify(api, token)["verdict"] == "VALID"
        assert _verify(api, token)["verdict"] == "VALID"  # may reuse that stamp: no commit
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert 1 <= len(statements) <= 2 and all("count(" in s for s in statements), statements


def test_another_process_write_is_seen_once_the_stamp_ages_out(tmp_path: Path) -> None:
    """A commit in this process is seen at once (it moves the commit generation); one made by
    another process (here: the sqlite3 module, outside SQLAlchemy) within STAMP_FRESH_FOR."""
    home = make_credentials(tmp_path / "home").cast.home
    kept = verifier_for(home, allow_network=False)
    with contextlib.closing(sqlite3.connect(tmp_path / "home" / "oretrust.db")) as raw:
        raw.execute("UPDATE status_list_document SET version = version + 1")
        raw.commit()
    time.sleep(STAMP_FRESH_FOR * 1.5)
    again = verifier_for(home, allow_network=False)
    assert again is not kept
    with home.session() as session:  # this process's own commit: seen without waiting
        session.execute(sa.text("UPDATE status_list_document SET version = version + 1"))
        session.commit()
    assert verifier_for(home, allow_network=False) is not again


def test_withdrawal_and_accreditation_are_seen_by_the_kept_verifier(
    api: ApiClient, cast: Cast
) -> None:
    token, _ = issue_origin_token(api, cast)
    assert _verify(api, token)["verdict"] == "VALID"
    with cast.home.session() as session:
        ident = session.exec(
            select(AccreditationRecord.id).where(AccreditationRecord.entity_id == MINISTRY)
        ).one()
    admin = cast.auth("admin")
    day_ago = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    withdrawn = api.post(
        f"/registry/accreditations/{ident}/withdraw",
        json={"reason": "fraud", "effective": day_ago},
        headers=admin,
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert Code.ISSUER_NOT_ACCREDITED in _codes(_verify(api, token))
    again = api.post(
        "/registry/accreditations",
        json={
            "entity_id": MINISTRY,
            "credential_type": "MineralOriginCertificate",
            "jurisdiction": "CD",
            "valid_from": day_ago,
        },
        headers=admin,
    )
    assert again.status_code == 201, again.text
    assert _verify(api, token)["verdict"] == "VALID"
    assert CountingVerifier.built == 3  # each registry event moves the log head: a rebuild


def test_revocation_is_seen_by_the_next_verification(api: ApiClient, cast: Cast) -> None:
    token, credential_id = issue_origin_token(api, cast)
    assert _verify(api, token)["verdict"] == "VALID"
    change = api.post(
        "/credentials/status",
        json={"credentialId": credential_id, "action": "revoke", "reason": "fraud"},
        headers=cast.auth("ministry"),
    )
    assert change.status_code == 200, change.text
    report = _verify(api, token)
    assert report["verdict"] == "REVOKED" and _codes(report) == [Code.REVOKED]
    page = api.post("/verify/report.json", data={"token": token})
    assert page.json()["verdict"] == "REVOKED"


def test_key_rotation_and_compromise_are_seen_by_the_next_verification(
    api: ApiClient, cast: Cast
) -> None:
    token, _ = issue_origin_token(api, cast)
    assert _verify(api, token)["verdict"] == "VALID"
    now = datetime.now(UTC)
    rotate_key(cast.home, "ministry", now=now)  # another process: the CLI over the database
    rotated, _ = issue_origin_token(api, cast)
    assert _verify(api, rotated)["verdict"] == "VALID"
    assert _verify(api, token)["verdict"] == "VALID"  # the old key stays published
    with cast.home.session() as session:
        first = session.exec(select(KeyRecord.kid).where(KeyRecord.owner_did == MINISTRY)).first()
    assert first is not None
    mark_key_compromised(cast.home, first, as_of=now - timedelta(days=1), now=now)
    report = _verify(api, token)
    assert report["verdict"] != "VALID" and Code.KEY_COMPROMISED in _codes(report), report
    assert _verify(api, rotated)["verdict"] == "VALID"


def test_every_write_a_kept_verifier_depends_on_moves_the_stamp(cast: Cast) -> None:
    """The stamp is read from the database, so a write by any process (here the CLI's own
    functions over the home) makes every worker rebuild on its next verification."""
    home, now = cast.home, datetime.now(UTC)
    seen = [trust_state_stamp(home.engine)]
    assert trust_state_stamp(home.engine) == seen[0]  # nothing changed: the same stamp
    issued = issue_credential(
        home,
        issuer="ministry",
        type_name="MineralOriginCertificate",
        subject=origin_certificate(cast.holder_did)["credentialSubject"],
        now=now,
    )
    writes = [
        lambda: revoke(home, issued.id, reason="fraud", now=now),
        lambda: registry.accredit(home, MINISTRY, "MiningLicenceCredential", "CD", now=now),
        lambda: rotate_key(home, "ministry", now=now),
        lambda: add_issuer(home, "saesscam", display_name="SAESSCAM", now=now),
        lambda: home.set_domain("other.example"),
    ]
    for write in writes:
        write()
        seen.append(trust_state_stamp(home.engine))
        assert seen[-1] != seen[-2]
    kid = f"{MINISTRY}#key-2"
    mark_key_compromised(home, kid, as_of=now, now=now)
    assert trust_state_stamp(home.engine) != seen[-1]
