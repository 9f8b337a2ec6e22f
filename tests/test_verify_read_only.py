"""Verification is read-only: checking a credential never signs or stores a status list.

Status lists are published by the revocation side — the issuance that opens a list, every
status change, and the scheduled refresh (``refresh_status_lists``: ``oretrust status
publish``, the HTTP service's background task). The verifier only reads what was stored, so
verifying "as of" any time, however far ahead or back, leaves the database as it was.
"""

from __future__ import annotations

import copy
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from api_support import ApiClient
from conftest import run_oretrust
from oretrust import identities
from oretrust.api import ServiceSettings, create_app
from oretrust.credentials import EXAMPLES
from oretrust.errors import InputError
from oretrust.home import Home
from oretrust.issuer import IssuedCredential, issue_credential
from oretrust.status.operations import revoke, suspend
from oretrust.status.publication import (
    DEFAULT_VALIDITY,
    publish_status_list,
    refresh_status_lists,
    served_status_list,
    stored_status_list,
)
from oretrust.status.resolver import HomeStatusListResolver
from oretrust.store.db import as_utc
from oretrust.store.status_models import StatusListDocumentRecord
from oretrust.verifier import verifier_for

MINISTRY = "did:web:mines.gouv.cd.example"

Dump = dict[str, list[tuple[Any, ...]]]


def database_dump(home: Home) -> Dump:
    """Every row of every table, in a stable order: what "unchanged" is compared on."""
    dump: Dump = {}
    with home.engine.connect() as connection:
        for table in sorted(sa.inspect(connection).get_table_names()):
            rows = connection.execute(sa.text(f'SELECT * FROM "{table}"')).all()
            dump[table] = sorted((tuple(row) for row in rows), key=repr)
    return dump


def issue_licence(home: Home, now: datetime, holder_did: str) -> IssuedCredential:
    """A mining licence of the ministry, with revocation and suspension entries."""
    subject = copy.deepcopy(EXAMPLES["MiningLicenceCredential"])
    subject["holder"]["id"] = holder_did
    return issue_credential(
        home,
        issuer="ministry",
        type_name="MiningLicenceCredential",
        subject=subject,
        holder=holder_did,
        now=now,
    )


@pytest.fixture
def licence(tmp_path: Path, now: datetime) -> tuple[Home, IssuedCredential]:
    """A home whose ministry issued one licence at ``now``."""
    home = Home.open(tmp_path / "home")
    identities.add_issuer(
        home, "ministry", display_name="Ministère des Mines", did=MINISTRY, now=now
    )
    holder = identities.add_holder(home, "kivu", display_name="Kivu Minerals SARL", now=now)
    return home, issue_licence(home, now, holder.did)


# ---------------------------------------------------------------------- the database is untouched
@pytest.mark.parametrize(
    "offset",
    [timedelta(0), timedelta(days=3650), None],
    ids=["now", "ten-years-ahead", "year-1"],
)
def test_verifying_in_process_leaves_the_database_unchanged(
    licence: tuple[Home, IssuedCredential], now: datetime, offset: timedelta | None
) -> None:
    home, issued = licence
    at = now + offset if offset is not None else now.replace(year=1)
    before = database_dump(home)
    verifier_for(home).check_credential(issued.token, now=at)
    verifier_for(home).check_credential(issued.token, now=now)
    assert database_dump(home) == before


def test_cli_verify_ten_years_ahead_leaves_the_database_unchanged(
    licence: tuple[Home, IssuedCredential], now: datetime, tmp_path: Path
) -> None:
    home, issued = licence
    token_file = tmp_path / "licence.jwt"
    token_file.write_text(issued.token + "\n", encoding="utf-8")
    before = database_dump(home)
    ahead = (now + timedelta(days=3650)).strftime("%Y-%m-%dT%H:%M:%SZ")
    result = run_oretrust(
        "verify", str(token_file), "--at", ahead, "--json", "--home", str(home.path)
    )
    assert result.returncode == 1, result.stdout + result.stderr  # expired, not a crash
    assert database_dump(home) == before


# ---------------------------------------------------------------------- the writer publishes
def _document_row(home: Home, published_id: str) -> dict[str, Any]:
    """The stored row of one document, read straight from its table."""
    with home.session() as session:
        record = session.get(StatusListDocumentRecord, published_id)
        assert record is not None, published_id
        return record.model_dump()


def _revocation_document(issued: IssuedCredential) -> tuple[str, str]:
    """(URL, published id) of the revocation list ``issued`` points into."""
    entry = next(
        e for e in issued.credential["credentialStatus"] if e["statusPurpose"] == "revocation"
    )
    url = entry["statusListCredential"]
    return url, url.rsplit("/", 1)[1]


def test_revocation_is_visible_to_the_next_verify_with_no_read_side_signing(
    licence: tuple[Home, IssuedCredential], now: datetime
) -> None:
    home, issued = licence
    assert verifier_for(home).check_credential(issued.token, now=now).verdict == "VALID"
    revoked_at = now + timedelta(hours=1)
    revoke(home, issued.id, reason="licence withdrawn", now=revoked_at)
    before = database_dump(home)
    report = verifier_for(home).check_credential(issued.token, now=revoked_at)
    assert report.verdict == "REVOKED"
    assert database_dump(home) == before  # the revocation, not the read, signed the list
    _, published_id = _revocation_document(issued)
    row = _document_row(home, published_id)
    assert as_utc(row["issued_at"]) == revoked_at  # at the writer's clock


def test_the_verifier_reads_exactly_the_document_the_writer_stored(
    licence: tuple[Home, IssuedCredential], now: datetime
) -> None:
    home, issued = licence
    suspend(home, issued.id, reason="audit", now=now)
    url, published_id = _revocation_document(issued)
    stored = _document_row(home, published_id)
    assert HomeStatusListResolver(home).fetch(url) == stored["token"]
    assert stored_status_list(home, published_id).token == stored["token"]
    far_ahead = now + timedelta(days=3650)
    assert HomeStatusListResolver(home).fetch(url) == stored["token"]  # no clock, no re-signing
    report = verifier_for(home).check_credential(issued.token, now=far_ahead)
    status = next(check for check in report.checks if check.id == "status")
    assert (status.passed, status.code) == (False, "STATUS_RETRIEVAL_ERROR")
    assert "STATUS_LIST_EXPIRED" in status.detail  # an expired list fails, never passes
    assert _document_row(home, published_id) == stored


def test_a_list_never_published_fails_the_check_and_is_signed_only_by_its_publisher(
    licence: tuple[Home, IssuedCredential], now: datetime
) -> None:
    """A database from before the writer published: the verifier fails closed; the issuer's
    own ``GET /status/{id}`` (or the refresh) signs the list once, at the server's clock."""
    home, issued = licence
    with home.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM status_list_document"))
    before = database_dump(home)
    report = verifier_for(home).check_credential(issued.token, now=now)
    status = next(check for check in report.checks if check.id == "status")
    assert (status.passed, status.code) == (False, "STATUS_RETRIEVAL_ERROR")
    assert "no signed document" in status.detail
    assert database_dump(home) == before
    _, published_id = _revocation_document(issued)
    served = served_status_list(home, published_id, now=now)
    assert served == stored_status_list(home, published_id)
    assert served_status_list(home, published_id, now=now + timedelta(days=9)) == served
    assert verifier_for(home).check_credential(issued.token, now=now).verdict == "VALID"


# ---------------------------------------------------------------------- the scheduled refresh
def test_refresh_re_signs_a_list_past_half_its_validity_and_leaves_a_fresh_one(
    licence: tuple[Home, IssuedCredential], now: datetime
) -> None:
    home, issued = licence
    _, published_id = _revocation_document(issued)
    list_id = published_id.rsplit("-", 1)[0]
    before = database_dump(home)
    assert refresh_status_lists(home, now=now + DEFAULT_VALIDITY / 2 - timedelta(minutes=1)) == []
    assert database_dump(home) == before  # fresh: not even re-stored
    later = now + DEFAULT_VALIDITY / 2
    assert refresh_status_lists(home, now=later) == [list_id]
    row = _document_row(home, published_id)
    assert (as_utc(row["issued_at"]), as_utc(row["expires_at"])) == (
        later,
        later + DEFAULT_VALIDITY,
    )
    assert row["version"] == 0
    assert refresh_status_lists(home, now=later) == []


def test_refresh_replaces_a_document_dated_in_the_future(
    licence: tuple[Home, IssuedCredential], now: datetime
) -> None:
    """What a verification ``--at`` ten years ahead used to leave behind is repaired."""
    home, issued = licence
    _, published_id = _revocation_document(issued)
    list_id = published_id.rsplit("-", 1)[0]
    publish_status_list(home, list_id, now=now + timedelta(days=3650))
    assert refresh_status_lists(home, now=now) == [list_id]
    assert as_utc(_document_row(home, published_id)["issued_at"]) == now


@pytest.mark.slow  # processes or served homes: behind the marker .ci/run also runs
def test_status_publish_command_re_signs_expired_lists(tmp_path: Path) -> None:
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    home = Home.open(tmp_path / "home")
    identities.add_issuer(
        home, "ministry", display_name="Ministère", did=MINISTRY, now=two_days_ago
    )
    holder = identities.add_holder(home, "kivu", display_name="Kivu", now=two_days_ago)
    issued = issue_licence(home, two_days_ago, holder.did)
    token_file = tmp_path / "licence.jwt"
    token_file.write_text(issued.token + "\n", encoding="utf-8")
    _, published_id = _revocation_document(issued)
    folder = str(home.path)
    expired = run_oretrust("verify", str(token_file), "--json", "--home", folder)
    assert expired.returncode == 1 and "STATUS_LIST_EXPIRED" in expired.stdout, expired.stdout
    result = run_oretrust("status", "publish", "--out", str(tmp_path / "out"), "--home", folder)
    assert result.returncode == 0, result.stderr
    row = _document_row(home, published_id)
    assert as_utc(row["issued_at"]) > two_days_ago + timedelta(days=1)
    assert (tmp_path / "out" / f"{published_id}.jwt").read_text().strip() == row["token"]
    valid = run_oretrust("verify", str(token_file), "--json", "--home", folder)
    assert valid.returncode == 0, valid.stdout + valid.stderr


def test_service_refreshes_at_startup_and_on_its_interval(
    licence: tuple[Home, IssuedCredential], now: datetime
) -> None:
    home, issued = licence
    _, published_id = _revocation_document(issued)
    with home.engine.begin() as connection:  # as if made before the writer published
        connection.execute(sa.text("DELETE FROM status_list_document"))
    clock = [now]
    settings = ServiceSettings(
        home=home.path, allow_network=False, rate_limit=None, status_refresh_seconds=1
    )
    client = ApiClient(create_app(settings, clock=lambda: clock[0]))
    try:
        assert as_utc(_document_row(home, published_id)["issued_at"]) == now  # at startup
        clock[0] = later = now + DEFAULT_VALIDITY / 2
        deadline = time.monotonic() + 15
        while as_utc(_document_row(home, published_id)["issued_at"]) != later:
            assert time.monotonic() < deadline, "the background task did not refresh the list"
            time.sleep(0.1)
        served = client.get(f"/status/{published_id}")
        assert served.status_code == 200
        assert served.text == _document_row(home, published_id)["token"]
    finally:
        client.close()


def test_refresh_interval_must_keep_lists_from_expiring() -> None:
    with pytest.raises(InputError):
        ServiceSettings(status_refresh_seconds=DEFAULT_VALIDITY.total_seconds())
    assert ServiceSettings().status_refresh_seconds == 3600
