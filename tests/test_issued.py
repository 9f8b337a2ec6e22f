"""What an issuer has issued: ``oretrust issued`` and ``GET /credentials`` (its own only), an
external did:jwk holder over HTTP, and database URL mistakes as input errors (exit 2)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from api_support import MINISTRY, ApiClient, Cast, make_cast, origin_certificate
from conftest import run_oretrust
from oretrust.credentials import EXAMPLES
from oretrust.did import DefaultDidResolver, create_did_jwk
from oretrust.formats.jws import parse_compact
from oretrust.holder import receive_credential
from oretrust.home import Home
from oretrust.hosted_dids import hosted_did_document
from oretrust.identities import add_holder, add_issuer
from oretrust.issuer import issue_credential, issue_sd_jwt_credential, list_issued
from oretrust.jwk import public_jwk
from oretrust.keys import generate_private_key
from oretrust.status.check import status_check
from oretrust.status.operations import revoke, suspend
from oretrust.status.resolver import HomeStatusListResolver
from oretrust.verifier import Verifier


def _external_holder() -> str:
    """A did:jwk of a holder on its own node: this home never saw its private key."""
    return create_did_jwk(public_jwk(generate_private_key("EdDSA").public_key()))


@pytest.fixture
def cast(tmp_path: Path) -> Iterator[Cast]:
    built = make_cast(tmp_path / "home")
    yield built
    built.home.engine.dispose()


@pytest.fixture
def client(cast: Cast) -> Iterator[ApiClient]:
    started = cast.client()
    yield started
    started.close()


_issued_tokens: dict[str, str] = {}


def _issue_over_http(client: ApiClient, cast: Cast, who: str, holder_did: str) -> str:
    document = origin_certificate(holder_did)
    document["credentialSubject"]["id"] = holder_did
    answer = client.post(
        "/credentials/issue", json={"credential": document}, headers=cast.auth(who)
    )
    assert answer.status_code == 201, answer.text
    token = answer.json()["verifiableCredential"]["id"].split(",", 1)[1]
    assert parse_compact(token).unverified_payload()["credentialSubject"]["id"] == holder_did
    _issued_tokens[answer.json()["credentialId"]] = token
    return str(answer.json()["credentialId"])


def test_get_credentials_lists_only_the_calling_issuers_own(cast: Cast, client: ApiClient) -> None:
    external = _external_holder()
    first = _issue_over_http(client, cast, "ministry", external)
    second = _issue_over_http(client, cast, "ministry", cast.holder_did)
    by_customs = _issue_over_http(client, cast, "customs", external)
    mine = client.get("/credentials", headers=cast.auth("ministry"))
    assert mine.status_code == 200, mine.text
    rows = mine.json()
    assert [row["id"] for row in rows] == [first, second]
    assert rows[0]["holder"] == external  # a holder DID this home does not host
    assert rows[0]["issuer"] == MINISTRY
    assert rows[0]["type"] == "MineralOriginCertificate"
    assert rows[0]["format"] == "vc+jwt"
    assert rows[0]["status"] == "valid"
    assert isinstance(rows[0]["status_list"], str) and isinstance(rows[0]["status_index"], int)
    theirs = client.get("/credentials", headers=cast.auth("customs")).json()
    assert [row["id"] for row in theirs] == [by_customs]


def test_a_holder_on_its_own_node_takes_an_http_issued_credential_into_its_wallet(
    cast: Cast, client: ApiClient, tmp_path: Path
) -> None:
    """POST /credentials/issue to a did:jwk of another home; that home's wallet verifies it
    against the issuer's published DID document and status list (read from what the
    issuer's home serves, standing in for the HTTPS GETs), and keeps it."""
    kivu = Home.open(tmp_path / "kivu", database_url=f"sqlite:///{tmp_path / 'kivu.db'}")
    kivu_did = add_holder(kivu, "kivu", display_name="Kivu", now=datetime.now(UTC)).did
    credential_id = _issue_over_http(client, cast, "ministry", kivu_did)
    published = {MINISTRY: hosted_did_document(cast.home, MINISTRY)}
    dids = DefaultDidResolver(fetcher=None, local=published.get)
    verifier = Verifier(dids, extra_checks=[status_check(HomeStatusListResolver(cast.home), dids)])
    token = _issued_tokens[credential_id]
    entry = receive_credential(kivu, "kivu", token, now=datetime.now(UTC), verifier=verifier)
    assert entry.credential_id == credential_id and entry.issuer == MINISTRY
    kivu.engine.dispose()


def test_get_credentials_filters_by_status_type_and_since(cast: Cast, client: ApiClient) -> None:
    first = _issue_over_http(client, cast, "ministry", _external_holder())
    second = _issue_over_http(client, cast, "ministry", _external_holder())
    changed = client.post(
        "/credentials/status",
        json={"credentialId": first, "action": "revoke", "reason": "test"},
        headers=cast.auth("ministry"),
    )
    assert changed.status_code == 200, changed.text
    auth = cast.auth("ministry")

    def ids(query: str) -> list[str]:
        answer = client.get(f"/credentials?{query}", headers=auth)
        assert answer.status_code == 200, answer.text
        return [row["id"] for row in answer.json()]

    assert ids("status=revoked") == [first]
    assert ids("status=valid") == [second]
    assert ids("status=suspended") == []
    assert ids("type=MineralOriginCertificate") == [first, second]
    assert ids("type=MiningLicenceCredential") == []
    future = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(f"since={future}") == []
    assert ids("since=2000-01-01T00:00:00Z") == [first, second]


def test_get_credentials_refuses_other_roles_and_bad_queries(cast: Cast, client: ApiClient) -> None:
    assert client.get("/credentials").status_code == 401
    for who in ("admin", "auditor"):  # least privilege: they do not see whom issuers issued to
        answer = client.get("/credentials", headers=cast.auth(who))
        assert answer.status_code == 403, (who, answer.text)
    bad_time = client.get("/credentials?since=yesterday", headers=cast.auth("ministry"))
    assert bad_time.status_code == 400
    assert bad_time.json()["code"] == "INVALID_TIME"
    bad_status = client.get("/credentials?status=lost", headers=cast.auth("ministry"))
    assert bad_status.status_code == 422


# ------------------------------------------------------------------ the core and the CLI


def _subject(holder_did: str) -> dict[str, Any]:
    subject = copy.deepcopy(EXAMPLES["MiningLicenceCredential"])
    subject["holder"]["id"] = holder_did
    return subject


def test_list_issued_reports_status_and_narrows(tmp_path: Path, now: datetime) -> None:
    home = Home.open(tmp_path, database_url=f"sqlite:///{tmp_path / 'oretrust.db'}")
    add_issuer(home, "ministry", display_name="Ministère", did=MINISTRY, now=now)
    add_issuer(home, "other", display_name="Other", now=now)
    holder = _external_holder()
    kept = issue_credential(
        home, issuer="ministry", type_name="MiningLicenceCredential",
        subject=_subject(holder), holder=holder, now=now,
    )  # fmt: skip
    later = now + timedelta(hours=1)
    origin = copy.deepcopy(EXAMPLES["MineralOriginCertificate"])
    sd = issue_sd_jwt_credential(
        home, issuer="ministry", type_name="MineralOriginCertificate", subject=origin,
        holder=holder, now=later,
    )  # fmt: skip
    unlisted = issue_credential(
        home, issuer="ministry", type_name="MiningLicenceCredential",
        subject=_subject(holder), holder=holder, now=later + timedelta(minutes=1),
        with_status=False,
    )  # fmt: skip
    issue_credential(
        home, issuer="other", type_name="MiningLicenceCredential",
        subject=_subject(holder), holder=holder, now=now,
    )  # fmt: skip
    suspend(home, kept.id, reason="audit", now=later)
    rows = list_issued(home, issuer="ministry")
    assert [(r.id, r.format, r.status) for r in rows] == [
        (kept.id, "vc+jwt", "suspended"),
        (sd.id, "dc+sd-jwt", "valid"),
        (unlisted.id, "vc+jwt", None),
    ]
    assert {r.holder for r in rows} == {holder}
    assert [r.id for r in list_issued(home, issuer=MINISTRY, since=later)] == [sd.id, unlisted.id]
    assert [r.id for r in list_issued(home, issuer="ministry", status="valid")] == [sd.id]
    assert [
        r.id for r in list_issued(home, issuer="ministry", type_name="MineralOriginCertificate")
    ] == [sd.id]
    revoke(home, sd.id, reason="gone", now=later)
    assert [r.id for r in list_issued(home, issuer="ministry", status="revoked")] == [sd.id]
    home.engine.dispose()


@pytest.mark.slow  # CLI processes: behind the marker .ci/run also runs
def test_cli_issued_json_and_filters(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    folder = tmp_path / "home"
    home = Home.open(folder, database_url=f"sqlite:///{folder / 'oretrust.db'}")
    add_issuer(home, "ministry", display_name="Ministère", did=MINISTRY, now=now)
    holder = _external_holder()
    first = issue_credential(
        home, issuer="ministry", type_name="MiningLicenceCredential",
        subject=_subject(holder), holder=holder, now=now,
    )  # fmt: skip
    second = issue_credential(
        home, issuer="ministry", type_name="MiningLicenceCredential",
        subject=_subject(holder), holder=holder, now=now,
    )  # fmt: skip
    revoke(home, first.id, reason="cancelled", now=now)
    home.engine.dispose()
    listed = run_oretrust("issued", "--issuer", "ministry", "--json", "--home", str(folder))
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert {(row["id"], row["status"], row["holder"]) for row in rows} == {
        (first.id, "revoked", holder),
        (second.id, "valid", holder),
    }
    revoked = run_oretrust(
        "issued", "--issuer", MINISTRY, "--status", "revoked", "--json", "--home", str(folder)
    )
    assert [row["id"] for row in json.loads(revoked.stdout)] == [first.id]
    table = run_oretrust("issued", "--issuer", "ministry", "--home", str(folder))
    assert table.returncode == 0, table.stderr
    assert "credential" in table.stdout and "revoked" in table.stdout and "valid" in table.stdout
    bad = run_oretrust("issued", "--issuer", "ministry", "--status", "lost", "--home", str(folder))
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: INVALID_INPUT: status must be one of valid")
    unknown = run_oretrust("issued", "--issuer", "nobody", "--home", str(folder))
    assert unknown.returncode == 2 and unknown.stderr.startswith("error: NOT_FOUND: ")


def _with_database_url(url: str, *args: str) -> Any:
    """``run_oretrust`` drops the caller's ORETRUST_* variables; pass the URL through env."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("ORETRUST_")}
    env["ORETRUST_DATABASE_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "oretrust", *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("postgresql://nobody@127.0.0.1:1/x", "DATABASE_UNAVAILABLE"),
        ("postgresql://nobody:secret-pw@127.0.0.1:notaport/x", "DATABASE_URL_INVALID"),
        ("not a url", "DATABASE_URL_INVALID"),
        ("nosuchdialect://x/y", "DATABASE_URL_INVALID"),
    ],
)
def test_database_url_mistakes_are_one_line_input_errors(
    tmp_path: Path, url: str, code: str
) -> None:
    run = _with_database_url(url, "issued", "--issuer", "ministry", "--home", str(tmp_path))
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {code}: "), run.stderr
    assert "secret-pw" not in run.stderr
    assert "internal error" not in run.stderr
