"""The HTTP service in-process (httpx ASGITransport, real lifespan), on SQLite and PostgreSQL.

A ministry issues and revokes over HTTP with its token; a refinery verifies with nothing but
the URL; the registry is queried with TRQP; documents are cacheable; every failure is a
problem+json document with a stable code.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text

from api_support import (
    CUSTOMS,
    DOMAIN,
    MINISTRY,
    REGISTRY,
    ApiClient,
    Cast,
    make_cast,
    origin_certificate,
    postgres_schema,
)
from oretrust import registry
from oretrust.api.publication import current_trust_list
from oretrust.formats.jws import MAX_TOKEN_BYTES, parse_compact
from oretrust.formats.vc_jwt import sign_presentation
from oretrust.hosted_dids import did_resolver
from oretrust.identities import signer_for
from oretrust.issuer import issue_sd_jwt_credential
from oretrust.jwk import thumbprint
from oretrust.registry import load_trust_list

PROBLEM = "application/problem+json"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def cast(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cast]:
    """The story's cast on each database engine."""
    if request.param == "sqlite":
        yield make_cast(tmp_path / "home")
        return
    with postgres_schema() as url:
        made = make_cast(tmp_path / "home", url)
        yield made
        made.home.engine.dispose()


@pytest.fixture
def api(cast: Cast) -> Iterator[ApiClient]:
    client = cast.client()
    yield client
    client.close()


def _issue(api: ApiClient, cast: Cast, who: str = "ministry", **changes: Any) -> dict[str, Any]:
    response = api.post(
        "/credentials/issue",
        json={"credential": origin_certificate(cast.holder_did, **changes)},
        headers=cast.auth(who),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _verify(api: ApiClient, credential: Any) -> tuple[int, dict[str, Any]]:
    response = api.post("/credentials/verify", json={"verifiableCredential": credential})
    return response.status_code, response.json()


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["code"] == code and body["status"] == status
    assert {"type", "title", "detail"} <= set(body)
    return body


# ---------------------------------------------------------------------------- the story
def test_ministry_issues_and_revokes_refinery_verifies(api: ApiClient, cast: Cast) -> None:
    issued = _issue(api, cast)
    envelope = issued["verifiableCredential"]
    assert envelope["type"] == "EnvelopedVerifiableCredential"
    assert envelope["id"].startswith("data:application/vc+jwt,")
    token = envelope["id"].split(",", 1)[1]
    claims = parse_compact(token).unverified_payload()
    assert claims["issuer"]["id"] == MINISTRY and claims["id"] == issued["credentialId"]
    assert claims["credentialStatus"][0]["statusListCredential"].startswith(
        f"https://{DOMAIN}/status/"
    )

    # the refinery verifies, as an envelope and as a compact JWS
    for credential in (envelope, token):
        status, report = _verify(api, credential)
        assert status == 200 and report["verified"] and report["verdict"] == "VALID", report
        assert {c["id"] for c in report["checks"]} >= {"signature", "status", "issuer_accredited"}

    change = api.post(
        "/credentials/status",
        json={"credentialId": issued["credentialId"], "action": "revoke", "reason": "fraud"},
        headers=cast.auth("ministry"),
    )
    assert change.status_code == 200, change.text
    assert change.json()["status"] == "REVOKED" and change.json()["changed"]
    status, report = _verify(api, token)
    assert status == 400 and report["verdict"] == "REVOKED"
    assert [e["code"] for e in report["errors"]] == ["REVOKED"]

    again = api.post(
        "/credentials/status",
        json={"credentialId": issued["credentialId"], "action": "revoke", "reason": "again"},
        headers=cast.auth("ministry"),
    )
    assert again.status_code == 200 and not again.json()["changed"]
    reinstated = api.post(
        "/credentials/status",
        json={"credentialId": issued["credentialId"], "action": "reinstate", "reason": "oops"},
        headers=cast.auth("ministry"),
    )
    _problem(reinstated, 409, "CREDENTIAL_REVOKED")

    log = api.get("/revocations/log", headers=cast.auth("auditor")).json()
    assert [(e["credential_id"], e["action"]) for e in log] == [(issued["credentialId"], "revoke")]
    assert log[0]["actor"].startswith(f"api-token:{cast.token_ids['ministry']}")
    audit = api.get("/audit/log", headers=cast.auth("auditor")).json()
    assert [(a["path"], a["status"], a["token_id"]) for a in audit] == [
        ("/credentials/issue", 201, cast.token_ids["ministry"]),
        ("/credentials/status", 200, cast.token_ids["ministry"]),
        ("/credentials/status", 200, cast.token_ids["ministry"]),
        ("/credentials/status", 409, cast.token_ids["ministry"]),
    ]
    assert audit[0]["target"] == issued["credentialId"] and audit[3]["code"] == "CREDENTIAL_REVOKED"


def test_status_lists_are_served_cacheable_and_follow_revocation(
    api: ApiClient, cast: Cast
) -> None:
    issued = _issue(api, cast)
    token = issued["verifiableCredential"]["id"].split(",", 1)[1]
    entry = parse_compact(token).unverified_payload()["credentialStatus"][0]
    path = entry["statusListCredential"].removeprefix(f"https://{DOMAIN}")
    first = api.get(path)
    assert first.status_code == 200 and first.headers["content-type"] == "application/vc+jwt"
    assert first.headers["cache-control"] == "public, max-age=300"
    etag = first.headers["etag"]
    assert api.get(path, headers={"If-None-Match": etag}).status_code == 304
    tsl = api.get(path.replace("-revocation", "-tsl"))
    assert tsl.headers["content-type"] == "application/statuslist+jwt"
    assert parse_compact(tsl.text).unverified_header["typ"] == "statuslist+jwt"

    api.post(
        "/credentials/status",
        json={"credentialId": issued["credentialId"], "action": "revoke", "reason": "fraud"},
        headers=cast.auth("ministry"),
    )
    after = api.get(path, headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["etag"] != etag
    _problem(api.get("/status/0123456789abcdef-revocation"), 404, "STATUS_LIST_NOT_FOUND")
    _problem(api.get("/status/not-a-list"), 400, "INVALID_STATUS_LIST_ID")


def test_presentation_verifies_with_challenge(api: ApiClient, cast: Cast) -> None:
    issued = _issue(api, cast)
    token = issued["verifiableCredential"]["id"].split(",", 1)[1]
    presentation = sign_presentation(
        [token],
        signer_for(cast.home, cast.holder_did),
        holder=cast.holder_did,
        nonce="n-42",
        audience="did:web:refinery.example",
        now=datetime.now(UTC),
    )
    options = {"challenge": "n-42", "domain": "did:web:refinery.example"}
    ok = api.post(
        "/presentations/verify",
        json={"verifiablePresentation": presentation, "options": options},
    )
    assert ok.status_code == 200 and ok.json()["verified"], ok.text
    enveloped = {
        "@context": "https://www.w3.org/ns/credentials/v2",
        "type": "EnvelopedVerifiablePresentation",
        "id": f"data:application/vp+jwt,{presentation}",
    }
    replay = api.post(
        "/presentations/verify",
        json={"verifiablePresentation": enveloped, "options": {**options, "challenge": "n-43"}},
    )
    assert replay.status_code == 400 and replay.json()["errors"][0]["code"] == "NONCE_MISMATCH"


def test_sd_jwt_vc_verifies_over_http(api: ApiClient, cast: Cast) -> None:
    subject = origin_certificate(cast.holder_did)["credentialSubject"]
    issued = issue_sd_jwt_credential(
        cast.home,
        issuer="ministry",
        type_name="MineralOriginCertificate",
        subject=subject,
        holder=cast.holder_did,
        now=datetime.now(UTC),
    )
    enveloped = {
        "@context": "https://www.w3.org/ns/credentials/v2",
        "type": "EnvelopedVerifiableCredential",
        "id": f"data:application/dc+sd-jwt,{issued.token}",
    }
    for credential in (issued.token, enveloped):
        status, report = _verify(api, credential)
        assert status == 200 and report["verdict"] == "VALID", report
    api.post(
        "/credentials/status",
        json={"credentialId": issued.id, "action": "revoke", "reason": "withdrawn"},
        headers=cast.auth("ministry"),
    )
    status, report = _verify(api, issued.token)
    assert status == 400 and report["verdict"] == "REVOKED"


def test_trqp_and_trust_list(api: ApiClient, cast: Cast) -> None:
    query = {
        "entity_id": MINISTRY,
        "authority_id": REGISTRY,
        "action": "issue:MineralOriginCertificate",
        "resource": "CD-LU",
        "context": {"time": "2099-01-01T00:00:00Z", "unknown": 1},
    }
    answer = api.post("/authorization", json=query)
    assert answer.status_code == 200 and answer.json()["authorized"] is True
    denied = api.post("/authorization", json={**query, "resource": "RW"}).json()
    assert denied["authorized"] is False and denied["message"]
    recognition = api.post("/recognition", json={**query, "action": "accredit:X"}).json()
    assert recognition["recognized"] is False
    _problem(api.post("/authorization", json={"entity_id": MINISTRY}), 422, "REQUEST_INVALID")

    first = api.get("/trust-list")
    assert first.status_code == 200 and first.headers["content-type"] == "application/jwt"
    assert api.get("/trust-list").text == first.text  # signed once per log head
    verified = load_trust_list(
        first.text,
        registry_did=REGISTRY,
        resolver=did_resolver(cast.home, allow_network=False),
        now=datetime.now(UTC),
    )
    assert {a.entity_id for a in verified.accreditations} == {MINISTRY, CUSTOMS}
    assert (
        api.get("/trust-list", headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    )


def test_a_worker_never_overwrites_a_newer_trust_list_stored_by_another(cast: Cast) -> None:
    """Two workers re-sign after a registry change; the one with the older ``iat`` writes last.
    Replacing the other's list would show clients an older list after a newer one."""
    now = datetime.now(UTC)
    current_trust_list(cast.home, now=now)
    registry.accredit(cast.home, CUSTOMS, "AuthorisedEconomicOperatorCredential", "CD", now=now)
    newer = 2**40  # far beyond 2038: the columns are 64-bit
    raced = False

    def another_worker_commits_first(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        nonlocal raced
        if not raced and statement.lstrip().upper().startswith("UPDATE PUBLISHED_TRUST_LIST"):
            raced = True  # just before this worker writes, another commits a newer list
            with cast.home.engine.begin() as other:
                other.execute(
                    text("UPDATE published_trust_list SET iat = :iat, token = 'newer'"),
                    {"iat": newer},
                )

    event.listen(cast.home.engine, "before_cursor_execute", another_worker_commits_first)
    try:
        served = current_trust_list(cast.home, now=now + timedelta(seconds=5))
    finally:
        event.remove(cast.home.engine, "before_cursor_execute", another_worker_commits_first)
    assert raced and served.body == b"newer"
    with cast.home.engine.connect() as connection:
        stored = connection.execute(text("SELECT iat, token FROM published_trust_list")).one()
    assert tuple(stored) == (newer, "newer")


def test_registry_administration_and_history(api: ApiClient, cast: Cast) -> None:
    admin = cast.auth("admin")
    created = api.post(
        "/registry/accreditations",
        json={
            "entity_id": CUSTOMS,
            "credential_type": "AuthorisedEconomicOperatorCredential",
            "jurisdiction": "CD",
            "reason": "AEO programme",
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    ident = created.json()["id"]
    assert created.json()["status"] == "active"
    duplicate = api.post(
        "/registry/accreditations",
        json={
            "entity_id": CUSTOMS,
            "credential_type": "AuthorisedEconomicOperatorCredential",
            "jurisdiction": "CD",
        },
        headers=admin,
    )
    _problem(duplicate, 409, "ALREADY_ACCREDITED")
    suspended = api.post(
        f"/registry/accreditations/{ident}/suspend", json={"reason": "audit"}, headers=admin
    )
    assert suspended.json()["status"] == "suspended"
    reinstated = api.post(
        f"/registry/accreditations/{ident}/reinstate", json={"reason": "cleared"}, headers=admin
    )
    assert reinstated.json()["status"] == "active"
    withdrawn = api.post(
        f"/registry/accreditations/{ident}/withdraw", json={"reason": "fraud"}, headers=admin
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_at"]
    _problem(
        api.post(
            "/registry/accreditations/urn:uuid:x/withdraw", json={"reason": "r"}, headers=admin
        ),
        404,
        "NOT_FOUND",
    )
    recognised = api.post(
        "/registry/recognitions",
        json={
            "entity_id": "did:web:cami.gouv.cd.example",
            "action": "accredit:X",
            "resource": "CD",
        },
        headers=admin,
    )
    assert recognised.status_code == 201, recognised.text
    history = api.get("/registry/history", params={"subject": ident}, headers=cast.auth("auditor"))
    events = history.json()
    assert [e["type"] for e in events] == [
        "accreditation.granted",
        "accreditation.suspended",
        "accreditation.reinstated",
        "accreditation.withdrawn",
    ]
    assert all(
        e["actor"] == f"api-token:{cast.token_ids['admin']} (registry-admin)" for e in events
    )


def test_did_documents_and_issuer_metadata(api: ApiClient, cast: Cast) -> None:
    host = {"Host": DOMAIN}  # a path-based DID is served for its own Host only
    for name, did in (("ministry", MINISTRY), ("customs", CUSTOMS), ("registry", REGISTRY)):
        response = api.get(f"/issuers/{name}/did.json", headers=host)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/did+json"
        assert response.json()["id"] == did
        assert "max-age" in response.headers["cache-control"]
        etag = response.headers["etag"]
        assert (
            api.get(
                f"/issuers/{name}/did.json", headers={**host, "If-None-Match": etag}
            ).status_code
            == 304
        )
    assert api.get("/.well-known/did.json", headers=host).json()["id"] == REGISTRY
    _problem(api.get("/issuers/nobody/did.json"), 404, "ISSUER_NOT_FOUND")
    _problem(api.get("/issuers/NOT%20A%20NAME/did.json"), 404, "ISSUER_NOT_FOUND")

    metadata = api.get("/.well-known/jwt-vc-issuer/issuers/customs").json()
    assert metadata["issuer"] == f"https://{DOMAIN}/issuers/customs"
    (key,) = metadata["jwks"]["keys"]
    assert key["kid"] == thumbprint(key) and "d" not in key
    assert api.get("/.well-known/jwt-vc-issuer").json()["issuer"] == f"https://{DOMAIN}"


def test_schemas(api: ApiClient) -> None:
    listed = api.get("/schemas").json()
    assert {item["type"] for item in listed} >= {
        "MineralOriginCertificate",
        "MiningLicenceCredential",
    }
    schema = api.get("/schemas/MiningLicenceCredential")
    assert schema.headers["content-type"] == "application/schema+json"
    assert schema.json()["title"] == "MiningLicenceCredential"
    _problem(api.get("/schemas/NoSuchCredential"), 404, "UNKNOWN_CREDENTIAL_TYPE")


# ---------------------------------------------------------------------------- failures
def test_bad_input_is_a_4xx_problem(api: ApiClient, cast: Cast) -> None:
    ministry = cast.auth("ministry")
    raw = {"headers": {"content-type": "application/json"}}
    _problem(api.post("/credentials/verify", content=b"{nope", **raw), 422, "REQUEST_INVALID")
    _problem(
        api.post("/credentials/verify", json={"verifiableCredential": 42}), 422, "REQUEST_INVALID"
    )
    _problem(api.post("/credentials/verify", json=[]), 422, "REQUEST_INVALID")
    huge = "a" * (MAX_TOKEN_BYTES + 1)
    _problem(
        api.post("/credentials/verify", json={"verifiableCredential": huge}), 422, "REQUEST_INVALID"
    )
    envelope = {
        "@context": "https://www.w3.org/ns/credentials/v2",
        "type": "EnvelopedVerifiableCredential",
        "id": "data:application/json,x",
    }
    _problem(
        api.post("/credentials/verify", json={"verifiableCredential": envelope}),
        400,
        "UNSUPPORTED_FORMAT",
    )
    not_application = {**envelope, "id": "data:text/plain,x"}  # VC DM 2.0 §4.13: 422
    _problem(
        api.post("/credentials/verify", json={"verifiableCredential": not_application}),
        422,
        "DATA_MODEL_INVALID",
    )
    status, report = _verify(api, "not.a.jwt")
    assert status == 400 and report["verified"] is False and report["errors"]

    unknown_type = origin_certificate(type=["VerifiableCredential", "GoldBarCredential"])
    body = _problem(
        api.post("/credentials/issue", json={"credential": unknown_type}, headers=ministry),
        422,
        "UNKNOWN_CREDENTIAL_TYPE",
    )
    assert "MineralOriginCertificate" in body["detail"]
    bad_subject = origin_certificate()
    bad_subject["credentialSubject"]["mass"] = {"value": -3, "unit": "t"}
    body = _problem(
        api.post("/credentials/issue", json={"credential": bad_subject}, headers=ministry),
        422,
        "SCHEMA_VALIDATION_FAILED",
    )
    assert body["field"].startswith("credentialSubject.mass")
    _problem(
        api.post(
            "/credentials/issue",
            json={"credential": origin_certificate(issuer=CUSTOMS)},
            headers=ministry,
        ),
        403,
        "FORBIDDEN",
    )
    _problem(
        api.post("/credentials/issue", json={"credential": "a string"}, headers=ministry),
        422,
        "REQUEST_INVALID",
    )
    _problem(api.get("/no/such/route"), 404, "NOT_FOUND")
    _problem(api.request("DELETE", "/credentials/verify"), 405, "METHOD_NOT_ALLOWED")


def test_body_size_limit(cast: Cast) -> None:
    client = cast.client(max_body_bytes=2048)
    try:
        big = json.dumps({"verifiableCredential": "x" * 4096})
        _problem(client.post("/credentials/verify", content=big), 413, "PAYLOAD_TOO_LARGE")

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while read
            yield big[:1500].encode()
            yield big[1500:].encode()

        _problem(
            client.post(
                "/credentials/verify",
                content=chunks(),
                headers={"content-type": "application/json"},
            ),
            413,
            "PAYLOAD_TOO_LARGE",
        )
        assert (
            client.post("/credentials/verify", json={"verifiableCredential": "x"}).status_code
            == 400
        )
    finally:
        client.close()


def test_health_and_readiness(api: ApiClient) -> None:
    assert api.get("/healthz").json() == {"status": "ok"}
    assert api.get("/readyz").json() == {"status": "ready"}
    home = api.app.state.home
    engine, home.engine = home.engine, create_engine("sqlite:////nonexistent/dir/oretrust.db")
    try:
        body = _problem(api.get("/readyz"), 503, "NOT_READY")
        assert "nonexistent" not in json.dumps(body)
    finally:
        home.engine = engine


def test_openapi_documents_every_route_with_examples(api: ApiClient) -> None:
    document = api.get("/openapi.json").json()
    components = document["components"]["schemas"]

    def has_example(media: dict[str, Any]) -> bool:
        ref = media.get("schema", {}).get("$ref", "")
        component = components.get(ref.rsplit("/", 1)[-1], {}) if ref else {}
        return bool(media.get("example") or media.get("examples") or component.get("examples"))

    operations = [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]
    assert len(operations) >= 24
    for method, path, operation in operations:
        assert operation.get("summary") and operation.get("description"), (method, path)
        if "requestBody" in operation:
            assert has_example(operation["requestBody"]["content"]["application/json"]), path
        success = next(v for k, v in operation["responses"].items() if k.startswith("2"))
        assert any(has_example(media) for media in success["content"].values()), (method, path)
    assert api.get("/docs").status_code == 200
    secured = {path for _, path, op in operations if op.get("security")}
    assert secured == {
        "/credentials",
        "/credentials/issue",
        "/credentials/status",
        "/registry/accreditations",
        "/registry/accreditations/{accreditation_id}/withdraw",
        "/registry/accreditations/{accreditation_id}/suspend",
        "/registry/accreditations/{accreditation_id}/reinstate",
        "/registry/recognitions",
        "/registry/history",
        "/revocations/log",
        "/audit/log",
        "/custody/attestations",
        "/custody/exports",
        "/custody/ledger",
    }
