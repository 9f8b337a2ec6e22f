"""Hostile token input: a failed check with a stable code, never an HTTP 500 or a crash.

Every hostile token is built by hand: the header and payload JSON texts base64url-encoded
as they are, and a signature part that is valid base64url but verifies nothing. What must
hold, whatever the attacker sends:

* a protected header member of the wrong JSON type (``"alg": ["EdDSA"]``, an object ``kid``,
  an empty ``crit``…) fails the ``format`` check (``MALFORMED_TOKEN``, or the SD-JWT codes);
* JSON nested 10,000 levels deep anywhere in a token (header, payload, KB-JWT, the did:jwk a
  token names) fails with ``TOKEN_TOO_DEEP`` / ``SD_JWT_TOO_DEEP`` / ``INVALID_DID``, and a
  request body nested that deep is a 400 problem+json;
* the verification endpoints answer such a token with HTTP 400 and the report, and
  ``oretrust verify`` exits 1 with the report.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from api_support import ApiClient, Cast, make_cast, origin_certificate
from conftest import run_oretrust
from oretrust.api import create_app
from oretrust.encoding import MAX_JSON_DEPTH, b64url_decode, b64url_encode
from oretrust.errors import MalformedTokenError
from oretrust.formats.jws import parse_compact
from oretrust.formats.vc_jwt import sign_presentation
from oretrust.identities import signer_for
from oretrust.issuer import issue_sd_jwt_credential
from oretrust.verifier import verifier_for

PROBLEM = "application/problem+json"
NONCE, AUDIENCE = "n-hostile", "did:web:refinery.example"
#: A signature part that decodes (64 bytes, the size of an Ed25519 signature) and verifies nothing.
SIGNATURE = b64url_encode(bytes(64))
DEEP_OBJECT = '{"a":' * 10_000 + "1" + "}" * 10_000
DEEP_ARRAY = "[" * 10_000 + "]" * 10_000


@dataclass
class Genuine:
    """Real tokens of the cast, whose parts the hostile ones reuse."""

    credential: str
    presentation: str
    sd_jwt: str


@pytest.fixture(scope="module")
def cast(tmp_path_factory: pytest.TempPathFactory) -> Cast:
    return make_cast(tmp_path_factory.mktemp("hostile") / "home")


@pytest.fixture(scope="module")
def api(cast: Cast) -> Iterator[ApiClient]:
    """The app with app exceptions turned into responses, so a crash shows as a 500."""
    client = ApiClient(create_app(cast.settings()), raise_app_exceptions=False)
    yield client
    client.close()


@pytest.fixture(scope="module")
def genuine(api: ApiClient, cast: Cast) -> Genuine:
    issued = api.post(
        "/credentials/issue",
        json={"credential": origin_certificate(cast.holder_did)},
        headers=cast.auth("ministry"),
    )
    assert issued.status_code == 201, issued.text
    credential = issued.json()["verifiableCredential"]["id"].split(",", 1)[1]
    now = datetime.now(UTC)
    presentation = sign_presentation(
        [credential],
        signer_for(cast.home, cast.holder_did),
        holder=cast.holder_did,
        nonce=NONCE,
        audience=AUDIENCE,
        now=now,
    )
    sd_jwt = issue_sd_jwt_credential(
        cast.home,
        issuer="ministry",
        type_name="MineralOriginCertificate",
        subject=origin_certificate(cast.holder_did)["credentialSubject"],
        holder=cast.holder_did,
        now=now,
    ).token
    return Genuine(credential, presentation, sd_jwt)


# ---------------------------------------------------------------------------- helpers
def _segment(part: dict[str, Any] | str) -> str:
    """base64url of a JSON text given as is (a str) or serialised from a dict."""
    text = part if isinstance(part, str) else json.dumps(part)
    return b64url_encode(text.encode())


def _forge(header: dict[str, Any] | str, payload: dict[str, Any] | str) -> str:
    """A compact JWS of exactly these header and payload texts, with a meaningless signature."""
    return f"{_segment(header)}.{_segment(payload)}.{SIGNATURE}"


def _header(token: str) -> dict[str, Any]:
    return parse_compact(token).unverified_header


def _payload_text(token: str) -> str:
    return b64url_decode(token.split(".")[1]).decode()


def _with_header(token: str, **members: Any) -> str:
    """``token``'s payload under its own header with ``members`` changed."""
    return _forge({**_header(token), **members}, _payload_text(token))


def _deep_did_jwk() -> str:
    """A did:jwk within the DID length limit whose 'JWK' nests 1,500 arrays deep (past
    Python's recursion limit)."""
    return "did:jwk:" + _segment("[" * 1_500 + "]" * 1_500)


def _verify_credential(api: ApiClient, token: str) -> dict[str, Any]:
    response = api.post("/credentials/verify", json={"verifiableCredential": token})
    return _report(response)


def _verify_presentation(
    api: ApiClient, token: str, options: dict[str, str] | None = None
) -> dict[str, Any]:
    body = {"verifiablePresentation": token, "options": options or {}}
    return _report(api.post("/presentations/verify", json=body))


def _report(response: Any) -> dict[str, Any]:
    """An invalid credential's answer: HTTP 400 with the report itself (not a problem)."""
    assert response.status_code == 400, response.text[:500]
    assert response.headers["content-type"] == "application/json"
    report: dict[str, Any] = response.json()
    assert report["verified"] is False and report["verdict"] == "INVALID"
    return report


def _errors(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(error["id"], error["code"]) for error in report["errors"]]


# ------------------------------------------------------ 1. header members of the wrong type
WRONG_ALGS = [["EdDSA"], 1, {"EdDSA": True}, None]


@pytest.mark.parametrize("alg", WRONG_ALGS, ids=["array", "number", "object", "null"])
def test_credential_with_a_non_string_alg_is_malformed(
    api: ApiClient, genuine: Genuine, alg: Any
) -> None:
    report = _verify_credential(api, _with_header(genuine.credential, alg=alg))
    assert _errors(report) == [("format", "MALFORMED_TOKEN")]


@pytest.mark.parametrize("alg", WRONG_ALGS, ids=["array", "number", "object", "null"])
def test_presentation_with_a_non_string_alg_is_malformed(
    api: ApiClient, genuine: Genuine, alg: Any
) -> None:
    token = _with_header(genuine.presentation, alg=alg)
    report = _verify_presentation(api, token, {"challenge": NONCE, "domain": AUDIENCE})
    assert _errors(report) == [("format", "MALFORMED_TOKEN")]


WRONG_MEMBERS = [
    ("kid", ["did:web:mines.gouv.cd.example#key-1"]),
    ("kid", {"id": "key-1"}),
    ("kid", 7),
    ("typ", ["vc+jwt"]),
    ("cty", {"vc": True}),
    ("jku", ["https://attacker.example/jwks.json"]),
    ("x5u", {"url": "https://attacker.example/cert.pem"}),
    ("jwk", "eyJrdHkiOiJPS1AifQ"),
    ("x5c", "MIIBszCCAVmgAwIBAgIU"),
    ("x5t", 1),
    ("x5t#S256", [1]),
    ("b64", "false"),
    ("crit", []),
]
MEMBER_IDS = [f"{name}-{type(value).__name__}" for name, value in WRONG_MEMBERS]


@pytest.mark.parametrize(("member", "value"), WRONG_MEMBERS, ids=MEMBER_IDS)
def test_a_header_member_of_the_wrong_type_is_malformed(
    genuine: Genuine, member: str, value: Any
) -> None:
    with pytest.raises(MalformedTokenError) as caught:
        parse_compact(_with_header(genuine.credential, **{member: value}))
    assert caught.value.code == "MALFORMED_TOKEN"
    assert repr(member) in caught.value.detail


@pytest.mark.parametrize(
    ("member", "value"),
    [("kid", ["did:web:mines.gouv.cd.example#key-1"]), ("typ", ["vc+jwt"]), ("crit", [])],
    ids=["kid-list", "typ-list", "crit-empty"],
)
def test_the_service_reports_a_header_member_of_the_wrong_type(
    api: ApiClient, genuine: Genuine, member: str, value: Any
) -> None:
    report = _verify_credential(api, _with_header(genuine.credential, **{member: value}))
    assert _errors(report) == [("format", "MALFORMED_TOKEN")]


def test_sd_jwt_with_a_non_string_alg_is_malformed(api: ApiClient, genuine: Genuine) -> None:
    jwt, _, disclosures = genuine.sd_jwt.partition("~")
    token = _with_header(jwt, alg=["EdDSA"]) + "~" + disclosures
    report = _verify_credential(api, token)
    assert _errors(report) == [("format", "SD_JWT_MALFORMED")]


def test_key_binding_jwt_with_a_non_string_alg_is_malformed(
    api: ApiClient, genuine: Genuine
) -> None:
    kb_jwt = _forge(
        {"typ": "kb+jwt", "alg": ["EdDSA"]},
        {"iat": int(datetime.now(UTC).timestamp()), "aud": AUDIENCE, "nonce": NONCE},
    )
    options = {"challenge": NONCE, "domain": AUDIENCE}
    report = _verify_presentation(api, genuine.sd_jwt + kb_jwt, options)
    assert _errors(report) == [("format", "KB_JWT_MALFORMED")]


# ------------------------------------------------------------------ 2. deeply nested JSON
@pytest.mark.parametrize("deep", [DEEP_OBJECT, DEEP_ARRAY], ids=["objects", "arrays"])
def test_credential_payload_nested_10000_deep_is_too_deep(
    api: ApiClient, genuine: Genuine, deep: str
) -> None:
    report = _verify_credential(api, _forge(_header(genuine.credential), deep))
    assert _errors(report) == [("format", "TOKEN_TOO_DEEP")]


def test_credential_header_nested_10000_deep_is_too_deep(api: ApiClient, genuine: Genuine) -> None:
    header = json.dumps(_header(genuine.credential))[:-1] + ', "x": ' + DEEP_OBJECT + "}"
    report = _verify_credential(api, _forge(header, _payload_text(genuine.credential)))
    assert _errors(report) == [("format", "TOKEN_TOO_DEEP")]


def test_presentation_payload_nested_10000_deep_is_too_deep(
    api: ApiClient, genuine: Genuine
) -> None:
    token = _forge(_header(genuine.presentation), DEEP_ARRAY)
    report = _verify_presentation(api, token, {"challenge": NONCE, "domain": AUDIENCE})
    assert _errors(report) == [("format", "TOKEN_TOO_DEEP")]


def test_sd_jwt_header_nested_10000_deep_is_too_deep(api: ApiClient, genuine: Genuine) -> None:
    jwt, _, disclosures = genuine.sd_jwt.partition("~")
    token = _forge('{"typ": "dc+sd-jwt", "x": ' + DEEP_ARRAY + "}", _payload_text(jwt))
    report = _verify_credential(api, token + "~" + disclosures)
    assert _errors(report) == [("format", "SD_JWT_TOO_DEEP")]


def test_key_binding_jwt_header_nested_10000_deep_is_too_deep(
    api: ApiClient, genuine: Genuine
) -> None:
    kb_jwt = _forge('{"typ": "kb+jwt", "x": ' + DEEP_OBJECT + "}", {"nonce": NONCE})
    options = {"challenge": NONCE, "domain": AUDIENCE}
    report = _verify_presentation(api, genuine.sd_jwt + kb_jwt, options)
    assert _errors(report) == [("format", "SD_JWT_TOO_DEEP")]


def test_key_binding_jwt_payload_nested_10000_deep_without_a_challenge(
    cast: Cast, genuine: Genuine
) -> None:
    """With the replay check waived the verifier reads the KB-JWT's own nonce and audience
    from its unverified payload: that read is bounded too, and the forged signature fails."""
    kb_jwt = _forge({"typ": "kb+jwt", "alg": "EdDSA"}, DEEP_OBJECT)
    verifier = verifier_for(cast.home, allow_network=False)
    report = verifier.check_presentation(
        genuine.sd_jwt + kb_jwt,
        nonce=None,
        audience=None,
        now=datetime.now(UTC),
        replay_check=False,
    )
    assert not report.verified
    assert _errors(report.to_dict()) == [("key_binding", "KB_JWT_SIGNATURE_INVALID")]


def test_issuer_did_jwk_nested_past_the_recursion_limit_does_not_resolve(
    api: ApiClient, genuine: Genuine
) -> None:
    payload = json.loads(_payload_text(genuine.credential))
    payload["issuer"] = payload["iss"] = _deep_did_jwk()
    token = _forge({**_header(genuine.credential), "kid": "#0"}, payload)
    report = _verify_credential(api, token)
    assert _errors(report) == [("issuer_resolved", "INVALID_DID")]


def test_json_is_bounded_at_exactly_the_shared_depth(genuine: Genuine) -> None:
    """MAX_JSON_DEPTH levels parse; one more is TOKEN_TOO_DEEP (header and payload alike)."""
    header = _header(genuine.credential)
    fits = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    nested = json.dumps(header)[:-1] + ', "x": ' + "[" * (MAX_JSON_DEPTH - 1)
    parse_compact(_forge(nested + "]" * (MAX_JSON_DEPTH - 1) + "}", fits))
    with pytest.raises(MalformedTokenError) as caught:
        parse_compact(_forge(nested + "[]" + "]" * (MAX_JSON_DEPTH - 1) + "}", fits))
    assert caught.value.code == "TOKEN_TOO_DEEP"
    token = _forge(header, "[" + fits + "]")
    with pytest.raises(MalformedTokenError) as caught:
        parse_compact(token).unverified_payload()
    assert caught.value.code == "TOKEN_TOO_DEEP"


@pytest.mark.parametrize("path", ["/credentials/verify", "/presentations/verify"])
def test_request_body_nested_10000_deep_is_a_400_problem(api: ApiClient, path: str) -> None:
    member = "verifiableCredential" if "credentials" in path else "verifiablePresentation"
    body = '{"' + member + '": ' + DEEP_ARRAY + "}"
    response = api.post(path, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text[:500]
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["code"] == "REQUEST_TOO_DEEP" and problem["status"] == 400


# ------------------------------------------------------------------ the CLI: exit 1, a report
def test_cli_reports_hostile_tokens_with_exit_1(cast: Cast, genuine: Genuine) -> None:
    cases = {
        "alg-array.jwt": (_with_header(genuine.credential, alg=["EdDSA"]), "MALFORMED_TOKEN"),
        "deep.jwt": (_forge(_header(genuine.credential), DEEP_OBJECT), "TOKEN_TOO_DEEP"),
    }
    for name, (token, code) in cases.items():
        path = cast.folder / name
        path.write_text(token)
        result = run_oretrust("verify", str(path), "--home", str(cast.folder), "--json")
        assert result.returncode == 1, (name, result.stderr[-2000:])
        assert "Traceback" not in result.stderr
        assert _errors(json.loads(result.stdout)) == [("format", code)], name


# -------------------------------------------- 3. enveloped entries need the v2 @context first
@pytest.mark.parametrize(
    "context", [[], ["https://www.w3.org/ns/credentials/examples/v2"]], ids=["empty", "examples"]
)
def test_enveloped_presentation_without_the_v2_context_is_refused(
    api: ApiClient, genuine: Genuine, context: list[str]
) -> None:
    envelope = {
        "@context": context,
        "type": "EnvelopedVerifiablePresentation",
        "id": f"data:application/vp+jwt,{genuine.presentation}",
    }
    body = {"verifiablePresentation": envelope, "options": {"challenge": NONCE, "domain": AUDIENCE}}
    response = api.post("/presentations/verify", json=body)
    assert response.status_code == 422, response.text[:500]
    assert response.json()["rule"] == "context-first"


# ------------------------------------------ files and fetched documents are bounded alike
def test_a_deep_presentation_file_is_an_input_error(cast: Cast) -> None:
    from oretrust.errors import InputError
    from oretrust.verifier import verify_token

    deep = '{"presentation": "x", "a": ' + "[" * 10_000 + "]" * 10_000 + "}"
    with pytest.raises(InputError) as caught:
        verify_token(cast.home, deep, nonce="n", audience="a", now=datetime.now(UTC))
    assert caught.value.code == "MALFORMED_INPUT"


def test_a_deep_did_document_does_not_resolve() -> None:
    from oretrust.did._resolver import _parse_document
    from oretrust.errors import ResolutionError

    with pytest.raises(ResolutionError) as caught:
        _parse_document("https://x.example/.well-known/did.json", b"[" * 10_000 + b"]" * 10_000)
    assert caught.value.code == "DID_RESOLUTION_ERROR"
