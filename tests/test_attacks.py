"""Named security regressions (STYLE.md principle 10): each attack has its own test."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from oretrust.did import DefaultDidResolver, build_did_web_document, create_did_jwk
from oretrust.encoding import b64url_encode
from oretrust.errors import InvalidCredentialError
from oretrust.formats.jws import MAX_TOKEN_BYTES, sign_compact
from oretrust.formats.vc_jwt import envelope, sign_credential, sign_presentation
from oretrust.keys import LocalSigner, generate_private_key
from oretrust.report import VerificationReport
from oretrust.verifier import Verifier

MINISTRY = "did:web:mines.gouv.cd.example"
ROGUE = "did:web:rogue.example"


@dataclass
class World:
    ministry: LocalSigner
    rogue: LocalSigner
    holder: LocalSigner
    stranger: LocalSigner
    verifier: Verifier
    now: datetime

    def credential(self, **overrides: Any) -> dict[str, Any]:
        document: dict[str, Any] = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": "urn:uuid:3f7a1f2e-8d55-4a4c-9f65-1f1e8c2b7d01",
            "type": ["VerifiableCredential"],
            "issuer": MINISTRY,
            "validFrom": "2026-01-01T00:00:00Z",
            "validUntil": "2027-01-01T00:00:00Z",
            "credentialSubject": {"id": self.holder_did, "licenceNumber": "PE 13345"},
        }
        document.update(overrides)
        return document

    @property
    def holder_did(self) -> str:
        return self.holder.kid.split("#")[0]

    def issue(self, **overrides: Any) -> str:
        return sign_credential(self.credential(**overrides), self.ministry, now=self.now)


def _did_jwk_signer() -> LocalSigner:
    key = generate_private_key("EdDSA")
    from oretrust.jwk import public_jwk

    did = create_did_jwk(public_jwk(key.public_key()))
    return LocalSigner(key, f"{did}#0")


@pytest.fixture
def world(now: datetime) -> World:
    ministry = LocalSigner(generate_private_key("EdDSA"), f"{MINISTRY}#key-1")
    rogue = LocalSigner(generate_private_key("ES256"), f"{ROGUE}#key-1")
    docs = {
        MINISTRY: build_did_web_document(MINISTRY, [("key-1", ministry.public_jwk)]),
        ROGUE: build_did_web_document(ROGUE, [("key-1", rogue.public_jwk)]),
    }
    verifier = Verifier(DefaultDidResolver(fetcher=None, local=docs))
    return World(ministry, rogue, _did_jwk_signer(), _did_jwk_signer(), verifier, now)


def _codes(report: VerificationReport) -> set[str]:
    return {error.code for error in report.errors}


def _forge(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    encode = lambda value: b64url_encode(json.dumps(value).encode())  # noqa: E731
    return f"{encode(header)}.{encode(payload)}.{b64url_encode(signature)}"


def test_honest_credential_verifies(world: World) -> None:
    verified = world.verifier.verify_credential(world.issue(), now=world.now)
    assert verified.issuer == MINISTRY
    assert verified.report.verdict == "VALID"


def test_alg_none_rejected(world: World) -> None:
    token = _forge({"alg": "none", "typ": "vc+jwt", "kid": f"{MINISTRY}#key-1"}, world.credential())
    report = world.verifier.check_credential(token, now=world.now)
    assert not report.verified
    assert "ALGORITHM_NOT_ALLOWED" in _codes(report)


def test_hs256_signed_with_public_key_rejected(world: World) -> None:
    header = {"alg": "HS256", "typ": "vc+jwt", "kid": f"{MINISTRY}#key-1"}
    public_x = world.ministry.public_jwk["x"].encode()
    unsigned = _forge(header, world.credential()).rsplit(".", 1)[0]
    signature = hmac.new(public_x, unsigned.encode(), hashlib.sha256).digest()
    report = world.verifier.check_credential(
        f"{unsigned}.{b64url_encode(signature)}", now=world.now
    )
    assert "ALGORITHM_NOT_ALLOWED" in _codes(report)


def test_kid_from_another_did_rejected(world: World) -> None:
    token = sign_credential(world.credential(), world.rogue, now=world.now)  # issuer says ministry
    report = world.verifier.check_credential(token, now=world.now)
    assert "KID_NOT_IN_ISSUER_DID" in _codes(report)


@pytest.mark.parametrize("header", ["jku", "x5u", "jwk"])
def test_jku_x5u_jwk_headers_ignored(world: World, header: str) -> None:
    # Same algorithm as the ministry's key, so only the signature check can stop it.
    attacker = LocalSigner(generate_private_key("EdDSA"), f"{MINISTRY}#key-1")
    value: Any = attacker.public_jwk if header == "jwk" else "https://rogue.example/keys.json"
    token = sign_compact(
        {"typ": "vc+jwt", header: value}, json.dumps(world.credential()).encode(), attacker
    )
    report = world.verifier.check_credential(token, now=world.now)
    assert not report.verified
    assert _codes(report) == {"SIGNATURE_INVALID"}


def test_tampered_payload_rejected(world: World) -> None:
    header, _, signature = world.issue().split(".")
    forged_payload = b64url_encode(
        json.dumps(world.credential(validUntil="2099-01-01T00:00:00Z")).encode()
    )
    report = world.verifier.check_credential(
        f"{header}.{forged_payload}.{signature}", now=world.now
    )
    assert "SIGNATURE_INVALID" in _codes(report)


@pytest.mark.parametrize("typ", ["JWT", "vp+jwt", "dc+sd-jwt", None])
def test_wrong_typ_rejected(world: World, typ: str | None) -> None:
    header: dict[str, Any] = {"cty": "vc"} if typ is None else {"typ": typ}
    token = sign_compact(header, json.dumps(world.credential()).encode(), world.ministry)
    assert "TYP_INVALID" in _codes(world.verifier.check_credential(token, now=world.now))


def test_expired_credential_rejected(world: World) -> None:
    token = world.issue(validUntil="2026-06-01T00:00:00Z")
    assert "CREDENTIAL_EXPIRED" in _codes(world.verifier.check_credential(token, now=world.now))


def test_not_yet_valid_credential_rejected(world: World) -> None:
    token = world.issue(validFrom="2026-12-24T00:00:00Z")
    assert "CREDENTIAL_NOT_YET_VALID" in _codes(
        world.verifier.check_credential(token, now=world.now)
    )


def test_leeway_is_explicit(world: World) -> None:
    token = world.issue(
        validFrom=(world.now + timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    assert world.verifier.check_credential(token, now=world.now).verified
    strict = Verifier(world.verifier.did_resolver, leeway=timedelta(0))
    assert "CREDENTIAL_NOT_YET_VALID" in _codes(strict.check_credential(token, now=world.now))


def _presentation(
    world: World,
    signer: LocalSigner,
    *,
    nonce: str = "n-1",
    aud: str = "did:web:refinery.example",
    lifetime_seconds: int = 300,
) -> str:
    holder = signer.kid.split("#")[0]
    return sign_presentation(
        [world.issue()],
        signer,
        holder=holder,
        nonce=nonce,
        audience=aud,
        now=world.now,
        lifetime_seconds=lifetime_seconds,
    )


def test_honest_presentation_verifies(world: World) -> None:
    vp = _presentation(world, world.holder)
    verified = world.verifier.verify_presentation(
        vp, nonce="n-1", audience="did:web:refinery.example", now=world.now
    )
    assert verified.holder == world.holder_did
    assert [c.issuer for c in verified.credentials] == [MINISTRY]


def test_presentation_replayed_with_another_nonce_rejected(world: World) -> None:
    vp = _presentation(world, world.holder, nonce="made-for-the-trader")
    report = world.verifier.check_presentation(
        vp, nonce="refinery-challenge", audience="did:web:refinery.example", now=world.now
    )
    assert "NONCE_MISMATCH" in _codes(report)


def test_presentation_replayed_to_another_audience_rejected(world: World) -> None:
    vp = _presentation(world, world.holder, aud="did:web:trader.example")
    report = world.verifier.check_presentation(
        vp, nonce="n-1", audience="did:web:refinery.example", now=world.now
    )
    assert "AUDIENCE_MISMATCH" in _codes(report)


def test_expired_presentation_rejected(world: World) -> None:
    vp = _presentation(world, world.holder)
    later = world.now + timedelta(hours=1)
    report = world.verifier.check_presentation(
        vp, nonce="n-1", audience="did:web:refinery.example", now=later
    )
    assert "PRESENTATION_EXPIRED" in _codes(report)


def test_presentation_with_overlong_lifetime_rejected_as_stale(world: World) -> None:
    vp = _presentation(world, world.holder, lifetime_seconds=2 * 24 * 3600)  # cap: one day
    report = world.verifier.check_presentation(
        vp, nonce="n-1", audience="did:web:refinery.example", now=world.now
    )
    assert _codes(report) == {"PRESENTATION_STALE"}


def test_presentation_signed_by_someone_other_than_subject_rejected(world: World) -> None:
    vp = _presentation(world, world.stranger)  # the stranger presents the holder's credential
    report = world.verifier.check_presentation(
        vp, nonce="n-1", audience="did:web:refinery.example", now=world.now
    )
    assert "HOLDER_BINDING_FAILED" in _codes(report)


def test_presentation_claiming_holder_but_signed_by_stranger_rejected(world: World) -> None:
    impostor = LocalSigner(world.stranger.private_key, world.holder.kid)
    vp = _presentation(world, impostor)
    report = world.verifier.check_presentation(
        vp, nonce="n-1", audience="did:web:refinery.example", now=world.now
    )
    assert "SIGNATURE_INVALID" in _codes(report)


def test_oversized_token_rejected(world: World) -> None:
    token = world.issue(description="x" * MAX_TOKEN_BYTES)
    assert "TOKEN_TOO_LARGE" in _codes(world.verifier.check_credential(token, now=world.now))


@pytest.mark.parametrize(
    "token",
    [
        "not a token",
        "a.b",
        "!!!.###.$$$",
        "eyJhbGciOiJFZERTQSJ9.e30",
        "e30.e30.e30.e30",
        "bm90anNvbg.e30.AA",
        "W10.e30.AA",
    ],
)
def test_malformed_base64_or_json_rejected(world: World, token: str) -> None:
    report = world.verifier.check_credential(token, now=world.now)
    assert not report.verified
    assert _codes(report) == {"MALFORMED_TOKEN"}


def test_verify_raises_with_report(world: World) -> None:
    with pytest.raises(InvalidCredentialError) as caught:
        world.verifier.verify_credential(
            world.issue(validUntil="2026-02-01T00:00:00Z"), now=world.now
        )
    assert caught.value.code == "CREDENTIAL_EXPIRED"
    assert isinstance(caught.value.report, VerificationReport)


def test_vc_wrapper_claim_rejected(world: World) -> None:
    token = sign_credential(
        {**world.credential(), "vc": {"legacy": True}}, world.ministry, now=world.now
    )
    report = world.verifier.check_credential(token, now=world.now)
    assert _codes(report) == {"DATA_MODEL_INVALID"}
    assert [check.id for check in report.checks if not check.passed] == ["data_model"]


@pytest.mark.parametrize(
    ("iat", "code"),
    [
        ("1e20", "PRESENTATION_STALE"),
        ("-1e20", "PRESENTATION_STALE"),
        ("Infinity", "MALFORMED_TOKEN"),  # not JSON: refused when the payload is parsed
        ("NaN", "MALFORMED_TOKEN"),
    ],
)
def test_presentation_with_unusable_iat_rejected_not_crashing(
    world: World, iat: str, code: str
) -> None:
    """Any holder can sign a vp+jwt: a NumericDate no clock can hold must fail, not raise."""
    holder = world.holder_did
    entry = json.dumps(envelope(world.issue()))
    body = (
        '{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiablePresentation"],'
        f'"holder":"{holder}","verifiableCredential":[{entry}],"nonce":"n-1",'
        f'"aud":"did:web:refinery.example","iat":{iat}}}'
    )
    vp = sign_compact({"typ": "vp+jwt", "cty": "vp"}, body.encode(), world.holder)
    report = world.verifier.check_presentation(
        vp, nonce="n-1", audience="did:web:refinery.example", now=world.now
    )
    assert not report.verified
    assert _codes(report) == {code}


@pytest.mark.parametrize("exp", [1e20, "2026-01-01T00:00:00Z"])
def test_credential_exp_unusable_or_not_numeric_fails_validity(world: World, exp: Any) -> None:
    """An issuer's ``exp`` is never ignored: out of range or not a NumericDate fails the check."""
    payload = {**world.credential(), "iss": MINISTRY, "exp": exp}
    token = sign_compact(
        {"typ": "vc+jwt", "cty": "vc"}, json.dumps(payload).encode(), world.ministry
    )
    report = world.verifier.check_credential(token, now=world.now)
    assert "VALIDITY_PERIOD_INVALID" in _codes(report)


def test_valid_until_end_of_day_24_00_is_read_like_the_data_model(world: World) -> None:
    report = world.verifier.check_credential(
        world.issue(validUntil="2026-12-31T24:00:00Z"), now=world.now
    )
    assert report.verified, report.errors


def test_compromised_key_embedded_under_assertion_method_rejected(world: World) -> None:
    """``revoked`` on a method embedded in ``assertionMethod`` counts like a referenced one."""
    document = build_did_web_document(MINISTRY, [("key-1", world.ministry.public_jwk)])
    method = {**document["verificationMethod"][0], "revoked": "2026-01-01T00:00:00Z"}
    document = {**document, "verificationMethod": [], "assertionMethod": [method]}
    verifier = Verifier(DefaultDidResolver(fetcher=None, local={MINISTRY: document}))
    report = verifier.check_credential(world.issue(), now=world.now)
    assert "KEY_COMPROMISED" in _codes(report)
