"""DID methods, resolvers, the did:web fetcher's SSRF defences, and key selection.

Standards vectors: ``tests/vectors/did/vectors.json`` (did:jwk spec examples, CCG did:key
examples, cross-checked with didkit). Parameter ids are read at collection time; the data each
test checks comes through the ``vectors_dir`` fixture.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import base58
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from conftest import VECTORS
from oretrust.did import (
    RELATIONSHIPS,
    SIGNING_RELATIONSHIPS,
    DefaultDidResolver,
    DidResolver,
    DidWebFetcher,
    HttpsFetcher,
    StaticDidResolver,
    build_did_web_document,
    create_did_jwk,
    did_web_url,
    is_public_address,
    resolve_did_jwk,
    resolve_did_key,
    signing_jwk,
)
from oretrust.encoding import b64url_encode
from oretrust.errors import InputError, InvalidCredentialError, ResolutionError, UnsafeUrlError
from oretrust.jwk import public_jwk

DID = "did:web:mines.gov.example"
PUBLIC_IP = "93.184.216.34"


# --- vectors ----------------------------------------------------------------------------------


def _collected() -> dict[str, Any]:
    path = VECTORS / "did" / "vectors.json"
    data: dict[str, Any] = json.loads(path.read_text()) if path.is_file() else {}
    return data


def _jwk_case_id(case: dict[str, Any]) -> str:
    jwk = case["publicKeyJwk"]
    return f"{jwk['crv']}-use-{jwk.get('use', 'none')}"


def _key_case_id(did: str, jwk: dict[str, Any]) -> str:
    return f"{jwk['crv']}-{did[8:18]}"


_COLLECTED = _collected()
JWK_IDS = [_jwk_case_id(case) for case in _COLLECTED.get("did_jwk", [])]
KEY_IDS = [_key_case_id(did, jwk) for did, jwk in _COLLECTED.get("did_key_to_jwk", {}).items()]
SUPPORTED_KEY_IDS = [case for case in KEY_IDS if not case.startswith("secp256k1")]
SECP256K1_IDS = [case for case in KEY_IDS if case.startswith("secp256k1")]


@pytest.fixture(scope="module")
def did_vectors(vectors_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((vectors_dir / "did" / "vectors.json").read_text())
    return data


def _jwk_case(vectors: dict[str, Any], case_id: str) -> dict[str, Any]:
    cases: list[dict[str, Any]] = [c for c in vectors["did_jwk"] if _jwk_case_id(c) == case_id]
    (case,) = cases
    return case


def _key_case(vectors: dict[str, Any], case_id: str) -> tuple[str, dict[str, Any]]:
    items = vectors["did_key_to_jwk"].items()
    ((did, jwk),) = [(d, j) for d, j in items if _key_case_id(d, j) == case_id]
    return did, jwk


def test_vectors_cover_every_supported_curve(did_vectors: dict[str, Any]) -> None:
    curves = {jwk["crv"] for jwk in did_vectors["did_key_to_jwk"].values()}
    assert {"Ed25519", "P-256", "P-384", "secp256k1"} <= curves
    assert len(KEY_IDS) == len(did_vectors["did_key_to_jwk"]) and len(JWK_IDS) == 2


# --- did:jwk ----------------------------------------------------------------------------------


@pytest.mark.parametrize("case_id", JWK_IDS)
def test_did_jwk_vector_resolves(did_vectors: dict[str, Any], case_id: str) -> None:
    case = _jwk_case(did_vectors, case_id)
    did = case["did"]
    document = resolve_did_jwk(did)
    assert document["id"] == did
    (method,) = document["verificationMethod"]
    assert method == {
        "id": f"{did}#0",
        "type": "JsonWebKey",
        "controller": did,
        "publicKeyJwk": case["publicKeyJwk"],
    }
    present = {name for name in RELATIONSHIPS if name in document}
    assert present == set(case["relationships"])
    for name in present:
        assert document[name] == [f"{did}#0"]


@pytest.mark.parametrize("case_id", JWK_IDS)
def test_did_jwk_round_trips(did_vectors: dict[str, Any], case_id: str) -> None:
    jwk = _jwk_case(did_vectors, case_id)["publicKeyJwk"]
    did = create_did_jwk(jwk)
    assert resolve_did_jwk(did)["verificationMethod"][0]["publicKeyJwk"] == jwk


def test_create_did_jwk_matches_spec_example(did_vectors: dict[str, Any]) -> None:
    case = _jwk_case(did_vectors, "P-256-use-none")
    assert create_did_jwk(case["publicKeyJwk"]) == case["did"]


@pytest.mark.parametrize("relationship", SIGNING_RELATIONSHIPS)
def test_did_jwk_enc_key_never_signs(did_vectors: dict[str, Any], relationship: str) -> None:
    did = _jwk_case(did_vectors, "X25519-use-enc")["did"]
    document = resolve_did_jwk(did)
    with pytest.raises(InvalidCredentialError) as err:
        signing_jwk(document, f"{did}#0", relationship)
    assert err.value.code == "KEY_NOT_AUTHORIZED"


def test_did_jwk_signing_key_selected(did_vectors: dict[str, Any]) -> None:
    case = _jwk_case(did_vectors, "P-256-use-none")
    assert signing_jwk(resolve_did_jwk(case["did"]), "#0") == case["publicKeyJwk"]


def test_did_jwk_use_sig_has_no_key_agreement() -> None:
    jwk = {**public_jwk(ed25519.Ed25519PrivateKey.generate().public_key()), "use": "sig"}
    document = resolve_did_jwk(create_did_jwk(jwk))
    assert "keyAgreement" not in document
    assert all(name in document for name in SIGNING_RELATIONSHIPS)


def test_did_jwk_private_key_refused() -> None:
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "AAAA", "d": "AAAA"}
    with pytest.raises(InputError) as err:
        create_did_jwk(jwk)
    assert err.value.code == "PRIVATE_KEY_EXPOSED"
    smuggled = "did:jwk:" + b64url_encode(json.dumps(jwk).encode())
    with pytest.raises(ResolutionError) as res:
        resolve_did_jwk(smuggled)
    assert res.value.code == "PRIVATE_KEY_EXPOSED"


@pytest.mark.parametrize(
    "did",
    [
        "did:jwk:not+base64url",
        "did:jwk:" + b64url_encode(b"[1, 2]"),
        "did:jwk:" + b64url_encode(b'{"crv": "P-256"}'),
        "did:jwk:" + b64url_encode(b'{"kty": "EC", "use": "other"}'),
        "did:jwk:",
    ],
    ids=["bad-alphabet", "not-object", "no-kty", "unknown-use", "empty"],
)
def test_did_jwk_malformed_refused(did: str) -> None:
    with pytest.raises(ResolutionError) as err:
        resolve_did_jwk(did)
    assert err.value.code == "INVALID_DID"


# --- did:key ----------------------------------------------------------------------------------


@pytest.mark.parametrize("case_id", SUPPORTED_KEY_IDS)
def test_did_key_vector_resolves_to_jwk(did_vectors: dict[str, Any], case_id: str) -> None:
    did, expected = _key_case(did_vectors, case_id)
    document = resolve_did_key(did)
    method = document["verificationMethod"][0]
    assert method["id"] == f"{did}#{did.removeprefix('did:key:')}"
    assert method["type"] == "JsonWebKey" and method["controller"] == did
    assert method["publicKeyJwk"] == expected
    for name in SIGNING_RELATIONSHIPS:
        assert document[name] == [method["id"]]
    assert signing_jwk(document, method["id"]) == expected


@pytest.mark.parametrize("case_id", SECP256K1_IDS)
def test_did_key_secp256k1_refused(did_vectors: dict[str, Any], case_id: str) -> None:
    did, _ = _key_case(did_vectors, case_id)
    with pytest.raises(ResolutionError, match="secp256k1") as err:
        DefaultDidResolver().resolve(did)
    assert err.value.code == "DID_KEY_UNSUPPORTED"


def test_did_key_ed25519_derives_x25519_key_agreement(did_vectors: dict[str, Any]) -> None:
    ((did, x_multibase),) = did_vectors["did_key_x25519_from_ed25519"].items()
    document = resolve_did_key(did)
    assert document["keyAgreement"] == [f"{did}#{x_multibase}"]
    with pytest.raises(InvalidCredentialError) as err:
        signing_jwk(document, f"#{x_multibase}")
    assert err.value.code == "KEY_NOT_AUTHORIZED"


def _did_key(prefix: bytes, key: bytes) -> str:
    return "did:key:z" + base58.b58encode(prefix + key).decode()


@pytest.mark.parametrize(
    ("did", "code"),
    [
        ("did:key:f0123", "INVALID_DID"),
        ("did:key:z6Mk0OIl", "INVALID_DID"),
        (_did_key(b"\xed\x01", b"\x01" * 31), "INVALID_DID"),
        (_did_key(b"\x80\x24", b"\x02" + b"\xff" * 32), "INVALID_DID"),
        (_did_key(b"\x80\x24", b"\x04" + b"\x01" * 64), "INVALID_DID"),
        (_did_key(b"\x85\x24", b"\x01" * 256), "DID_KEY_UNSUPPORTED"),
        (_did_key(b"\xff\xff\xff", b"\x01" * 32), "INVALID_DID"),
    ],
    ids=[
        "not-base58btc",
        "bad-base58",
        "short-ed25519",
        "p256-off-curve",
        "p256-uncompressed",
        "rsa-codec",
        "bad-varint",
    ],
)
def test_did_key_malformed_refused(did: str, code: str) -> None:
    with pytest.raises(ResolutionError) as err:
        resolve_did_key(did)
    assert err.value.code == code


# --- did:web URL and document -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("did", "url"),
    [
        (DID, "https://mines.gov.example/.well-known/did.json"),
        ("did:web:host:path:to", "https://host/path/to/did.json"),
        ("did:web:host%3A8443", "https://host:8443/.well-known/did.json"),
        ("did:web:host%3a8443:users:alice", "https://host:8443/users/alice/did.json"),
        ("did:web:Mines.Gov.Example", "https://mines.gov.example/.well-known/did.json"),
        ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
    ],
    ids=["well-known", "path", "port", "port-and-path", "case-folded", "spec-example"],
)
def test_did_web_url(did: str, url: str) -> None:
    assert did_web_url(did) == url


@pytest.mark.parametrize(
    "did",
    [
        "did:web:",
        "did:web:user@host",
        "did:web:host%2Fevil",
        "did:web:host:..:admin",
        "did:web:host:%2E%2E:admin",
        "did:web:host:a%2Fb",
        "did:web:host::x",
        "did:web:[::1]",
        "did:web:host%3A99999",
        "did:web:host#key-1",
        "did:web:host?x=1",
        "did:web:-host",
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
    ],
)
def test_did_web_url_refuses_steering(did: str) -> None:
    with pytest.raises(ResolutionError) as err:
        did_web_url(did)
    assert err.value.code == "INVALID_DID"


def _p256() -> dict[str, str]:
    return public_jwk(ec.generate_private_key(ec.SECP256R1()).public_key())


def _ed25519() -> dict[str, str]:
    return public_jwk(ed25519.Ed25519PrivateKey.generate().public_key())


def test_build_did_web_document_shape() -> None:
    old, new = _ed25519(), _p256()
    document = build_did_web_document(DID, [("key-1", old), (f"{DID}#key-2", new)])
    assert document["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/jwk/v1",
    ]
    assert document["id"] == DID
    assert document["verificationMethod"] == [
        {"id": f"{DID}#key-1", "type": "JsonWebKey", "controller": DID, "publicKeyJwk": old},
        {"id": f"{DID}#key-2", "type": "JsonWebKey", "controller": DID, "publicKeyJwk": new},
    ]
    assert document["assertionMethod"] == [f"{DID}#key-1", f"{DID}#key-2"]
    assert document["authentication"] == document["assertionMethod"]


def test_rotated_key_still_verifies_old_credentials() -> None:
    old, new = _ed25519(), _ed25519()
    document = build_did_web_document(DID, [("key-1", old), ("key-2", new)])
    resolved = StaticDidResolver({DID: document}).resolve(DID)
    assert signing_jwk(resolved, f"{DID}#key-1") == old
    assert signing_jwk(resolved, "#key-2") == new


def test_key_removed_from_assertion_method_cannot_sign() -> None:
    compromised, current = _ed25519(), _p256()
    document = build_did_web_document(
        DID, [("key-1", compromised), ("key-2", current)], assertion_kids=["#key-2"]
    )
    assert [m["id"] for m in document["verificationMethod"]] == [f"{DID}#key-1", f"{DID}#key-2"]
    assert document["assertionMethod"] == [f"{DID}#key-2"]
    with pytest.raises(InvalidCredentialError) as err:
        signing_jwk(document, "#key-1")
    assert err.value.code == "KEY_NOT_AUTHORIZED"
    assert signing_jwk(document, "#key-2") == current


def test_authentication_kids_chosen_separately() -> None:
    keys = [("key-1", _ed25519()), ("key-2", _ed25519())]
    document = build_did_web_document(DID, keys, authentication_kids=["key-1"])
    assert document["authentication"] == [f"{DID}#key-1"]
    assert len(document["assertionMethod"]) == 2


@pytest.mark.parametrize(
    ("did", "keys", "assertion", "code"),
    [
        ("did:web:host:..", [("k", "ed")], None, "INVALID_DID"),
        (DID, [("k", "ed"), ("#k", "ed")], None, "DUPLICATE_KID"),
        (DID, [("did:web:other.example#k", "ed")], None, "KID_NOT_IN_ISSUER_DID"),
        (DID, [("k", "ed")], ["missing"], "KID_NOT_FOUND"),
        (DID, [("k", "private")], None, "PRIVATE_KEY_EXPOSED"),
        (DID, [("k", "enc")], None, "KEY_NOT_FOR_SIGNING"),
        (DID, [("k", "hmac")], None, "PRIVATE_KEY_EXPOSED"),
        (DID, [("k", "rsa")], None, "UNSUPPORTED_KEY"),
        (DID, [("bad kid", "ed")], None, "KID_INVALID"),
    ],
    ids=[
        "bad-did",
        "duplicate",
        "foreign-kid",
        "unknown-assertion-kid",
        "private",
        "enc",
        "hmac",
        "rsa",
        "bad-kid",
    ],
)
def test_build_did_web_document_refuses(
    did: str, keys: list[tuple[str, str]], assertion: list[str] | None, code: str
) -> None:
    material = {
        "ed": _ed25519(),
        "private": {**_ed25519(), "d": "AAAA"},
        "enc": {**_p256(), "use": "enc"},
        "hmac": {"kty": "oct", "k": "c2VjcmV0"},
        "rsa": {
            "kty": "RSA",
            "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp",
            "e": "AQAB",
        },
    }
    with pytest.raises(InputError) as err:
        build_did_web_document(
            did, [(kid, material[name]) for kid, name in keys], assertion_kids=assertion
        )
    assert err.value.code == code


# --- signing_jwk ------------------------------------------------------------------------------


def _doc(jwk: dict[str, Any], **extra: Any) -> dict[str, Any]:
    method = {"id": f"{DID}#key-1", "type": "JsonWebKey", "controller": DID, "publicKeyJwk": jwk}
    return {"id": DID, "verificationMethod": [method], "assertionMethod": ["#key-1"], **extra}


def _non_jwk_method() -> dict[str, Any]:
    document = _doc(_ed25519())
    document["verificationMethod"][0] = {
        "id": "#key-1",
        "type": "Multikey",
        "publicKeyMultibase": "z6Mk",
    }
    return document


@pytest.mark.parametrize(
    ("document", "kid", "code"),
    [
        (lambda: _doc(_ed25519()), "did:web:attacker.example#key-1", "KID_NOT_IN_ISSUER_DID"),
        (lambda: _doc(_ed25519()), DID, "KID_INVALID"),
        (lambda: _doc(_ed25519(), assertionMethod=[]), "#key-1", "KEY_NOT_AUTHORIZED"),
        (lambda: _doc({**_p256(), "use": "enc"}), "#key-1", "KEY_NOT_FOR_SIGNING"),
        (lambda: _doc({"kty": "oct", "k": "c2VjcmV0"}), "#key-1", "KEY_NOT_FOR_SIGNING"),
        (lambda: _doc({**_ed25519(), "d": "AAAA"}), "#key-1", "KEY_INVALID"),
        (lambda: _doc(_ed25519(), assertionMethod=["#key-9"]), "#key-9", "KID_NOT_FOUND"),
        (_non_jwk_method, "#key-1", "KEY_UNSUPPORTED"),
    ],
    ids=[
        "kid-from-another-did",
        "kid-without-fragment",
        "key-only-in-verification-method",
        "enc-key-in-assertion-method",
        "hmac-key-confusion",
        "private-key-in-document",
        "referenced-but-undefined",
        "non-jwk-method",
    ],
)
def test_signing_jwk_refuses(document: Callable[[], dict[str, Any]], kid: str, code: str) -> None:
    with pytest.raises(InvalidCredentialError) as err:
        signing_jwk(document(), kid)
    assert err.value.code == code


def test_embedded_method_and_relative_ids_accepted() -> None:
    jwk = _p256()
    method = {"id": "#key-1", "type": "JsonWebKey", "controller": DID, "publicKeyJwk": jwk}
    document = {"id": DID, "authentication": [method]}
    returned = signing_jwk(document, f"{DID}#key-1", "authentication")
    assert returned == jwk
    returned["x"] = "tampered"
    assert method["publicKeyJwk"] == jwk


def test_key_agreement_is_not_a_signing_relationship() -> None:
    with pytest.raises(InputError, match="keyAgreement") as err:
        signing_jwk(_doc(_ed25519()), "#key-1", "keyAgreement")
    assert err.value.code == "INVALID_INPUT"


# --- HttpsFetcher -----------------------------------------------------------------------------


class Recorder:
    """A MockTransport handler that records requests and answers with a fixed response."""

    def __init__(self, respond: Callable[[httpx.Request], httpx.Response]) -> None:
        self.requests: list[httpx.Request] = []
        self._respond = respond

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._respond(request)


def _ok(body: bytes = b"{}") -> Recorder:
    return Recorder(lambda _: httpx.Response(200, content=body))


def _fetcher(handler: Recorder, addresses: list[str] | None = None, **kwargs: Any) -> HttpsFetcher:
    answers = addresses or [PUBLIC_IP]
    return HttpsFetcher(
        transport=httpx.MockTransport(handler), resolve_host=lambda host, port: answers, **kwargs
    )


def test_fetch_pins_the_checked_address() -> None:
    handler, lookups = _ok(b'{"ok": true}'), []

    def resolve(host: str, port: int) -> list[str]:
        lookups.append((host, port))
        return [PUBLIC_IP]

    fetcher = HttpsFetcher(transport=httpx.MockTransport(handler), resolve_host=resolve)
    assert fetcher.fetch("https://mines.gov.example/.well-known/did.json") == b'{"ok": true}'
    (request,) = handler.requests
    assert lookups == [("mines.gov.example", 443)]
    assert request.url.host == PUBLIC_IP and request.url.path == "/.well-known/did.json"
    assert request.headers["host"] == "mines.gov.example"
    assert request.extensions["sni_hostname"] == "mines.gov.example"
    assert request.headers["accept-encoding"] == "identity"


def test_fetch_with_allow_private_and_injected_client() -> None:
    handler = _ok(b"[]")
    client = httpx.Client(transport=httpx.MockTransport(handler))
    with HttpsFetcher(client=client, allow_private=True) as fetcher:
        assert fetcher.fetch("https://localhost:8443/did.json") == b"[]"
    assert str(handler.requests[0].url) == "https://localhost:8443/did.json"
    assert not client.is_closed


def test_ssrf_plain_http_refused() -> None:
    handler = _ok()
    with pytest.raises(UnsafeUrlError):
        _fetcher(handler, allow_private=True).fetch("http://mines.gov.example/did.json")
    assert handler.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/.well-known/did.json",
        "https://[::1]/did.json",
        "https://localhost/did.json",
        "https://api.localhost/did.json",
        "https://10.1.2.3/did.json",
        "https://169.254.169.254/latest/meta-data",
        "https://[::ffff:127.0.0.1]/did.json",
        "https://user:pw@mines.gov.example/did.json",
        "ftp://mines.gov.example/did.json",
    ],
)
def test_ssrf_loopback_refused(url: str) -> None:
    handler = _ok()
    with pytest.raises(UnsafeUrlError):
        _fetcher(handler).fetch(url)
    assert handler.requests == []


NON_PUBLIC = [
    "127.0.0.1",
    "10.0.0.5",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1%eth0",
    "fc00::1",
    "ff02::1",
    "::ffff:10.0.0.1",
    "64:ff9b::a9fe:a9fe",
    "2002:7f00:1::",
    "not-an-ip",
]


@pytest.mark.parametrize("address", NON_PUBLIC)
def test_ssrf_private_dns_answer_refused(address: str) -> None:
    handler = _ok()
    with pytest.raises(UnsafeUrlError):
        _fetcher(handler, [PUBLIC_IP, address]).fetch("https://rebind.example/did.json")
    assert handler.requests == []


@pytest.mark.parametrize("address", [PUBLIC_IP, "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_allowed(address: str) -> None:
    assert is_public_address(address)


def test_dns_failure_is_a_resolution_error() -> None:
    def fail(host: str, port: int) -> list[str]:
        raise socket.gaierror("no such host")

    fetcher = HttpsFetcher(transport=httpx.MockTransport(_ok()), resolve_host=fail)
    with pytest.raises(ResolutionError) as err:
        fetcher.fetch("https://nowhere.example/did.json")
    assert err.value.code == "DID_RESOLUTION_ERROR" and not isinstance(err.value, UnsafeUrlError)


def test_redirect_not_followed() -> None:
    handler = Recorder(
        lambda _: httpx.Response(302, headers={"Location": "https://169.254.169.254/"})
    )
    with pytest.raises(ResolutionError, match="redirect") as err:
        _fetcher(handler).fetch("https://mines.gov.example/did.json")
    assert err.value.code == "DID_RESOLUTION_ERROR" and len(handler.requests) == 1


def test_http_error_status_refused() -> None:
    with pytest.raises(ResolutionError, match="404"):
        _fetcher(Recorder(lambda _: httpx.Response(404))).fetch("https://a.example/did.json")


def test_network_error_wrapped() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(ResolutionError) as err:
        _fetcher(Recorder(refuse)).fetch("https://a.example/did.json")
    assert err.value.code == "DID_RESOLUTION_ERROR"


def test_oversized_body_refused() -> None:
    handler = _ok(b" " * (256 * 1024 + 1))
    with pytest.raises(ResolutionError, match="exceeds") as err:
        _fetcher(handler).fetch("https://a.example/did.json")
    assert err.value.code == "DID_RESOLUTION_ERROR"


def test_oversized_body_stopped_while_streaming() -> None:
    sent: list[int] = []

    def endless() -> Iterator[bytes]:
        while len(sent) < 10_000:
            sent.append(1)
            yield b"x" * 1024

    handler = Recorder(lambda _: httpx.Response(200, content=endless()))
    with pytest.raises(ResolutionError, match="exceeds"):
        _fetcher(handler, max_bytes=8 * 1024).fetch("https://a.example/did.json")
    assert len(sent) == 9


def test_decompression_bomb_refused() -> None:
    handler = Recorder(
        lambda _: httpx.Response(200, content=b"\x1f\x8b", headers={"Content-Encoding": "gzip"})
    )
    with pytest.raises(ResolutionError, match="gzip"):
        _fetcher(handler).fetch("https://a.example/did.json")


def test_slow_drip_body_times_out() -> None:
    ticks = iter(range(1_000))

    def drip() -> Iterator[bytes]:
        yield from (b"{" for _ in range(1_000))

    handler = Recorder(lambda _: httpx.Response(200, content=drip()))
    fetcher = _fetcher(handler, timeout=5.0, clock=lambda: float(next(ticks)))
    with pytest.raises(ResolutionError, match="longer than"):
        fetcher.fetch("https://a.example/did.json")


def test_client_and_transport_are_exclusive() -> None:
    with pytest.raises(InputError):
        HttpsFetcher(client=httpx.Client(), transport=httpx.MockTransport(_ok()))


# --- resolvers --------------------------------------------------------------------------------


class NoNetwork:
    def fetch(self, url: str) -> bytes:
        raise AssertionError(f"unexpected fetch of {url}")


def _web_document() -> dict[str, Any]:
    return build_did_web_document(DID, [("key-1", _ed25519())])


def test_resolver_fetches_did_web() -> None:
    document = _web_document()
    handler = _ok(json.dumps(document).encode())
    resolver = DefaultDidResolver(_fetcher(handler))
    assert resolver.resolve(DID) == document
    assert handler.requests[0].headers["host"] == "mines.gov.example"
    assert handler.requests[0].url.path == "/.well-known/did.json"


def test_did_web_document_with_wrong_id_refused() -> None:
    forged = {**_web_document(), "id": "did:web:attacker.example"}
    resolver = DefaultDidResolver(_fetcher(_ok(json.dumps(forged).encode())))
    with pytest.raises(ResolutionError) as err:
        resolver.resolve(DID)
    assert err.value.code == "DID_DOCUMENT_ID_MISMATCH"


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"\xff\xfe", b"[]", b"[" * 200_000],
    ids=["syntax", "utf8", "array", "deep"],
)
def test_did_web_invalid_json_refused(body: bytes) -> None:
    with pytest.raises(ResolutionError) as err:
        DefaultDidResolver(_fetcher(_ok(body))).resolve(DID)
    assert err.value.code == "DID_RESOLUTION_ERROR"


def test_resolver_refuses_unsafe_did_web_host() -> None:
    resolver = DefaultDidResolver(_fetcher(_ok(), ["10.0.0.7"]))
    with pytest.raises(UnsafeUrlError):
        resolver.resolve("did:web:intranet.example")


def test_local_documents_are_never_fetched() -> None:
    document = _web_document()
    assert DefaultDidResolver(NoNetwork(), local={DID: document}).resolve(DID) == document
    lookup = {DID: document}.get
    assert DefaultDidResolver(NoNetwork(), local=lookup).resolve(DID) == document


def test_unknown_local_falls_back_to_fetcher() -> None:
    document = _web_document()
    handler = _ok(json.dumps(document).encode())
    resolver = DefaultDidResolver(_fetcher(handler), local=lambda did: None)
    assert resolver.resolve(DID) == document and len(handler.requests) == 1


def test_local_document_with_wrong_id_refused() -> None:
    resolver = DefaultDidResolver(None, local={DID: {"id": "did:web:other.example"}})
    with pytest.raises(ResolutionError) as err:
        resolver.resolve(DID)
    assert err.value.code == "DID_DOCUMENT_ID_MISMATCH"


def test_did_web_without_fetcher_not_found() -> None:
    with pytest.raises(ResolutionError) as err:
        DefaultDidResolver().resolve(DID)
    assert err.value.code == "DID_NOT_FOUND"


def test_local_methods_resolve_without_network(did_vectors: dict[str, Any]) -> None:
    resolver = DefaultDidResolver(NoNetwork())
    did_jwk = did_vectors["did_jwk"][0]["did"]
    assert resolver.resolve(did_jwk)["id"] == did_jwk
    did_key = next(iter(did_vectors["did_key_to_jwk"]))
    assert resolver.resolve(did_key)["id"] == did_key


def test_unsupported_method_refused() -> None:
    with pytest.raises(ResolutionError) as err:
        DefaultDidResolver().resolve("did:ethr:0xb9c5714089478a327f09197987f16f9e5d936e8a")
    assert err.value.code == "DID_METHOD_UNSUPPORTED"


@pytest.mark.parametrize(
    "did",
    ["", "did:", "did:web", "DID:web:host", "did:web:host#key-1", "did:web:host/path", "urn:x"],
)
def test_invalid_did_refused(did: str) -> None:
    with pytest.raises(ResolutionError) as err:
        DefaultDidResolver().resolve(did)
    assert err.value.code == "INVALID_DID"


def test_resolved_documents_are_copies() -> None:
    resolver = StaticDidResolver({DID: _web_document()})
    first = resolver.resolve(DID)
    first["assertionMethod"].append("did:web:attacker.example#evil")
    assert resolver.resolve(DID)["assertionMethod"] == [f"{DID}#key-1"]


def test_static_resolver_unknown_did() -> None:
    with pytest.raises(ResolutionError) as err:
        StaticDidResolver({}).resolve(DID)
    assert err.value.code == "DID_NOT_FOUND"


def test_implementations_satisfy_protocols() -> None:
    assert isinstance(DefaultDidResolver(), DidResolver)
    assert isinstance(StaticDidResolver({}), DidResolver)
    assert isinstance(HttpsFetcher(transport=httpx.MockTransport(_ok())), DidWebFetcher)


class _CountingFetcher:
    """Serves one did:web document and counts the fetches."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document, self.fetches = document, 0

    def fetch(self, url: str) -> bytes:
        self.fetches += 1
        return json.dumps(self.document).encode()


def test_a_fetched_did_document_is_reused_for_its_ttl_then_fetched_again() -> None:
    did = "did:web:mines.gouv.cd.example"
    document = {"id": did, "verificationMethod": []}
    fetcher, moment = _CountingFetcher(document), [1000.0]
    resolver = DefaultDidResolver(fetcher=fetcher, remote_ttl=300, clock=lambda: moment[0])
    first = resolver.resolve(did)
    first["verificationMethod"].append("changed by the caller")
    assert resolver.resolve(did) == document and fetcher.fetches == 1  # a fresh copy, reused
    moment[0] += 301
    assert resolver.resolve(did) == document and fetcher.fetches == 2
    fetcher.document = {"id": "did:web:someone-else.example"}
    moment[0] += 301
    with pytest.raises(ResolutionError):  # a mismatching id is refused, and not remembered
        resolver.resolve(did)
    with pytest.raises(ResolutionError):
        resolver.resolve(did)
    assert fetcher.fetches == 4
