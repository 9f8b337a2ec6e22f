"""Who may call what: the authorization matrix, tokens, the audit log and the rate limit.

Every mutating endpoint (found in the OpenAPI document, so a new one cannot be missed)
refuses anonymous calls, malformed, expired and revoked tokens, tokens of the wrong role and
tokens of another issuer — and a refused call changes nothing.
"""

from __future__ import annotations

import ipaddress
import json
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api_support import CUSTOMS, MINISTRY, ApiClient, Cast, make_cast, origin_certificate
from oretrust.api import audit, create_app, routes_verify
from oretrust.api.rate_limit import RateLimiter, client_address, client_key
from oretrust.api.settings import RateLimit, parse_rate_limit
from oretrust.cli import app as cli_app
from oretrust.errors import InputError

PUBLIC_POSTS = {
    "/credentials/verify",
    "/presentations/verify",
    "/authorization",
    "/recognition",
    "/custody/events",  # public: the registry verifies the whole chain (docs/architecture.md)
}
READERS = ("/registry/history", "/revocations/log", "/audit/log")


@pytest.fixture(scope="module")
def cast(tmp_path_factory: pytest.TempPathFactory) -> Cast:
    return make_cast(tmp_path_factory.mktemp("auth") / "home")


@pytest.fixture(scope="module")
def api(cast: Cast) -> Iterator[ApiClient]:
    client = cast.client()
    yield client
    client.close()


@pytest.fixture(scope="module")
def ministry_credential(api: ApiClient, cast: Cast) -> str:
    response = api.post(
        "/credentials/issue",
        json={"credential": origin_certificate(cast.holder_did)},
        headers=cast.auth("ministry"),
    )
    assert response.status_code == 201, response.text
    credential_id: str = response.json()["credentialId"]
    return credential_id


def _calls(credential_id: str, accreditation_id: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """A valid body for every mutating route, and the role that may call it."""
    change = {"reason": "matrix"}
    return {
        "/credentials/issue": ("ministry", {"credential": origin_certificate()}),
        "/credentials/status": (
            "ministry",
            {"credentialId": credential_id, "action": "revoke", "reason": "matrix"},
        ),
        "/registry/accreditations": (
            "admin",
            {
                "entity_id": CUSTOMS,
                "credential_type": "ConformityAssessmentCredential",
                "jurisdiction": "CD",
            },
        ),
        "/registry/accreditations/{accreditation_id}/withdraw": ("admin", change),
        "/registry/accreditations/{accreditation_id}/suspend": ("admin", change),
        "/registry/accreditations/{accreditation_id}/reinstate": ("admin", change),
        "/registry/recognitions": (
            "admin",
            {"entity_id": "did:web:cami.gouv.cd.example", "action": "accredit:X", "resource": "CD"},
        ),
        "/custody/attestations": (
            "ministry",  # an issuer token: the registry refuses an unaccredited one later (409)
            {
                "event": "eyJhbGciOiJFZERTQSJ9.e30.c2ln",
                "documents": ["eyJhbGciOiJFZERTQSJ9.e30.c2ln"],
            },
        ),
        "/custody/exports": (
            "customs",
            {
                "origin": credential_id,
                "declaration_number": "CD-MATRIX-1",
                "hs_code": "282200",
                "seals": ["S1"],
                "importer": "I",
                "mass": "1t",
            },
        ),
    }


def _state(cast: Cast, api: ApiClient) -> tuple[Any, ...]:
    reader = cast.auth("auditor")
    return (
        api.get("/revocations/log", headers=reader).json(),
        len(api.get("/registry/history", headers=reader).json()),
    )


def test_every_mutating_endpoint_refuses_the_wrong_callers(
    api: ApiClient, cast: Cast, ministry_credential: str
) -> None:
    accreditation_id = api.get("/registry/history", headers=cast.auth("auditor")).json()[-1][
        "subject"
    ]
    calls = _calls(ministry_credential, accreditation_id)
    paths = api.get("/openapi.json").json()["paths"]
    mutating = {
        path for path, item in paths.items() if set(item) & {"post", "put", "patch", "delete"}
    }
    assert mutating - PUBLIC_POSTS == set(calls), "a mutating route is missing from the matrix"
    before = _state(cast, api)
    refusals = {
        "anonymous": ({}, 401),
        "malformed": ({"Authorization": "Bearer ort_nothing_here"}, 401),
        "wrong scheme": ({"Authorization": f"Basic {cast.tokens['admin']}"}, 401),
        "tampered": ({"Authorization": f"Bearer {cast.tokens['admin'][:-2]}xx"}, 401),
        "oversized": ({"Authorization": "Bearer " + "a" * 10_000}, 401),
        "expired": (cast.auth("expired"), 401),
        "revoked": (cast.auth("revoked"), 401),
        "auditor": (cast.auth("auditor"), 403),
    }
    for path, (allowed, body) in calls.items():
        url = path.format(accreditation_id=accreditation_id)
        wrong_role = "admin" if allowed != "admin" else "ministry"
        for name, (headers, status) in {
            **refusals,
            "wrong role": (cast.auth(wrong_role), 403),
        }.items():
            response = api.post(url, json=body, headers=headers)
            assert response.status_code == status, (path, name, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            if status == 401:
                assert response.headers["www-authenticate"] == "Bearer"
                # the same answer whatever the reason: no oracle on which tokens exist
                assert response.json()["detail"].startswith("a valid bearer token is required")
    assert _state(cast, api) == before


def test_an_issuer_token_acts_for_its_own_issuer_only(
    api: ApiClient, cast: Cast, ministry_credential: str
) -> None:
    customs = cast.auth("customs")
    other = api.post(
        "/credentials/status",
        json={"credentialId": ministry_credential, "action": "revoke", "reason": "not mine"},
        headers=customs,
    )
    unknown = api.post(
        "/credentials/status",
        json={
            "credentialId": "urn:uuid:00000000-0000-4000-8000-000000000000",
            "action": "revoke",
            "reason": "x",
        },
        headers=customs,
    )
    assert other.status_code == unknown.status_code == 404
    assert other.json()["code"] == unknown.json()["code"] == "CREDENTIAL_NOT_FOUND"
    as_ministry = api.post(
        "/credentials/issue",
        json={"credential": origin_certificate(issuer={"id": MINISTRY})},
        headers=customs,
    )
    assert as_ministry.status_code == 403 and as_ministry.json()["code"] == "FORBIDDEN"
    assert api.get("/revocations/log", headers=cast.auth("auditor")).json() == []


def test_readers(api: ApiClient, cast: Cast) -> None:
    for path in READERS:
        assert api.get(path).status_code == 401
        assert api.get(path, headers=cast.auth("ministry")).status_code == 403
        assert api.get(path, headers=cast.auth("auditor")).status_code == 200
        assert api.get(path, headers=cast.auth("admin")).status_code == 200


def test_audit_log_names_the_token_of_refused_and_accepted_calls(
    api: ApiClient, cast: Cast
) -> None:
    api.post("/registry/recognitions", json={}, headers=cast.auth("auditor"))
    api.post("/registry/recognitions", json={})  # anonymous: nothing to attribute
    entries = api.get("/audit/log", headers=cast.auth("admin")).json()
    last = entries[-1]
    assert (last["token_id"], last["role"], last["status"], last["code"]) == (
        cast.token_ids["auditor"],
        "auditor",
        403,
        "FORBIDDEN",
    )
    assert all(entry["token_id"] in cast.token_ids.values() for entry in entries)


def test_tokens_are_stored_as_hashes_and_the_cli_manages_them(cast: Cast) -> None:
    runner = CliRunner()
    home = ["--home", str(cast.folder)]
    created = runner.invoke(
        cli_app, ["token", "create", "--role", "auditor", "--expires-in", "12h", "--json", *home]
    )
    assert created.exit_code == 0, created.output
    made = json.loads(created.stdout)
    assert made["token"].startswith(f"ort_{made['id']}_") and made["role"] == "auditor"
    database = sqlite3.connect(cast.folder / "oretrust.db")
    try:
        dump = "\n".join(database.iterdump())
    finally:
        database.close()
    assert made["token"] not in dump and made["token"].split("_", 2)[2] not in dump
    listed = runner.invoke(cli_app, ["token", "list", "--json", *home])
    assert made["id"] in listed.stdout and made["token"] not in listed.stdout
    revoked = runner.invoke(cli_app, ["token", "revoke", made["id"], *home])
    assert revoked.exit_code == 0
    refused = runner.invoke(cli_app, ["token", "create", "--role", "issuer", *home])
    assert isinstance(refused.exception, InputError)  # an issuer token needs --issuer
    refused = runner.invoke(
        cli_app, ["token", "create", "--role", "auditor", "--expires-in", "9y", *home]
    )
    assert isinstance(refused.exception, InputError)


def test_rate_limit(tmp_path: Path, cast: Cast) -> None:
    client = ApiClient(create_app(cast.settings(rate_limit="3/minute")))
    try:
        statuses = [client.get("/schemas").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = client.get("/schemas")
        assert limited.json()["code"] == "RATE_LIMITED" and int(limited.headers["retry-after"]) >= 1
        assert client.get("/healthz").status_code == 200  # probes are never limited
    finally:
        client.close()
    unlimited = cast.client()
    try:
        assert {unlimited.get("/schemas").status_code for _ in range(20)} == {200}
    finally:
        unlimited.close()


def test_rate_limit_parsing_and_storage_setting(cast: Cast) -> None:
    assert parse_rate_limit("600/minute") == RateLimit(600, 60)
    assert parse_rate_limit("100/10s") == RateLimit(100, 10)
    with pytest.raises(InputError):
        parse_rate_limit("lots")
    with pytest.raises(InputError, match="ORETRUST_RATE_LIMIT_STORAGE"):
        cast.settings(rate_limit="3/minute", rate_limit_storage="mongodb://x")


@pytest.mark.slow
def test_the_moving_window_admits_no_burst_across_a_boundary() -> None:
    """A fixed window admits twice the limit around its boundary; the moving one does not."""
    limiter = RateLimiter(RateLimit(3, 2))
    time.sleep((1.7 - time.time() % 2) % 2)  # 0.3 s before a 2-second boundary
    assert [limiter.hit("a") for _ in range(3)] == [None, None, None]
    time.sleep(0.5)  # past the boundary: a fixed window would start counting again
    assert limiter.hit("a") is not None and limiter.hit("b") is None
    time.sleep(2.0)
    assert limiter.hit("a") is None  # the window has moved past the first three


def test_workers_sharing_redis_share_one_limit(cast: Cast) -> None:
    """Two apps (two workers, or two replicas) on one Redis admit the limit once, not twice;
    the same client written two ways is one client."""
    settings = cast.settings(
        rate_limit="4/minute",
        rate_limit_storage="redis://127.0.0.1:6379/0",
        trusted_proxies="127.0.0.1",  # the in-process client is the proxy; X-Forwarded-For
    )
    workers = [ApiClient(create_app(settings)), ApiClient(create_app(settings))]
    client = f"2001:db8:{uuid.uuid4().hex[:4]}::1"  # fresh in the shared storage
    spellings = [client, client.upper().replace("::", ":0:0:0:0:"), client, client]
    try:
        statuses = [
            workers[n % 2].get("/schemas", headers={"X-Forwarded-For": spelling}).status_code
            for n, spelling in enumerate([*spellings, client])
        ]
    finally:
        for worker in workers:
            worker.close()
    assert statuses == [200, 200, 200, 200, 429]


def test_addresses_are_counted_in_canonical_form() -> None:
    assert client_key("2001:DB8:0:0:0:0:0:1") == client_key("2001:db8::1") == "2001:db8::/64"
    assert client_key("2001:db8::ffff:1") == client_key("2001:db8::2")  # one /64, one budget
    assert client_key("::ffff:192.0.2.1") == client_key("192.0.2.1") == "192.0.2.1"
    assert client_key("unix-socket") == "unix-socket"


def test_forwarded_addresses_count_only_behind_trusted_proxies() -> None:
    proxies = [ipaddress.ip_network("10.0.0.0/8")]
    forwarded = [(b"x-forwarded-for", b"6.6.6.6, 203.0.113.9, 10.0.0.2")]
    scope = {"client": ("10.0.0.1", 1234), "headers": forwarded}
    assert client_address(scope, proxies) == "203.0.113.9"  # spoofed 6.6.6.6 is ignored
    assert client_address(scope, []) == "10.0.0.1"  # no proxy trusted: the peer
    assert client_address({**scope, "client": ("198.51.100.7", 1)}, proxies) == "198.51.100.7"


def test_an_unexpected_error_is_a_500_problem_without_internals(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(cast.settings())

    def broken(_request: object) -> None:
        raise RuntimeError("secret table layout /srv/oretrust.db")

    monkeypatch.setattr(routes_verify, "verifier_of", broken)
    client = ApiClient(app, raise_app_exceptions=False)
    try:
        response = client.post("/credentials/verify", json={"verifiableCredential": "x"})
    finally:
        client.close()
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "INTERNAL_ERROR" and "secret" not in response.text


def test_the_audit_row_is_committed_with_the_change(
    api: ApiClient, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The middleware's own writes switched off — as if the process died right after the
    handler committed: the issuance and the revocation still have their audit rows, written
    in their own transactions; a refused call (nothing committed) has none without them."""
    monkeypatch.setattr(audit, "record_call", lambda *args, **kwargs: None)
    monkeypatch.setattr(audit, "_complete", lambda *args, **kwargs: None)
    before = len(audit.list_audit(cast.home))
    issued = api.post("/credentials/issue", headers=cast.auth("ministry"),
                      json={"credential": origin_certificate(cast.holder_did)})  # fmt: skip
    credential_id = issued.json()["credentialId"]
    change = {"credentialId": credential_id, "action": "revoke", "reason": "x"}
    revoked = api.post("/credentials/status", headers=cast.auth("ministry"), json=change)
    refused = api.post("/registry/recognitions", json={}, headers=cast.auth("auditor"))
    assert (issued.status_code, revoked.status_code, refused.status_code) == (201, 200, 403)
    rows = audit.list_audit(cast.home)[before:]
    assert [(r.path, r.status, r.code, r.token_id) for r in rows] == [
        ("/credentials/issue", 201, "OK", cast.token_ids["ministry"]),
        ("/credentials/status", 200, "OK", cast.token_ids["ministry"]),
    ]
    assert rows[1].target == credential_id  # named before the change was committed
