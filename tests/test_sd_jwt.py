"""SD-JWT VC issue → present → verify, and the attacks the verifier must refuse (RFC 9901 §7, §9).

Vectors from the specs are in ``test_sd_jwt_vectors.py``; here oretrust talks to itself with
an Ed25519 issuer key, a P-256 holder key and deterministic salts.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oretrust.encoding import b64url_encode
from oretrust.errors import InputError, InvalidCredentialError, MalformedTokenError
from oretrust.formats.jws import sign_compact
from oretrust.formats.sd_jwt import (
    SD_JWT_VC,
    SD_JWT_VC_NEVER_DISCLOSABLE,
    Disclosure,
    IssuedSdJwt,
    SdJwtLimits,
    SdJwtProfile,
    StatusListReference,
    VerifiedSdJwt,
    issue_sd_jwt,
    issue_sd_jwt_vc,
    parse_sd_jwt,
    present_sd_jwt,
    verify_sd_jwt,
)
from oretrust.formats.sd_jwt_core import b64_digest
from oretrust.formats.sd_jwt_holder import sign_kb_jwt
from oretrust.keys import LocalSigner, generate_private_key

ISSUER = "did:web:mines.gov.example"
VCT = "https://oretrust.example/vct/mine-origin"
VERIFIER = "https://smelter.example/verifier"
NONCE = "nonce-3f9a1c"

CLAIMS: dict[str, Any] = {
    "sub": "did:web:kolwezi-cobalt.example",
    "mine": {
        "name": "Kolwezi Cobalt",
        "country": "CD",
        "coordinates": {"lat": -10.71, "lon": 25.47},
    },
    "certifications": ["RMAP", "ISO 14001", "IRMA 75"],
    "assay": {"cobalt_pct": 1.2, "copper_pct": 2.9},
}
DISCLOSABLE = [
    ("mine",),
    ("mine", "coordinates"),
    ("certifications", None),
    ("assay", "cobalt_pct"),
]

issuer_signer = LocalSigner(generate_private_key("EdDSA"), f"{ISSUER}#key-1")
holder_signer = LocalSigner(generate_private_key("ES256"), "holder")
stranger_signer = LocalSigner(generate_private_key("ES256"), "stranger")


def counting_salts() -> Callable[[], str]:
    counter = itertools.count()
    return lambda: b64url_encode(next(counter).to_bytes(16, "big"))


def issue(now: datetime, **options: Any) -> IssuedSdJwt:
    arguments: dict[str, Any] = {
        "issuer": ISSUER,
        "vct": VCT,
        "now": now,
        "holder_jwk": holder_signer.public_jwk,
        "disclosable": DISCLOSABLE,
        "expires_at": now + timedelta(days=365),
        "salt_source": counting_salts(),
    }
    arguments.update(options)
    claims = arguments.pop("claims", CLAIMS)
    return issue_sd_jwt_vc(claims, issuer_signer, **arguments)


def present(issued: IssuedSdJwt | str, now: datetime, *paths: Any, **options: Any) -> str:
    arguments: dict[str, Any] = {
        "holder_signer": holder_signer,
        "audience": VERIFIER,
        "nonce": NONCE,
        "now": now,
    }
    arguments.update(options)
    return present_sd_jwt(str(issued), paths, **arguments)


def verify(token: str, now: datetime, **options: Any) -> VerifiedSdJwt:
    arguments: dict[str, Any] = {"now": now, "audience": VERIFIER, "nonce": NONCE}
    arguments.update(options)
    return verify_sd_jwt(parse_sd_jwt(token), issuer_signer.public_jwk, **arguments)


def rejected(code: str, token: str, now: datetime, **options: Any) -> None:
    with pytest.raises(InvalidCredentialError) as caught:
        verify(token, now, **options)
    assert caught.value.code == code, caught.value.detail


def signed(payload: dict[str, Any], *disclosures: Disclosure, typ: str = "dc+sd-jwt") -> str:
    """An issuer-signed SD-JWT with a hand-made payload: what a buggy or hostile issuer sends."""
    body = json.dumps(payload).encode()
    jwt = sign_compact({"typ": typ}, body, issuer_signer)
    return jwt + "~" + "".join(d.encoded + "~" for d in disclosures)


def base_payload(now: datetime, **extra: Any) -> dict[str, Any]:
    return {"iss": ISSUER, "vct": VCT, "iat": int(now.timestamp()), "_sd_alg": "sha-256", **extra}


# --- the happy path ------------------------------------------------------------------------


def test_issue_present_verify_round_trip(now: datetime) -> None:
    issued = issue(now, status=StatusListReference(7, "https://mines.gov.example/status/1"))
    token = present(issued, now, ("mine", "name"), ("certifications", 1))
    result = verify(token, now)
    assert result.claims["mine"] == {"name": "Kolwezi Cobalt", "country": "CD"}
    assert result.claims["certifications"] == ["ISO 14001"]
    assert result.claims["assay"] == {"copper_pct": 2.9}
    assert result.issuer == ISSUER
    assert result.vct == VCT
    assert result.header["typ"] == "dc+sd-jwt"
    assert result.status_list == StatusListReference(7, "https://mines.gov.example/status/1")
    assert result.key_binding is not None
    assert result.key_binding.holder_jwk == holder_signer.public_jwk
    assert result.key_binding.audience == VERIFIER
    assert sorted(item.path for item in result.disclosed) == [("certifications", 0), ("mine",)]
    # 2 hidden certifications, mine.coordinates, assay.cobalt_pct
    assert result.undisclosed_count == 4


def test_issued_payload_shape(now: datetime) -> None:
    issued = issue(now)
    payload = issued.payload
    assert payload["_sd_alg"] == "sha-256"
    assert {"iss", "vct", "iat", "exp", "cnf"} <= payload.keys()
    assert "mine" not in payload
    assert payload["_sd"] == sorted(payload["_sd"])
    assert all(set(element) == {"..."} for element in payload["certifications"])
    assert payload["assay"]["copper_pct"] == 2.9
    assert len(issued.disclosures) == 6
    assert parse_sd_jwt(issued.compact).unverified_header == {
        "typ": "dc+sd-jwt",
        "alg": "EdDSA",
        "kid": f"{ISSUER}#key-1",
    }


def test_injected_salts_make_issuance_deterministic(now: datetime) -> None:
    assert issue(now).compact == issue(now).compact  # Ed25519 signatures are deterministic


def test_default_salts_are_128_bit_and_unique(now: datetime) -> None:
    issued = issue_sd_jwt_vc(
        CLAIMS, issuer_signer, issuer=ISSUER, vct=VCT, now=now, disclosable=DISCLOSABLE
    )
    salts = [d.disclosure.salt for d in issued.disclosures]
    assert len(set(salts)) == len(salts)
    assert all(len(salt) == 22 for salt in salts)  # 16 bytes, base64url


def test_holder_verifies_issuance_without_key_binding(now: datetime) -> None:
    result = verify(issue(now).compact, now, require_key_binding=False)
    assert result.claims["mine"]["coordinates"] == {"lat": -10.71, "lon": 25.47}
    assert result.undisclosed_count == 0


def test_two_step_lookup_exposes_unverified_issuer_and_kid(now: datetime) -> None:
    unverified = parse_sd_jwt(issue(now).compact)
    assert unverified.unverified_issuer == ISSUER
    assert unverified.unverified_kid == f"{ISSUER}#key-1"
    with pytest.raises(InvalidCredentialError) as caught:
        verify_sd_jwt(unverified, stranger_signer.public_jwk, now=now)
    assert caught.value.code == "ALGORITHM_NOT_ALLOWED"  # an ES256 key for an EdDSA token
    other = LocalSigner(generate_private_key("EdDSA"), "other")
    with pytest.raises(InvalidCredentialError) as caught:
        verify_sd_jwt(unverified, other.public_jwk, now=now)
    assert caught.value.code == "SIGNATURE_INVALID"


def test_nested_path_discloses_parent(now: datetime) -> None:
    result = verify(present(issue(now), now, ("mine", "coordinates", "lat")), now)
    assert result.claims["mine"] == {
        "name": "Kolwezi Cobalt",
        "country": "CD",
        "coordinates": {"lat": -10.71, "lon": 25.47},
    }


def test_path_discloses_nested_claims_unless_told_not_to(now: datetime) -> None:
    issued = issue(now)
    everything = verify(present(issued, now, ("mine",)), now)
    assert "coordinates" in everything.claims["mine"]
    only_mine = verify(present(issued, now, ("mine",), nested=False), now)
    assert "coordinates" not in only_mine.claims["mine"]


def test_wildcard_discloses_every_element(now: datetime) -> None:
    result = verify(present(issue(now), now, ("certifications", None)), now)
    assert result.claims["certifications"] == CLAIMS["certifications"]


def test_holder_refuses_unknown_path(now: datetime) -> None:
    with pytest.raises(InputError) as caught:
        present(issue(now), now, ("mine", "depth"))
    assert caught.value.code == "CLAIM_PATH_NOT_FOUND"


def test_holder_needs_audience_and_nonce_for_key_binding(now: datetime) -> None:
    with pytest.raises(InputError) as caught:
        present(issue(now), now, ("mine",), nonce=None)
    assert caught.value.code == "KB_JWT_EXPECTATIONS_MISSING"


def test_verifier_needs_audience_and_nonce_for_a_kb_jwt(now: datetime) -> None:
    with pytest.raises(InputError) as caught:
        verify(present(issue(now), now, ("mine",)), now, nonce=None)
    assert caught.value.code == "KB_JWT_EXPECTATIONS_MISSING"


def test_decoys_hide_the_number_of_claims(now: datetime) -> None:
    issued = issue(now, decoys=(3, 3), status=StatusListReference(0, "https://s.example/1"))
    payload = issued.payload
    assert len(payload["_sd"]) == 1 + 3  # mine + decoys
    assert len(payload["assay"]["_sd"]) == 1 + 3
    assert "_sd" not in payload["cnf"]["jwk"] and "_sd" not in payload["status"]["status_list"]
    result = verify(present(issued, now, ("mine",), ("certifications",), ("assay",)), now)
    assert result.undisclosed_count == 3 * 4  # decoys in top, mine, coordinates, assay
    assert result.claims["status"] == {"status_list": {"idx": 0, "uri": "https://s.example/1"}}


def test_legacy_vc_sd_jwt_typ_is_accepted(now: datetime) -> None:
    issued = issue_sd_jwt({"iss": ISSUER, "vct": VCT}, issuer_signer, typ="vc+sd-jwt")
    assert verify(issued.compact, now).vct == VCT


@pytest.mark.parametrize("typ", ["example+sd-jwt", "JWT", None])
def test_other_typ_rejected_for_sd_jwt_vc(typ: str | None, now: datetime) -> None:
    issued = issue_sd_jwt({"iss": ISSUER, "vct": VCT}, issuer_signer, typ=typ)
    rejected("TYP_INVALID", issued.compact, now)


def test_plain_profile_accepts_configured_typ(now: datetime) -> None:
    plain = SdJwtProfile(accepted_typ=frozenset({None}), sd_jwt_vc=False)
    issued = issue_sd_jwt({"sub": "x", "iss": "y"}, issuer_signer, disclosable=[("iss",)])
    assert verify(issued.compact, now, profile=plain).claims == {"sub": "x", "iss": "y"}


def test_vct_required(now: datetime) -> None:
    rejected(
        "VCT_MISSING", issue_sd_jwt({"iss": ISSUER}, issuer_signer, typ="dc+sd-jwt").compact, now
    )


def test_expired_credential_rejected(now: datetime) -> None:
    issued = issue(now - timedelta(days=10), expires_at=now - timedelta(days=1))
    rejected("CREDENTIAL_EXPIRED", issued.compact, now, require_key_binding=False)


def test_not_yet_valid_credential_rejected(now: datetime) -> None:
    issued = issue(now, not_before=now + timedelta(days=1))
    rejected("CREDENTIAL_NOT_YET_VALID", issued.compact, now, require_key_binding=False)


def test_stale_kb_jwt_rejected(now: datetime) -> None:
    token = present(issue(now), now - timedelta(minutes=10), ("mine",))
    rejected("KB_JWT_STALE", token, now)


def test_kb_jwt_from_the_future_rejected(now: datetime) -> None:
    token = present(issue(now), now + timedelta(minutes=10), ("mine",))
    rejected("KB_JWT_IAT_IN_FUTURE", token, now)


def test_unsupported_sd_alg_rejected(now: datetime) -> None:
    rejected("SD_ALG_UNSUPPORTED", signed(base_payload(now, _sd_alg="sha-512")), now)


def test_naive_now_refused(now: datetime) -> None:
    with pytest.raises(InputError):
        verify(issue(now).compact, now.replace(tzinfo=None))


# --- issuance refuses what it must not produce ---------------------------------------------


@pytest.mark.parametrize("claim", sorted(SD_JWT_VC_NEVER_DISCLOSABLE))
def test_issuer_refuses_to_hide_always_visible_claim(claim: str, now: datetime) -> None:
    with pytest.raises(InputError) as caught:
        issue(
            now,
            disclosable=[(claim,)],
            not_before=now,
            status=StatusListReference(1, "https://s.example/1"),
        )
    assert caught.value.code == "CLAIM_NOT_DISCLOSABLE"


def test_issuer_refuses_to_hide_inside_cnf(now: datetime) -> None:
    with pytest.raises(InputError) as caught:
        issue(now, disclosable=[("cnf", "jwk")])
    assert caught.value.code == "CLAIM_NOT_DISCLOSABLE"


@pytest.mark.parametrize(
    ("claims", "code"),
    [
        ({"_sd": []}, "RESERVED_CLAIM_NAME"),
        ({"a": {"...": 1}}, "RESERVED_CLAIM_NAME"),
        ({"vct": "other"}, "RESERVED_CLAIM_NAME"),
        ({"cnf": {}}, "RESERVED_CLAIM_NAME"),
        ({"x": float("nan")}, "CLAIMS_NOT_JSON"),
        ({"x": {1, 2}}, "CLAIMS_NOT_JSON"),
    ],
)
@pytest.mark.parametrize("disclosed", [True, False], ids=["disclosable", "plain"])
def test_issuer_refuses_bad_claims(
    claims: dict[str, Any], code: str, disclosed: bool, now: datetime
) -> None:
    with pytest.raises(InputError) as caught:
        issue(now, claims=claims, disclosable=[(next(iter(claims)),)] if disclosed else [])
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("path", "code"),
    [
        (("mine", "depth"), "CLAIM_PATH_NOT_FOUND"),
        (("certifications", 9), "CLAIM_PATH_NOT_FOUND"),
        (("mine", None), "CLAIM_PATH_NOT_FOUND"),
        ("mine", "CLAIM_PATH_INVALID"),
        ((), "CLAIM_PATH_INVALID"),
        (("certifications", True), "CLAIM_PATH_INVALID"),
    ],
)
def test_issuer_refuses_bad_paths(path: Any, code: str, now: datetime) -> None:
    with pytest.raises(InputError) as caught:
        issue(now, disclosable=[path])
    assert caught.value.code == code


# --- named attacks -------------------------------------------------------------------------


def test_modified_disclosure_rejected(now: datetime) -> None:
    issued = issue(now)
    coords = next(d.disclosure for d in issued.disclosures if d.path == ("mine", "coordinates"))
    mine = next(d.disclosure for d in issued.disclosures if d.path == ("mine",))
    forged = Disclosure.create(mine.salt, "mine", {**mine.value, "country": "RW"})
    tampered = issued.jwt + "~" + forged.encoded + "~" + coords.encoded + "~"
    kb = sign_kb_jwt(  # the holder signs it properly: key binding does not launder forgeries
        {
            "iat": int(now.timestamp()),
            "aud": VERIFIER,
            "nonce": NONCE,
            "sd_hash": b64_digest(tampered),
        },
        holder_signer,
    )
    rejected("DISCLOSURE_NOT_REFERENCED", tampered + kb, now)


def test_missing_kb_jwt_rejected(now: datetime) -> None:
    token = present(issue(now), now, ("mine",), holder_signer=None)
    rejected("KB_JWT_MISSING", token, now)
    rejected("KB_JWT_MISSING", issue(now).compact, now)
    unbound = issue(now, holder_jwk=None).compact
    rejected("KB_JWT_MISSING", unbound, now, require_key_binding=True)


def test_replayed_kb_jwt_other_nonce_rejected(now: datetime) -> None:
    token = present(issue(now), now, ("mine",))
    rejected("KB_JWT_NONCE_MISMATCH", token, now, nonce="a-fresh-nonce")


def test_kb_jwt_other_audience_rejected(now: datetime) -> None:
    token = present(issue(now), now, ("mine",))
    rejected("KB_JWT_AUDIENCE_MISMATCH", token, now, audience="https://other.example")


def test_wrong_sd_hash_rejected(now: datetime) -> None:
    issued = issue(now)
    small = present(issued, now, ("mine", "name"))
    large = present(issued, now, ("mine",), ("assay",), holder_signer=None)
    kb_of_small = small.rsplit("~", 1)[1]
    rejected("KB_JWT_SD_HASH_MISMATCH", large + kb_of_small, now)


@pytest.mark.parametrize("where", ["same disclosure twice", "digest twice in _sd", "across _sd"])
def test_duplicate_digest_rejected(where: str, now: datetime) -> None:
    disclosure = Disclosure.create("c2FsdHNhbHRzYWx0c2FsdA", "mine", "Kolwezi")
    if where == "same disclosure twice":
        token = signed(base_payload(now, _sd=[disclosure.digest]), disclosure, disclosure)
    elif where == "digest twice in _sd":
        token = signed(base_payload(now, _sd=[disclosure.digest, disclosure.digest]), disclosure)
    else:
        payload = base_payload(now, _sd=[disclosure.digest], other={"_sd": [disclosure.digest]})
        token = signed(payload, disclosure)
    rejected("DUPLICATE_DIGEST", token, now)


@pytest.mark.parametrize("claim", sorted(SD_JWT_VC_NEVER_DISCLOSABLE))
def test_disclosure_of_always_visible_claim_rejected(claim: str, now: datetime) -> None:
    values = {
        "iss": "https://evil.example",
        "vct": VCT,
        "cnf": {"jwk": stranger_signer.public_jwk},
        "status": {"status_list": {"idx": 0, "uri": "https://s.example/1"}},
        "exp": int(now.timestamp()) + 99,
        "nbf": 0,
    }
    crafted = Disclosure.create("c2FsdHNhbHRzYWx0c2FsdA", claim, values[claim])
    payload = {k: v for k, v in base_payload(now, _sd=[crafted.digest]).items() if k != claim}
    rejected("CLAIM_NOT_DISCLOSABLE", signed(payload, crafted), now, require_key_binding=False)


def test_disclosure_overwriting_claim_rejected(now: datetime) -> None:
    crafted = Disclosure.create("c2FsdHNhbHRzYWx0c2FsdA", "grade", "A")
    payload = base_payload(now, grade="C", _sd=[crafted.digest])
    rejected("DISCLOSURE_OVERWRITES_CLAIM", signed(payload, crafted), now)
    twin = Disclosure.create("b3RoZXJzYWx0b3RoZXJzYQ", "grade", "A+")
    payload = base_payload(now, _sd=sorted([crafted.digest, twin.digest]))
    rejected("DISCLOSURE_OVERWRITES_CLAIM", signed(payload, crafted, twin), now)


def test_unreferenced_disclosure_rejected(now: datetime) -> None:
    issued = issue(now)
    stray = Disclosure.create("c2FsdHNhbHRzYWx0c2FsdA", "certifications", ["conflict-free"])
    token = present(issued, now, ("mine",), holder_signer=None) + stray.encoded + "~"
    rejected("DISCLOSURE_NOT_REFERENCED", token, now, require_key_binding=False)
    foreign = issue(now, salt_source=lambda: "b3RoZXJzYWx0b3RoZXJzYQ").disclosures[0]
    token = issued.jwt + "~" + foreign.disclosure.encoded + "~"
    rejected("DISCLOSURE_NOT_REFERENCED", token, now, require_key_binding=False)


@pytest.mark.parametrize("name", ["_sd", "..."])
def test_reserved_claim_name_rejected(name: str, now: datetime) -> None:
    crafted = Disclosure.create("c2FsdHNhbHRzYWx0c2FsdA", name, ["x"])
    rejected(
        "DISCLOSURE_RESERVED_NAME", signed(base_payload(now, _sd=[crafted.digest]), crafted), now
    )


def test_array_and_property_disclosures_not_interchangeable(now: datetime) -> None:
    element = Disclosure.create("c2FsdHNhbHRzYWx0c2FsdA", None, "RMAP")
    rejected("DISCLOSURE_MALFORMED", signed(base_payload(now, _sd=[element.digest]), element), now)
    prop = Disclosure.create("c2FsdHNhbHRzYWx0c2FsdA", "cert", "RMAP")
    payload = base_payload(now, certs=[{"...": prop.digest}])
    rejected("DISCLOSURE_MALFORMED", signed(payload, prop), now)


@pytest.mark.parametrize(
    "content",
    [
        {"salt": "s", "name": "n"},
        ["only-salt"],
        ["s", "n", "v", "extra"],
        [1, "n", "v"],
        ["s", 2, "v"],
    ],
    ids=["object", "one element", "four elements", "int salt", "int name"],
)
def test_malformed_disclosure_rejected(content: Any, now: datetime) -> None:
    encoded = b64url_encode(json.dumps(content).encode())
    with pytest.raises(InvalidCredentialError) as caught:
        parse_sd_jwt(issue(now).jwt + "~" + encoded + "~")
    assert caught.value.code == "DISCLOSURE_MALFORMED"


@pytest.mark.parametrize(
    "encoded", ["abcde", b64url_encode(b"[not json"), b64url_encode(b'["s","n",NaN]')]
)
def test_undecodable_disclosure_rejected(encoded: str, now: datetime) -> None:
    with pytest.raises(MalformedTokenError) as caught:
        parse_sd_jwt(issue(now).jwt + "~" + encoded + "~")
    assert caught.value.code == "DISCLOSURE_MALFORMED"


@pytest.mark.parametrize("junk", ["*", " ", "\n", "é"])
def test_characters_outside_base64url_rejected(junk: str, now: datetime) -> None:
    with pytest.raises(MalformedTokenError) as caught:
        parse_sd_jwt(issue(now).jwt + junk + "~")
    assert caught.value.code == "SD_JWT_MALFORMED"


def test_duplicate_json_keys_rejected(now: datetime) -> None:
    body = b'{"iss":"a","vct":"b","_sd":[],"_sd":["x"]}'
    token = sign_compact({"typ": "dc+sd-jwt"}, body, issuer_signer) + "~"
    with pytest.raises(MalformedTokenError) as caught:
        parse_sd_jwt(token)
    assert caught.value.code == "SD_JWT_MALFORMED"


def test_alg_none_rejected(now: datetime) -> None:
    jwt = issue(now).jwt
    header = b64url_encode(json.dumps({"alg": "none", "typ": "dc+sd-jwt"}).encode())
    unsigned = header + "." + jwt.split(".")[1] + "."
    rejected("ALGORITHM_NOT_ALLOWED", unsigned + "~", now, require_key_binding=False)
    presentation = present(issue(now), now, ("mine",))
    kb_header = b64url_encode(json.dumps({"alg": "none", "typ": "kb+jwt"}).encode())
    kb_payload = presentation.rsplit("~", 1)[1].split(".")[1]
    forged_kb = presentation.rsplit("~", 1)[0] + "~" + kb_header + "." + kb_payload + "."
    rejected("KB_JWT_SIGNATURE_INVALID", forged_kb, now)


def test_kb_jwt_signed_by_other_key_rejected(now: datetime) -> None:
    token = present(issue(now), now, ("mine",), holder_signer=stranger_signer)
    rejected("KB_JWT_SIGNATURE_INVALID", token, now)


def test_kb_jwt_wrong_typ_rejected(now: datetime) -> None:
    presentation = present(issue(now), now, ("mine",), holder_signer=None)
    body = {
        "iat": int(now.timestamp()),
        "aud": VERIFIER,
        "nonce": NONCE,
        "sd_hash": b64_digest(presentation),
    }
    jwt = sign_compact({"typ": "JWT"}, json.dumps(body).encode(), holder_signer)
    rejected("KB_JWT_INVALID", presentation + jwt, now)


def test_oversized_sd_jwt_rejected(now: datetime) -> None:
    issued = issue(now)
    padding = Disclosure.create("c2FsdHNhbHRzYWx0c2FsdA", "blob", "x" * 300_000)
    with pytest.raises(MalformedTokenError) as caught:
        parse_sd_jwt(issued.jwt + "~" + padding.encoded + "~")
    assert caught.value.code == "TOKEN_TOO_LARGE"
    many = issued.jwt + "~" + (padding.encoded[:8] + "~") * 1001
    with pytest.raises(MalformedTokenError) as caught:
        parse_sd_jwt(many)
    assert caught.value.code == "SD_JWT_TOO_MANY_DISCLOSURES"
    with pytest.raises(InputError) as refused:
        issue(now, claims={"blob": "x" * 300_000}, disclosable=[])
    assert refused.value.code == "TOKEN_TOO_LARGE"


@pytest.mark.parametrize("depth", [33, 100_000])
def test_deeply_nested_sd_jwt_rejected(depth: int, now: datetime) -> None:
    nested = "[" * depth + "]" * depth
    body = ('{"iss":"a","vct":"b","deep":' + nested + "}").encode()
    token = sign_compact({"typ": "dc+sd-jwt"}, body, issuer_signer) + "~"
    with pytest.raises(MalformedTokenError) as caught:
        parse_sd_jwt(token, limits=SdJwtLimits(max_bytes=1 << 20))
    assert caught.value.code == "SD_JWT_TOO_DEEP"


def test_nesting_through_disclosures_is_bounded(now: datetime) -> None:
    # each piece nests at most 3 deep; processed, the claims nest 4 deep
    issued = issue_sd_jwt(
        {"iss": ISSUER, "vct": VCT, "a": {"b": {"c": {"d": 1}}}},
        issuer_signer,
        typ="dc+sd-jwt",
        disclosable=[("a",), ("a", "b"), ("a", "b", "c"), ("a", "b", "c", "d")],
    )
    result = verify(issued.compact, now, limits=SdJwtLimits(max_depth=4))
    assert result.claims["a"] == {"b": {"c": {"d": 1}}}
    with pytest.raises(MalformedTokenError) as caught:
        verify(issued.compact, now, limits=SdJwtLimits(max_depth=3))
    assert caught.value.code == "SD_JWT_TOO_DEEP"


# --- property: whatever is issued and fully presented verifies to the same claims ----------

# Any text but NUL, which token JSON refuses (oretrust.encoding.forbidden_character): PostgreSQL
# cannot store it. Hypothesis never draws lone surrogates, which are refused too.
# NUL and lone surrogates are refused in any token's JSON (INVALID_CHARACTER hardening).
json_text = st.characters(exclude_characters="\x00", exclude_categories=("Cs",))
json_leaves = (
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(json_text, max_size=8)
)
json_values = st.recursive(
    json_leaves,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.text(json_text, min_size=1, max_size=6).filter(lambda k: k not in ("_sd", "...")),
            inner,
            max_size=3,
        )
    ),
    max_leaves=12,
)


def _all_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths = [path] if path else []
    if isinstance(value, dict):
        for key, child in value.items():
            paths += _all_paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            paths += _all_paths(child, (*path, index))
    return paths


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    claims=st.dictionaries(
        st.sampled_from(["sub", "mine", "lots", "grade"]), json_values, max_size=4
    ),
    data=st.data(),
)
def test_full_presentation_round_trips(claims: dict[str, Any], data: Any, now: datetime) -> None:
    candidates = _all_paths(claims)
    marked = data.draw(
        st.lists(st.sampled_from(candidates), unique=True) if candidates else st.just([])
    )
    issued = issue(now, claims=claims, disclosable=marked, decoys=(0, 2))
    token = present(issued, now, *[(key,) for key in claims])
    result = verify(token, now)
    registered = {"iss", "vct", "iat", "exp", "cnf"}
    assert {k: v for k, v in result.claims.items() if k not in registered} == claims
    assert len(result.disclosed) == len(issued.disclosures)


def test_profile_constant_is_sd_jwt_vc() -> None:
    assert SD_JWT_VC.accepted_typ == {"dc+sd-jwt", "vc+sd-jwt"}
    assert SD_JWT_VC.sd_jwt_vc
