"""Forgery properties: no mutation of a genuine token verifies, and the verifier fails closed.

One home (tests/chain.py) issues four genuine inputs, one of each kind the verifier accepts:
a vc+jwt (the trader's BusinessIdentityCredential: a type that may not be forwarded, so only
its subject may present it), an SD-JWT VC as issued (the ministry's MineralOriginCertificate
with all its disclosures, bound to the trader's key), a vp+jwt of the vc+jwt signed by its
subject, and an SD-JWT+KB of the SD-JWT VC, both bound to one nonce and audience.

1. Hypothesis mutates those tokens — characters anywhere, JOSE header and payload members
   re-encoded without re-signing or re-signed with a did:jwk key nobody trusts, disclosures
   and KB-JWTs dropped, duplicated, reordered, altered or moved; and the holder itself signs
   vp+jwt and KB-JWTs over forged content — and checks that a ``check_*`` call never raises
   and verifies only genuine input. Two equivalences the formats define are not forgeries:
   surrounding whitespace (``parse_compact``/``parse_sd_jwt`` strip it), and an SD-JWT VC with
   some of its own disclosures, in any order.
2. Every :class:`~oretrust.codes.Code`, raised inside a genuine verification, fails it and is
   reported; an unexpected exception is ``CHECK_ERROR``; a required check that records nothing
   leaves the report unverified and named in ``not_run``.
3. A presentation is bound to its verifier's challenge (replay).
"""

from __future__ import annotations

import copy
import importlib
import json
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from chain import AUDITOR, CUSTOMS, MINISTRY, REGISTER, Chain
from oretrust import holder, identities
from oretrust.codes import CheckId, Code
from oretrust.credentials.disclosure import vct_for
from oretrust.did import create_did_jwk
from oretrust.encoding import b64url_decode, b64url_encode
from oretrust.errors import InputError, OreTrustError
from oretrust.formats.sd_jwt import present_sd_jwt
from oretrust.formats.sd_jwt_core import b64_digest
from oretrust.formats.sd_jwt_holder import sign_kb_jwt
from oretrust.formats.vc_jwt import envelope, sign_presentation
from oretrust.keys import LocalSigner, generate_private_key
from oretrust.report import VerificationReport
from oretrust.verifier import Verifier
from oretrust.verifier._pipeline import CHALLENGE_CHECKS, REPLAY_WARNING, REQUIRED, InputKind

#: The conftest ``now`` (function-scoped there; the home here is built once per module).
NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
NONCE = "n-forgery-2026-0457"
OTHER_NONCE = "n-issued-by-another-verifier"
OTHER_AUDIENCE = "did:web:another-refinery.example"
ROGUE = "did:web:rogue.example"
TIMESTAMP = int(NOW.timestamp())

KINDS = ("vc", "sd", "vp", "kb")
KIND_NAMES = {"vc": "vc+jwt", "sd": "dc+sd-jwt", "vp": "vp+jwt", "kb": "sd-jwt+kb"}
INPUT_KINDS = {
    "vc": InputKind.VC_JWT,
    "sd": InputKind.SD_JWT_VC,
    "vp": InputKind.VP_JWT,
    "kb": InputKind.SD_JWT_KB,
}
#: The verifier's extra checks (verifier_for): every credential must pass both.
EXTRAS = (CheckId.STATUS, CheckId.ISSUER_ACCREDITED)

PROPERTY = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def examples(count: int) -> settings:
    """The module's property settings with ``count`` examples."""
    return settings(PROPERTY, max_examples=count)


# ---------------------------------------------------------------------- the genuine inputs
@dataclass(repr=False)
class Genuine:
    chain: Chain
    verifier: Verifier
    vc: str
    sd: str
    vp: str
    kb: str
    #: Genuine too, but not what is verified: the trader's SD-JWT+KB of other disclosures, and
    #: another SD-JWT VC (customs' AEO credential of the trader).
    kb_other: str
    sd_other: str
    attacker: LocalSigner  # a fresh did:jwk (Ed25519) nobody trusts
    attacker_p256: LocalSigner  # another (P-256)

    def __repr__(self) -> str:  # the tokens are long: hypothesis prints the fixture
        return f"Genuine(home={self.chain.home.path})"

    def _repr_pretty_(self, printer: Any, _cycle: bool) -> None:  # hypothesis's printer
        printer.text(repr(self))

    @property
    def audience(self) -> str:
        return self.chain.refinery

    @property
    def attacker_did(self) -> str:
        return self.attacker.kid.split("#")[0]

    def token(self, kind: str) -> str:
        token: str = getattr(self, kind)
        return token

    def check(
        self,
        kind: str,
        token: str,
        *,
        verifier: Verifier | None = None,
        nonce: str = NONCE,
        audience: str | None = None,
    ) -> VerificationReport:
        """Verify ``token`` as ``kind`` with the right method, this verifier's challenge."""
        verifier = verifier or self.verifier
        if kind in ("vc", "sd"):
            return verifier.check_credential(token, now=NOW)
        expected = audience or self.audience
        if kind == "vp":
            return verifier.check_presentation(token, nonce=nonce, audience=expected, now=NOW)
        return verifier.check_sd_jwt_presentation(token, nonce=nonce, audience=expected, now=NOW)


def _did_jwk_signer(algorithm: str) -> LocalSigner:
    key = generate_private_key(algorithm)
    from oretrust.jwk import public_jwk

    return LocalSigner(key, f"{create_did_jwk(public_jwk(key.public_key()))}#0")


@pytest.fixture(scope="module")
def genuine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Genuine]:
    chain = Chain.build(tmp_path_factory.mktemp("forgery-home"), NOW)
    try:
        anchor = chain.vc(
            "business-register", "BusinessIdentityCredential", chain.anchor_subject(chain.trader)
        )
        holder.receive_credential(chain.home, "trader", anchor.token, now=NOW)
        vp = holder.present(
            chain.home, "trader", [anchor.id], nonce=NONCE, audience=chain.refinery, now=NOW
        )
        origin = chain.origin_sd_jwt()
        trader = identities.signer_for(chain.home, chain.trader)

        def kb_of(disclose: list[tuple[str, ...]]) -> str:
            return present_sd_jwt(
                origin.token,
                disclose,
                nested=False,
                holder_signer=trader,
                audience=chain.refinery,
                nonce=NONCE,
                now=NOW,
            )

        aeo = chain.sd(
            "customs", "AuthorisedEconomicOperatorCredential", chain.aeo_subject(chain.trader)
        )
        yield Genuine(
            chain=chain,
            # Every step runs: none is replayed from an earlier verification of the same
            # bytes (the kept verifier's StructureMemo; test_structure_memo covers replay).
            verifier=replace(chain.verifier, structures=None),
            vc=anchor.token,
            sd=origin.token,
            vp=vp,
            kb=kb_of([("mass",), ("price",), ("mineSite", "coordinates")]),
            kb_other=kb_of([("assay",)]),
            sd_other=aeo.token,
            attacker=_did_jwk_signer("EdDSA"),
            attacker_p256=_did_jwk_signer("ES256"),
        )
    finally:
        chain.home.engine.dispose()


# ---------------------------------------------------------------------- token helpers
def b64_json(value: Any) -> str:
    """Compact JSON, base64url; NaN/Infinity pass through (they are not JSON: a forgery)."""
    return b64url_encode(json.dumps(value, separators=(",", ":")).encode())


def decoded(segment: str) -> Any:
    return json.loads(b64url_decode(segment))


def sign_raw(header: dict[str, Any], payload: dict[str, Any], signer: LocalSigner) -> str:
    """A compact JWS of exactly ``header`` (alg and kid as given, unlike sign_compact)."""
    signing_input = f"{b64_json(header)}.{b64_json(payload)}"
    return f"{signing_input}.{b64url_encode(signer.sign(signing_input.encode('ascii')))}"


@dataclass(frozen=True)
class SdJwtParts:
    jwt: str
    disclosures: tuple[str, ...]
    kb: str

    @classmethod
    def split(cls, token: str) -> SdJwtParts:
        jwt, *disclosures, kb = token.split("~")
        return cls(jwt, tuple(disclosures), kb)

    def join(self) -> str:
        return self.jwt + "~" + "".join(d + "~" for d in self.disclosures) + self.kb


def attacker_kb(g: Genuine, presentation: str, signer: LocalSigner | None = None) -> str:
    """A KB-JWT over ``presentation`` (ending in ``~``) with the right aud, nonce and sd_hash,
    signed by the attacker."""
    claims = {
        "iat": TIMESTAMP,
        "aud": g.audience,
        "nonce": NONCE,
        "sd_hash": b64_digest(presentation),
    }
    return sign_kb_jwt(claims, signer or g.attacker)


def is_genuine(g: Genuine, kind: str, token: str) -> bool:
    """The genuine token (up to surrounding whitespace, which the parsers strip), or, for an
    SD-JWT VC as issued, the issuer's JWT with a duplicate-free subset of its disclosures."""
    token = token.strip()
    return token == g.token(kind) or (kind == "sd" and withholds_only(token, g.sd))


def withholds_only(token: str, issued: str) -> bool:
    """``token`` is the SD-JWT VC ``issued`` with some of its own disclosures, each once, in
    any order, and no KB-JWT: what RFC 9901 lets a holder do without the issuer."""
    if "~" not in token:
        return False
    mutated, original = SdJwtParts.split(token.strip()), SdJwtParts.split(issued)
    return (
        mutated.jwt == original.jwt
        and mutated.kb == ""
        and len(set(mutated.disclosures)) == len(mutated.disclosures)
        and set(mutated.disclosures) <= set(original.disclosures)
    )


def is_genuine_credential(g: Genuine, token: str) -> bool:
    """One of the credentials the issuers issued to the trader (as a holder may present it)."""
    return token.strip() == g.vc or any(withholds_only(token, sd) for sd in (g.sd, g.sd_other))


def codes(report: VerificationReport) -> set[str]:
    return {str(error.code) for error in report.errors}


def reports(report: VerificationReport) -> Iterator[VerificationReport]:
    yield report
    for nested in report.credentials:
        yield from reports(nested)


def assert_only_genuine_verifies(g: Genuine, kind: str, token: str) -> VerificationReport:
    """The property: the check never raises, and a VALID verdict means a genuine token."""
    if currently_in_test_context():
        note(f"{KIND_NAMES[kind]} token: {token!r}")
    try:
        report = g.check(kind, token)
    except Exception as exc:  # the property under test: nothing escapes check_*
        raise AssertionError(
            f"{type(exc).__name__} escaped the check of a {KIND_NAMES[kind]}: {exc}; "
            f"input {token!r}"
        ) from exc
    if currently_in_test_context():
        event(f"verdict {report.verdict}, first code {report.code}")
    if report.verified:
        assert is_genuine(g, kind, token), f"VALID verdict for a forged {kind}: {token!r}"
        assert report.verdict == "VALID"
    else:
        assert report.verdict != "VALID"
        assert report.errors, "an unverified report names why"
    return report


# ---------------------------------------------------------------------- the genuine inputs verify
@pytest.mark.parametrize("kind", KINDS, ids=KIND_NAMES.get)
def test_every_genuine_input_verifies(genuine: Genuine, kind: str) -> None:
    report = genuine.check(kind, genuine.token(kind))
    assert report.verified, report.to_dict()["errors"]
    assert report.verdict == "VALID" and not report.missing
    assert report.required >= REQUIRED[INPUT_KINDS[kind]]
    for nested in report.credentials:
        assert nested.verified and not nested.missing
        assert nested.required >= set(EXTRAS)
    if kind in ("vc", "sd"):
        assert report.required >= set(EXTRAS)


def test_the_genuine_presentations_carry_what_the_mutations_need(genuine: Genuine) -> None:
    kb = SdJwtParts.split(genuine.kb)
    assert len(kb.disclosures) == 3 and kb.kb.count(".") == 2
    assert set(kb.disclosures) < set(SdJwtParts.split(genuine.sd).disclosures)
    assert SdJwtParts.split(genuine.kb_other).kb != kb.kb
    assert genuine.sd.endswith("~") and len(SdJwtParts.split(genuine.sd).disclosures) == 6
    payload = genuine.vp.split(".")[1]
    assert decoded(payload)["nonce"] == NONCE and decoded(payload)["aud"] == genuine.audience
    subject = decoded(genuine.vc.split(".")[1])["credentialSubject"]
    assert subject["id"] == genuine.chain.trader == decoded(payload)["holder"]


# ---------------------------------------------------------------------- 1. character mutations
NOISE = "=+/ \t\n\r\x00\"'{}[]:,\\é€\u200b\u2028\ufeff"
ALPHABET = string.ascii_letters + string.digits + "-_.~" + NOISE


@st.composite
def character_mutations(draw: st.DrawFn, token: str, donors: tuple[str, ...]) -> str:
    """1-3 edits at any position (biased to the ``.``/``~`` boundaries and the ends): flip a
    bit, replace, insert, delete, swap neighbours, truncate, or splice in a segment of another
    genuine token."""
    for _ in range(draw(st.integers(1, 3), label="edits")):
        size = len(token)
        separators = [i for i, ch in enumerate(token) if ch in ".~"]
        hot = sorted({p + d for p in separators for d in (-1, 0, 1)} | {0, size - 1, size})
        position = draw(
            st.one_of(st.integers(0, size), st.sampled_from([p for p in hot if 0 <= p <= size]))
        )
        at = min(position, size - 1)
        op = draw(
            st.sampled_from(["flip", "replace", "insert", "delete", "swap", "truncate", "splice"])
        )
        if op == "flip" and size:
            bit = draw(st.integers(0, 6))
            token = token[:at] + chr(ord(token[at]) ^ (1 << bit)) + token[at + 1 :]
        elif op == "replace" and size:
            token = token[:at] + draw(st.sampled_from(ALPHABET)) + token[at + 1 :]
        elif op == "insert":
            token = (
                token[:position]
                + draw(st.text(ALPHABET, min_size=1, max_size=3))
                + token[position:]
            )
        elif op == "delete" and size:
            token = token[:at] + token[at + draw(st.integers(1, 3)) :]
        elif op == "swap" and size > 1:
            at = min(at, size - 2)
            token = token[:at] + token[at + 1] + token[at] + token[at + 2 :]
        elif op == "truncate":
            token = token[:position]
        elif op == "splice":
            segments = [s for s in _segments(token) if s]
            if segments:
                old = draw(st.sampled_from(segments))
                new = draw(st.sampled_from([s for d in donors for s in _segments(d) if s]))
                token = token.replace(old, new, 1)
    return token


def _segments(token: str) -> list[str]:
    return [segment for part in token.split("~") for segment in part.split(".")]


@pytest.mark.parametrize("kind", KINDS, ids=KIND_NAMES.get)
@examples(200)
@given(data=st.data())
def test_character_mutations_never_verify(genuine: Genuine, kind: str, data: st.DataObject) -> None:
    donors = (*(genuine.token(k) for k in KINDS if k != kind), genuine.sd_other)
    mutated = data.draw(character_mutations(genuine.token(kind), donors), label="mutated")
    assert_only_genuine_verifies(genuine, kind, mutated)


# ---------------------------------------------------------------------- 1. JOSE member mutations
# fmt: off
DATE_VALUES: list[Any] = [
    TIMESTAMP, TIMESTAMP + 10**9, TIMESTAMP - 10**9, TIMESTAMP + 0.5, float(TIMESTAMP),
    str(TIMESTAMP), 0, -1, 2**31, 2**63, 2**64 + 1, -(2**63), 10**30, 1e20, -1e20, 1e308,
    -1e308, float("nan"), float("inf"), float("-inf"), "NaN", "Infinity", "1e999",
    "2026-11-23T12:00:00Z", "2099-01-01T00:00:00Z", "1970-01-01T00:00:00Z",
    "2026-02-30T00:00:00Z", "2026-11-23T24:00:00Z", "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z", "+275760-09-13T00:00:00Z", "2026-11-23", "", True, None,
    [TIMESTAMP], {"$date": TIMESTAMP},
]
ALG_VALUES: list[Any] = [
    "none", "None", "NONE", "HS256", "HS512", "RS256", "PS256", "ES256", "ES384", "ES256K",
    "EdDSA", "Ed25519", "eddsa", "EDDSA", "", " EdDSA", "EdDSA\x00", ["EdDSA"],
    {"alg": "EdDSA"}, 1, None, True,
]
TYP_VALUES: list[Any] = [
    "vc+jwt", "vp+jwt", "dc+sd-jwt", "vc+sd-jwt", "kb+jwt", "statuslist+jwt", "JWT", "jwt",
    "vc", "vp", "application/vc+jwt", "application/vp+jwt", "application/dc+sd-jwt",
    "VC+JWT", "vc+jwt ", "", None, 1, ["vc+jwt"],
]
HEADER_PATHS: list[tuple[str, ...]] = [
    ("alg",), ("typ",), ("kid",), ("cty",), ("crit",), ("b64",), ("jku",), ("jwk",),
    ("x5u",), ("x5c",), ("zip",),
]
PAYLOAD_PATHS: list[tuple[str, ...]] = [
    ("iss",), ("issuer",), ("issuer", "id"), ("holder",), ("sub",), ("exp",), ("nbf",),
    ("iat",), ("validFrom",), ("validUntil",), ("vct",), ("status",),
    ("status", "status_list"), ("status", "status_list", "idx"),
    ("status", "status_list", "uri"), ("cnf",), ("cnf", "jwk"), ("nonce",), ("aud",),
    ("sd_hash",), ("_sd",), ("_sd_alg",), ("...",), ("jti",), ("id",), ("type",),
    ("@context",), ("credentialSubject",), ("credentialSubject", "id"),
    ("credentialSubject", "registeredId"), ("credentialStatus",), ("credentialSchema",),
    ("verifiableCredential",), ("vc",), ("vp",), ("mineSite", "_sd"), ("countryOfOrigin",),
    ("exporter", "id"),
]
# fmt: on
TIME_NAMES = {"exp", "nbf", "iat", "validFrom", "validUntil"}
IDENTITY_NAMES = {"iss", "issuer", "holder", "sub", "id", "aud", "uri"}

json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
)
json_values = st.recursive(
    json_leaves,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)


_SPECIALS: dict[int, dict[str, list[Any]]] = {}


def special_values(g: Genuine) -> dict[str, list[Any]]:
    """Values aimed at each member by name (the rest get generic JSON); built once."""
    if id(g) not in _SPECIALS:
        _SPECIALS[id(g)] = _special_values(g)
    return _SPECIALS[id(g)]


def _special_values(g: Genuine) -> dict[str, list[Any]]:
    chain = g.chain
    attacker_jwk = g.attacker.public_jwk
    trader_jwk = identities.signer_for(chain.home, chain.trader).public_jwk
    dids = [MINISTRY, REGISTER, CUSTOMS, AUDITOR, chain.trader, chain.kivu, chain.refinery]
    parties = [*dids, g.attacker_did, ROGUE, "", None, 1, [g.attacker_did], {"id": g.attacker_did}]
    sd_envelope = envelope(g.sd, "application/dc+sd-jwt")
    return {
        "alg": ALG_VALUES,
        "typ": TYP_VALUES,
        "cty": TYP_VALUES,
        "kid": [
            f"{MINISTRY}#key-1",
            f"{REGISTER}#key-1",
            f"{MINISTRY}#key-2",
            f"{ROGUE}#key-1",
            g.attacker.kid,
            g.attacker_did,
            identities.signer_for(chain.home, chain.trader).kid,
            "#key-1",
            "key-1",
            "#0",
            "",
            None,
            1,
        ],
        "crit": [["exp"], [], "exp", None],
        "b64": [False, True, "false"],
        "jwk": [attacker_jwk, trader_jwk, {}, "x"],
        "jku": ["https://rogue.example/jwks.json", 1],
        "nonce": [OTHER_NONCE, NONCE.upper(), NONCE + " ", NONCE + "\x00", "", None, [NONCE], 1],
        "aud": [
            OTHER_AUDIENCE,
            [OTHER_AUDIENCE],
            [g.audience, OTHER_AUDIENCE],
            [g.audience],
            g.audience.upper(),
            "",
            None,
            [],
            {"id": g.audience},
        ],
        "cnf": [
            {"jwk": attacker_jwk},
            attacker_jwk,
            {},
            None,
            {"jwk": {}},
            {"kid": g.attacker.kid},
        ],
        "jwk_in_cnf": [attacker_jwk, {}, "x", None],
        "status": [
            {},
            None,
            "revoked",
            {"status_list": None},
            {"status_list": {"idx": -1, "uri": "https://registry.minerals-trust.example/x-tsl"}},
            {"status_list": {"idx": "7", "uri": "https://rogue.example/tsl"}},
            {"status_list": {"idx": True, "uri": "https://rogue.example/tsl"}},
            {"status_list": {"idx": 2**64, "uri": "https://rogue.example/tsl"}},
            {"status_list": {"idx": 0, "uri": "https://rogue.example/tsl"}},
        ],
        "idx": [-1, 0, 1, 2**31, 2**64, "0", 1.5, True, None, float("nan")],
        "vct": [
            vct_for("MiningLicenceCredential"),
            vct_for("MineralOriginCertificate") + "x",
            "https://rogue.example/vct/MineralOriginCertificate",
            "",
            None,
            1,
        ],
        "_sd_alg": ["sha-512", "SHA-256", "md5", "", None, 1],
        "sd_hash": ["", None, b64_digest("x"), b64_digest(g.kb_other.rsplit("~", 1)[0] + "~")],
        "verifiableCredential": [
            [],
            None,
            g.vc,
            envelope(g.vc),
            [envelope(g.vc), envelope(g.vc)],
            [sd_envelope],
            [envelope(g.kb, "application/dc+sd-jwt")],
            [envelope(g.vc, "application/dc+sd-jwt")],
            [envelope(g.sd, "application/vc+jwt")],
            [{**envelope(g.vc), "type": "VerifiableCredential"}],
            [{"id": f"data:application/vc+jwt,{g.vc}"}],
        ],
        "identity": parties,
        "time": DATE_VALUES,
    }


@st.composite
def member_edits(
    draw: st.DrawFn, g: Genuine, part: dict[str, Any], paths: list[tuple[str, ...]]
) -> list[tuple[str, tuple[str, ...], Any]]:
    """1-3 edits of a decoded header or payload: delete a member, or set one (a new one too)."""
    specials = special_values(g)
    swaps = list(part.values())
    edits: list[tuple[str, tuple[str, ...], Any]] = []
    for _ in range(draw(st.integers(1, 3), label="member edits")):
        path = draw(
            st.one_of(
                st.sampled_from(paths),
                st.sampled_from(sorted((name,) for name in part)),
                st.text(max_size=4).map(lambda name: (name,)),
            )
        )
        if draw(st.integers(0, 4)) == 0:
            edits.append(("delete", path, None))
            continue
        name = path[-1]
        if path == ("cnf", "jwk"):
            name = "jwk_in_cnf"
        aimed = specials.get(name)
        if name in TIME_NAMES:
            aimed = specials["time"]
        elif name in IDENTITY_NAMES:
            aimed = specials["identity"] + specials.get(name, [])
        choices = [st.sampled_from(swaps), json_values, st.sampled_from(DATE_VALUES)]
        if aimed:
            choices = [st.sampled_from(aimed), st.sampled_from(aimed), *choices]
        edits.append(("set", path, draw(st.one_of(*choices))))
    return edits


def edited(part: dict[str, Any], edits: list[tuple[str, tuple[str, ...], Any]]) -> dict[str, Any]:
    result = copy.deepcopy(part)
    for op, path, value in edits:
        node = result
        for name in path[:-1]:
            child = node.get(name)
            if not isinstance(child, dict):
                child = {}
                node[name] = child
            node = child
        if op == "delete":
            node.pop(path[-1], None)
        else:
            node[path[-1]] = value
    return result


def jws_locations(kind: str) -> list[str]:
    return {"vc": ["jws"], "vp": ["jws"], "sd": ["issuer"], "kb": ["issuer", "kb"]}[kind]


def get_jws(kind: str, token: str, location: str) -> str:
    if kind in ("vc", "vp"):
        return token
    parts = SdJwtParts.split(token)
    return parts.jwt if location == "issuer" else parts.kb


def put_jws(kind: str, token: str, location: str, jws: str) -> str:
    if kind in ("vc", "vp"):
        return jws
    parts = SdJwtParts.split(token)
    if location == "issuer":
        return replace(parts, jwt=jws).join()
    return replace(parts, kb=jws).join()


def claim_identity(payload: dict[str, Any], kind: str, location: str, did: str) -> None:
    """Make the payload name ``did`` as its signer (issuer, or holder of a vp)."""
    if location == "kb":
        return
    if kind == "vp":
        payload["holder"] = did
        payload["iss"] = did
        return
    payload["iss"] = did
    if isinstance(payload.get("issuer"), dict):
        payload["issuer"]["id"] = did
    elif "issuer" in payload:
        payload["issuer"] = did


@pytest.mark.parametrize("kind", KINDS, ids=KIND_NAMES.get)
@examples(200)
@given(data=st.data())
def test_member_mutations_without_resigning_never_verify(
    genuine: Genuine, kind: str, data: st.DataObject
) -> None:
    token = genuine.token(kind)
    location = data.draw(st.sampled_from(jws_locations(kind)), label="location")
    header_b64, payload_b64, signature = get_jws(kind, token, location).split(".")
    header, payload = decoded(header_b64), decoded(payload_b64)
    edit = data.draw(st.sampled_from(["header", "payload", "both"]), label="edit")
    if edit in ("header", "both"):
        header = edited(header, data.draw(member_edits(genuine, header, HEADER_PATHS)))
        header_b64 = b64_json(header)
    if edit in ("payload", "both"):
        payload = edited(payload, data.draw(member_edits(genuine, payload, PAYLOAD_PATHS)))
        payload_b64 = b64_json(payload)
    other_signatures = [genuine.token(k).split("~")[0].rsplit(".", 1)[1] for k in KINDS]
    signature = data.draw(
        st.sampled_from([signature, signature, "", "AA", *other_signatures]), label="signature"
    )
    mutated = put_jws(kind, token, location, f"{header_b64}.{payload_b64}.{signature}")
    assert_only_genuine_verifies(genuine, kind, mutated)


@pytest.mark.parametrize("kind", KINDS, ids=KIND_NAMES.get)
@examples(150)
@given(data=st.data())
def test_member_mutations_resigned_by_an_untrusted_key_never_verify(
    genuine: Genuine, kind: str, data: st.DataObject
) -> None:
    """Re-signed with a did:jwk key the verifier has no reason to trust: ``kid`` names the
    original signer's key, the attacker's, or something else, and the payload names the
    original signer or the attacker. For an SD-JWT+KB the attacker may also re-bind: a KB-JWT
    of its own over the result, with the right nonce, audience and sd_hash."""
    token = genuine.token(kind)
    signer = data.draw(st.sampled_from([genuine.attacker, genuine.attacker_p256]), label="key")
    attacker_did = signer.kid.split("#")[0]
    location = data.draw(st.sampled_from(jws_locations(kind)), label="location")
    header_b64, payload_b64, _ = get_jws(kind, token, location).split(".")
    header, payload = decoded(header_b64), decoded(payload_b64)
    header["alg"] = signer.algorithm
    kid_choice = data.draw(
        st.sampled_from(["original", "attacker", "attacker-did", "#0", "none"]), label="kid"
    )
    if kid_choice == "attacker":
        header["kid"] = signer.kid
    elif kid_choice == "attacker-did":
        header["kid"] = attacker_did
    elif kid_choice == "#0":
        header["kid"] = "#0"
    elif kid_choice == "none":
        header.pop("kid", None)
    if data.draw(st.booleans(), label="claim to be the attacker"):
        claim_identity(payload, kind, location, attacker_did)
    if data.draw(st.booleans(), label="swap cnf to the attacker's key") and location == "issuer":
        payload["cnf"] = {"jwk": signer.public_jwk}
    if data.draw(st.booleans(), label="edit the header"):
        header = edited(header, data.draw(member_edits(genuine, header, HEADER_PATHS)))
    if data.draw(st.booleans(), label="edit the payload"):
        payload = edited(payload, data.draw(member_edits(genuine, payload, PAYLOAD_PATHS)))
    mutated = put_jws(kind, token, location, sign_raw(header, payload, signer))
    if kind == "kb" and data.draw(st.booleans(), label="re-bind with the attacker's KB-JWT"):
        presentation = replace(SdJwtParts.split(mutated), kb="").join()
        mutated = presentation + attacker_kb(genuine, presentation, signer)
    assert_only_genuine_verifies(genuine, kind, mutated)


# ---------------------------------------------------------------------- 1. disclosures and KB-JWT
DISCLOSURE_NAMES = [
    "_sd",
    "...",
    "iss",
    "vct",
    "cnf",
    "status",
    "exp",
    "countryOfOrigin",
    "mass",
    "price",
    "sub",
    "",
]


@st.composite
def altered_disclosure(draw: st.DrawFn, encoded: str) -> str:
    """A disclosure decoded, changed (value, name, salt, shape or just its JSON spacing) and
    re-encoded."""
    try:
        array = json.loads(b64url_decode(encoded))
    except (ValueError, OreTrustError):  # an earlier edit left no JSON: still a forgery
        return encoded + "A"
    if not isinstance(array, list) or len(array) < 2:  # an earlier edit broke its shape
        return b64url_encode(json.dumps([array, "again"]).encode())
    how = draw(st.sampled_from(["value", "name", "salt", "shape", "spacing", "raw"]))
    if how == "value":
        array[-1] = draw(st.one_of(json_values, st.sampled_from(DATE_VALUES)))
    elif how == "name" and len(array) == 3:
        array[1] = draw(st.one_of(st.sampled_from(DISCLOSURE_NAMES), json_leaves))
    elif how == "salt":
        array[0] = draw(st.one_of(st.text(max_size=24), json_leaves))
    elif how == "shape":
        array = draw(
            st.sampled_from(
                [array[:2], array[1:], [*array, None], [array], {"0": array}, array[0], []]
            )
        )
    elif how == "raw":
        return b64url_encode(draw(st.binary(max_size=24)))
    separators = (",", ":") if how == "spacing" else (", ", ": ")
    return b64url_encode(json.dumps(array, separators=separators).encode())


@st.composite
def disclosure_mutations(draw: st.DrawFn, g: Genuine, kind: str) -> str:
    """Drop, duplicate, reorder, alter, add (the issuer's own, another credential's, or a
    forged) disclosures; drop, move, forge or add a KB-JWT; swap the issuer's JWT."""
    parts = SdJwtParts.split(g.token(kind))
    jwt, disclosures, kb = parts.jwt, list(parts.disclosures), parts.kb
    pool = [
        *SdJwtParts.split(g.sd).disclosures,
        *SdJwtParts.split(g.sd_other).disclosures,
        b64url_encode(json.dumps(["c2FsdA", "mass", {"value": 49.7, "unit": "t"}]).encode()),
        b64url_encode(json.dumps(["c2FsdA", "countryOfOrigin", "RW"]).encode()),
    ]
    kb_ops = ["drop-kb", "move-kb", "attacker-kb", "garbage-kb"] if kind == "kb" else ["add-kb"]
    ops = ["drop", "duplicate", "reorder", "alter", "add", "swap-jwt", *kb_ops]
    rebind = False
    for _ in range(draw(st.integers(1, 3), label="edits")):
        op = draw(st.sampled_from(ops))
        if op == "drop" and disclosures:
            disclosures.pop(draw(st.integers(0, len(disclosures) - 1)))
        elif op == "duplicate" and disclosures:
            chosen = draw(st.sampled_from(disclosures))
            disclosures.insert(draw(st.integers(0, len(disclosures))), chosen)
        elif op == "reorder":
            disclosures = list(draw(st.permutations(disclosures)))
        elif op == "alter" and disclosures:
            at = draw(st.integers(0, len(disclosures) - 1))
            disclosures[at] = draw(altered_disclosure(disclosures[at]))
        elif op == "add":
            disclosures.insert(draw(st.integers(0, len(disclosures))), draw(st.sampled_from(pool)))
        elif op == "swap-jwt":
            jwt = SdJwtParts.split(g.sd_other).jwt
        elif op == "drop-kb":
            kb = ""
        elif op == "move-kb":  # the trader's KB-JWT made for other disclosures
            kb = SdJwtParts.split(g.kb_other).kb
        elif op == "attacker-kb":
            rebind = True
        elif op == "garbage-kb":
            kb = draw(st.sampled_from(["x", "a.b.c", "e30.e30.", kb + "~", jwt]))
        elif op == "add-kb":
            kb = SdJwtParts.split(g.kb).kb
    mutated = SdJwtParts(jwt, tuple(disclosures), kb)
    if rebind:
        presentation = replace(mutated, kb="").join()
        return presentation + attacker_kb(g, presentation)
    return mutated.join()


@pytest.mark.parametrize("kind", ["sd", "kb"], ids=KIND_NAMES.get)
@examples(200)
@given(data=st.data())
def test_disclosure_and_key_binding_mutations_never_verify(
    genuine: Genuine, kind: str, data: st.DataObject
) -> None:
    mutated = data.draw(disclosure_mutations(genuine, kind), label="mutated")
    assert_only_genuine_verifies(genuine, kind, mutated)


@examples(15)
@given(data=st.data())
def test_any_subset_of_the_issued_disclosures_in_any_order_verifies(
    genuine: Genuine, data: st.DataObject
) -> None:
    """The other side of the SD-JWT properties: what they let through is what the format
    allows — the issuer's JWT with any of its own disclosures, in any order (and, key-bound by
    the holder to this verifier, as a presentation)."""
    issued = SdJwtParts.split(genuine.sd)
    chosen = data.draw(st.lists(st.sampled_from(issued.disclosures), unique=True), label="chosen")
    presentation = replace(issued, disclosures=tuple(chosen)).join()
    assert genuine.check("sd", presentation).verified
    trader = identities.signer_for(genuine.chain.home, genuine.chain.trader)
    claims = {
        "iat": TIMESTAMP,
        "aud": genuine.audience,
        "nonce": NONCE,
        "sd_hash": b64_digest(presentation),
    }
    report = genuine.check("kb", presentation + sign_kb_jwt(claims, trader))
    assert report.verified, report.to_dict()["errors"]


# ---------------------------------------------------------------------- 1. the holder as forger
SMUGGLED = (
    "vc",
    "vc-characters",
    "vc-members",
    "vc-self-issued",
    "sd",
    "sd-characters",
    "sd-disclosures",
    "sd-jwt+kb",
)


@st.composite
def smuggled_credentials(draw: st.DrawFn, g: Genuine) -> list[tuple[str, str]]:
    """1-2 ``(media type, token)`` entries for a vp+jwt: genuine credentials, or forgeries of
    them (characters, members without re-signing, re-signed by the attacker, disclosures)."""
    donors = (g.vp, g.kb, g.sd_other)
    entries: list[tuple[str, str]] = []
    for _ in range(draw(st.integers(1, 2), label="credentials")):
        how = draw(st.sampled_from(SMUGGLED))
        token = g.vc
        if how == "vc-characters":
            token = draw(character_mutations(g.vc, donors))
        elif how == "vc-members":
            header_b64, payload_b64, signature = g.vc.split(".")
            payload = decoded(payload_b64)
            payload = edited(payload, draw(member_edits(g, payload, PAYLOAD_PATHS)))
            token = f"{header_b64}.{b64_json(payload)}.{signature}"
        elif how == "vc-self-issued":
            token = _forged(g, "vc")
        elif how == "sd":
            token = g.sd
        elif how == "sd-characters":
            token = draw(character_mutations(g.sd, donors))
        elif how == "sd-disclosures":
            token = draw(disclosure_mutations(g, "sd"))
        elif how == "sd-jwt+kb":
            token = g.kb
        media_types = ["application/vc+jwt", "application/dc+sd-jwt", "application/vc+sd-jwt"]
        natural = media_types[1] if how.startswith("sd") else media_types[0]
        entries.append((draw(st.sampled_from([natural, natural, *media_types])), token))
    return entries


@examples(150)
@given(data=st.data())
def test_the_holder_cannot_smuggle_a_forged_credential_into_its_own_vp(
    genuine: Genuine, data: st.DataObject
) -> None:
    """The trader signs, with its own key and for this verifier's challenge, a vp+jwt of
    forged credentials: it verifies only if every credential inside is one it was issued."""
    entries = data.draw(smuggled_credentials(genuine), label="entries")
    vp = sign_presentation(
        entries,
        identities.signer_for(genuine.chain.home, genuine.chain.trader),
        holder=genuine.chain.trader,
        nonce=NONCE,
        audience=genuine.audience,
        now=NOW,
    )
    note(f"entries: {entries!r}")
    try:
        report = genuine.check("vp", vp)
    except Exception as exc:  # the property under test: nothing escapes check_*
        raise AssertionError(f"{type(exc).__name__} escaped: {exc}; input {vp!r}") from exc
    event(f"verdict {report.verdict}, first code {report.code}")
    if report.verified:
        forged = [
            n.token for n in report.credentials if not is_genuine_credential(genuine, n.token or "")
        ]
        assert not forged, f"VALID verdict for a vp+jwt carrying forgeries {forged!r}: {vp!r}"
    else:
        assert report.verdict != "VALID" and report.errors


@examples(150)
@given(data=st.data())
def test_the_holder_cannot_forge_disclosures_under_its_own_key_binding(
    genuine: Genuine, data: st.DataObject
) -> None:
    """Disclosures dropped, duplicated, reordered, altered, added or put under another issuer's
    JWT, then key-bound by the trader itself to this verifier: verifies only when the result
    is an issued SD-JWT VC with some of its own disclosures."""
    mutated = data.draw(disclosure_mutations(genuine, "sd"), label="mutated")
    presentation = replace(SdJwtParts.split(mutated), kb="").join()
    token = presentation + sign_kb_jwt(
        {
            "iat": TIMESTAMP,
            "aud": genuine.audience,
            "nonce": NONCE,
            "sd_hash": b64_digest(presentation),
        },
        identities.signer_for(genuine.chain.home, genuine.chain.trader),
    )
    note(f"token: {token!r}")
    try:
        report = genuine.check("kb", token)
    except Exception as exc:  # the property under test: nothing escapes check_*
        raise AssertionError(f"{type(exc).__name__} escaped: {exc}; input {token!r}") from exc
    event(f"verdict {report.verdict}, first code {report.code}")
    if report.verified:
        assert any(withholds_only(presentation, sd) for sd in (genuine.sd, genuine.sd_other)), (
            f"VALID verdict for forged disclosures: {token!r}"
        )
    else:
        assert report.verdict != "VALID" and report.errors


# ---------------------------------------------------------------------- 1. consistent forgeries
def _forged(g: Genuine, kind: str) -> str:
    """Everything signed correctly, by keys that are not the issuer's (or not the subject's)."""
    attacker, did = g.attacker, g.attacker_did
    if kind == "vc":
        header, payload, _ = g.vc.split(".")
        claims = decoded(payload)
        claim_identity(claims, "vc", "jws", did)
        return sign_raw({**decoded(header), "kid": attacker.kid, "alg": "EdDSA"}, claims, attacker)
    if kind == "vp":  # the attacker presents the trader's genuine credential as its own
        header, payload, _ = g.vp.split(".")
        claims = decoded(payload)
        claim_identity(claims, "vp", "jws", did)
        return sign_raw({**decoded(header), "kid": attacker.kid, "alg": "EdDSA"}, claims, attacker)
    parts = SdJwtParts.split(g.token(kind))
    header, payload, _ = parts.jwt.split(".")
    claims = {**decoded(payload), "iss": did, "cnf": {"jwk": attacker.public_jwk}}
    jwt = sign_raw({**decoded(header), "kid": attacker.kid, "alg": "EdDSA"}, claims, attacker)
    presentation = replace(parts, jwt=jwt, kb="").join()
    return presentation if kind == "sd" else presentation + attacker_kb(g, presentation)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("vc", Code.ISSUER_NOT_ACCREDITED),
        ("sd", Code.ISSUER_NOT_ACCREDITED),
        ("vp", Code.HOLDER_BINDING_FAILED),
        ("kb", Code.ISSUER_NOT_ACCREDITED),
    ],
    ids=[
        "vc+jwt-self-issued",
        "dc+sd-jwt-self-issued",
        "vp+jwt-stolen-vc",
        "sd-jwt+kb-self-issued",
    ],
)
def test_a_consistent_forgery_by_an_untrusted_key_is_rejected(
    genuine: Genuine, kind: str, expected: str
) -> None:
    report = assert_only_genuine_verifies(genuine, kind, _forged(genuine, kind))
    assert not report.verified
    assert expected in codes(report)
    assert Code.SIGNATURE_INVALID not in codes(report)  # every signature was sound


# ---------------------------------------------------------------------- 2. injected failures
@dataclass(frozen=True)
class Site:
    """Where a failure is injected: a module attribute (raising on its ``nth`` call) or the
    ``run`` of one of the verifier's extra checks."""

    name: str
    target: str | None = None
    nth: int = 1
    extra: str | None = None


VERIFIER = "oretrust.verifier._verifier"
PRESENTATION = "oretrust.verifier._presentation"
SD_JWT = "oretrust.verifier._sd_jwt"
VC_SIGNATURE = Site("signature", f"{VERIFIER}.verify_signature")
VC_DATA_MODEL = Site("data-model", f"{VERIFIER}.validate_credential")
SD_SIGNATURE = Site("issuer-signature", f"{SD_JWT}.verify_signature")
DISCLOSURES = Site("disclosures", f"{SD_JWT}.process_payload")
VC_CLAIMS = Site("sd-jwt-vc-claims", f"{SD_JWT}.check_sd_jwt_vc_claims")
STATUS = Site("status-run", extra=CheckId.STATUS)
ACCREDITATION = Site("accreditation-run", extra=CheckId.ISSUER_ACCREDITED)

#: The steps the verifier runs inside step(): a failure there keeps its code.
STEP_CASES: list[tuple[str, Site]] = [
    ("vc", VC_SIGNATURE),
    ("vc", VC_DATA_MODEL),
    ("vc", STATUS),
    ("vc", ACCREDITATION),
    ("sd", SD_SIGNATURE),
    ("sd", DISCLOSURES),
    ("sd", VC_CLAIMS),
    ("sd", STATUS),
    ("sd", ACCREDITATION),
    ("vp", Site("vp-signature", f"{VERIFIER}.verify_signature")),
    ("vp", Site("enveloped-vc-signature", f"{VERIFIER}.verify_signature", nth=2)),
    ("vp", Site("enveloped-vc-data-model", f"{VERIFIER}.validate_credential")),
    ("vp", STATUS),
    ("vp", ACCREDITATION),
    ("kb", SD_SIGNATURE),
    ("kb", DISCLOSURES),
    ("kb", VC_CLAIMS),
    ("kb", Site("key-binding", f"{SD_JWT}.verify_key_binding")),
    ("kb", STATUS),
    ("kb", ACCREDITATION),
]
#: Every other step a genuine verification passes through.
OTHER_CASES: list[tuple[str, Site]] = [
    ("vc", Site("kid", f"{VERIFIER}.resolve_signing_method")),
    ("vc", Site("key-validity", f"{VERIFIER}.check_key_not_compromised")),
    ("vc", Site("validity-period", f"{VERIFIER}.check_validity_period")),
    ("vc", Site("schema", f"{VERIFIER}.check_schema")),
    ("vp", Site("kid", f"{VERIFIER}.resolve_signing_method")),
    ("vp", Site("presentation-data-model", f"{PRESENTATION}.validate_presentation")),
    ("vp", Site("freshness", f"{VERIFIER}.numeric_date")),
    ("sd", Site("kid", f"{SD_JWT}.resolve_signing_method")),
    ("sd", Site("key-validity", f"{SD_JWT}.check_key_not_compromised")),
    ("sd", Site("validity-period", f"{SD_JWT}.check_validity_period")),
    ("sd", Site("disclosure-view", f"{SD_JWT}._describe")),
    ("kb", Site("kid", f"{SD_JWT}.resolve_signing_method")),
    ("kb", Site("key-validity", f"{SD_JWT}.check_key_not_compromised")),
    ("kb", Site("validity-period", f"{SD_JWT}.check_validity_period")),
    ("kb", Site("disclosure-view", f"{SD_JWT}._describe")),
    ("kb", Site("holder-of-key", "oretrust.verifier._sd_jwt_presentation.holder_of_key")),
]
ALL_CASES = STEP_CASES + OTHER_CASES


def case_id(kind: str, site: Site) -> str:
    return f"{KIND_NAMES[kind]}:{site.name}"


def run_injected(
    g: Genuine,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    site: Site,
    failure: Callable[[], BaseException],
) -> VerificationReport:
    """Verify the genuine ``kind`` with ``failure`` raised at ``site``; the site must be
    reached (else the case tests nothing) and no exception may escape."""
    calls = [0]
    verifier = g.verifier
    if site.extra is not None:

        def run(_credential: dict[str, Any], _report: VerificationReport, _now: datetime) -> None:
            calls[0] += 1
            raise failure()

        checks = [
            replace(check, run=run) if check.id == site.extra else check
            for check in verifier.extra_checks
        ]
        assert any(check.id == site.extra for check in checks)
        verifier = replace(verifier, extra_checks=checks)
    else:
        assert site.target is not None
        module_name, attribute = site.target.rsplit(".", 1)
        original = getattr(importlib.import_module(module_name), attribute)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[0] += 1
            if calls[0] == site.nth:
                raise failure()
            return original(*args, **kwargs)

        monkeypatch.setattr(site.target, wrapper)
    try:
        report = g.check(kind, g.token(kind), verifier=verifier)
    finally:
        monkeypatch.undo()
    assert calls[0] >= site.nth, f"{site.target or site.extra} was not reached"
    return report


ALL_CODES = list(Code)


@pytest.mark.parametrize(
    ("code", "kind", "site"),
    [(code, *STEP_CASES[i % len(STEP_CASES)]) for i, code in enumerate(ALL_CODES)],
    ids=[f"{code}@{case_id(*STEP_CASES[i % len(STEP_CASES)])}" for i, code in enumerate(ALL_CODES)],
)
def test_every_failure_code_is_a_failure(
    genuine: Genuine, monkeypatch: pytest.MonkeyPatch, code: Code, kind: str, site: Site
) -> None:
    """Each code, raised as an OreTrustError at a guarded step (the steps taking turns):
    never VALID, and the code is reported."""
    report = run_injected(
        genuine, monkeypatch, kind, site, lambda: OreTrustError("injected", code=code)
    )
    assert not report.verified
    assert report.verdict != "VALID"
    assert code in codes(report), report.to_dict()["errors"]


@pytest.mark.parametrize(("kind", "site"), ALL_CASES, ids=[case_id(*c) for c in ALL_CASES])
def test_an_oretrust_error_keeps_its_code_wherever_it_is_raised(
    genuine: Genuine, monkeypatch: pytest.MonkeyPatch, kind: str, site: Site
) -> None:
    """A code no genuine path produces (``RATE_LIMITED``) raised at any step a genuine
    verification passes through: not VALID, and the report names that code."""
    report = run_injected(
        genuine,
        monkeypatch,
        kind,
        site,
        lambda: OreTrustError("injected at a step", code=Code.RATE_LIMITED),
    )
    assert not report.verified
    assert Code.RATE_LIMITED in codes(report), report.to_dict()["errors"]


UNEXPECTED: dict[str, Callable[[], BaseException]] = {
    "RuntimeError": lambda: RuntimeError("attacker-chosen text 7d1e"),
    "RecursionError": lambda: RecursionError("maximum recursion depth: attacker-chosen text 7d1e"),
}


@pytest.mark.parametrize("exception", sorted(UNEXPECTED))
@pytest.mark.parametrize(("kind", "site"), ALL_CASES, ids=[case_id(*c) for c in ALL_CASES])
def test_an_unexpected_exception_is_a_check_error(
    genuine: Genuine, monkeypatch: pytest.MonkeyPatch, kind: str, site: Site, exception: str
) -> None:
    report = run_injected(genuine, monkeypatch, kind, site, UNEXPECTED[exception])
    assert report.verdict == "INVALID"
    assert report.code == Code.CHECK_ERROR, report.to_dict()["errors"]
    assert "attacker-chosen" not in json.dumps(report.to_dict())  # never the message


def required_ids(kind: str) -> list[str]:
    """What a genuine ``kind`` must record, its nested credential's included."""
    ids = set(REQUIRED[INPUT_KINDS[kind]])
    if kind in ("vc", "sd"):
        ids |= set(EXTRAS)
    elif kind == "vp":
        ids |= set(CHALLENGE_CHECKS) | set(REQUIRED[InputKind.VC_JWT]) | set(EXTRAS)
    else:
        ids |= set(REQUIRED[InputKind.SD_JWT_VC]) | set(EXTRAS)
    return sorted(ids)


DROP_CASES = [(kind, check_id) for kind in KINDS for check_id in required_ids(kind)]


@pytest.mark.parametrize("kind", KINDS, ids=KIND_NAMES.get)
def test_the_drop_cases_cover_every_required_check(genuine: Genuine, kind: str) -> None:
    report = genuine.check(kind, genuine.token(kind))
    required = set().union(*(r.required for r in reports(report)))
    assert required == set(required_ids(kind))


@pytest.mark.parametrize(
    ("kind", "check_id"), DROP_CASES, ids=[f"{KIND_NAMES[k]}:{c}" for k, c in DROP_CASES]
)
def test_a_required_check_that_records_nothing_fails_closed(
    genuine: Genuine, monkeypatch: pytest.MonkeyPatch, kind: str, check_id: str
) -> None:
    """``passed(check_id)`` silently dropped (a check that forgot to record itself): the
    report is not verified, and ``not_run`` and the errors name the check."""
    original = VerificationReport.passed

    def passed(self: VerificationReport, recorded: str, detail: str = "") -> bool:
        if recorded == check_id:
            return True
        return original(self, recorded, detail)

    monkeypatch.setattr(VerificationReport, "passed", passed)
    report = genuine.check(kind, genuine.token(kind))
    monkeypatch.undo()
    assert not report.verified and report.verdict == "INVALID"
    assert any(check_id in r.to_dict()["not_run"] for r in reports(report))
    assert any(e.id == check_id and e.code == Code.CHECK_NOT_RUN for e in report.errors)


# ---------------------------------------------------------------------- 3. replay
REPLAYS = [
    ("vp", "check_presentation", {"nonce": OTHER_NONCE}, Code.NONCE_MISMATCH),
    ("vp", "check_presentation", {"audience": OTHER_AUDIENCE}, Code.AUDIENCE_MISMATCH),
    *(
        ("kb", method, change, code)
        for method in ("check_presentation", "check_sd_jwt_presentation")
        for change, code in (
            ({"nonce": OTHER_NONCE}, Code.KB_JWT_NONCE_MISMATCH),
            ({"audience": OTHER_AUDIENCE}, Code.KB_JWT_AUDIENCE_MISMATCH),
        )
    ),
]


@pytest.mark.parametrize(
    ("kind", "method", "change", "expected"),
    REPLAYS,
    ids=[f"{KIND_NAMES[k]}-{m}-other-{next(iter(c))}" for k, m, c, _ in REPLAYS],
)
def test_a_presentation_replayed_to_another_challenge_is_rejected(
    genuine: Genuine, kind: str, method: str, change: dict[str, str], expected: str
) -> None:
    challenge = {"nonce": NONCE, "audience": genuine.audience, **change}
    report = getattr(genuine.verifier, method)(genuine.token(kind), now=NOW, **challenge)
    assert not report.verified
    assert codes(report) == {expected}


@pytest.mark.parametrize(
    "challenge",
    [
        {"nonce": None},
        {"audience": None},
        {"nonce": None, "audience": None},
        {"nonce": ""},
        {"audience": ""},
    ],
    ids=["no-nonce", "no-audience", "neither", "empty-nonce", "empty-audience"],
)
@pytest.mark.parametrize(
    ("kind", "method"),
    [
        ("vp", "check_presentation"),
        ("kb", "check_presentation"),
        ("kb", "check_sd_jwt_presentation"),
    ],
    ids=["vp+jwt", "sd-jwt+kb-check_presentation", "sd-jwt+kb-check_sd_jwt_presentation"],
)
def test_a_presentation_without_this_verifiers_challenge_is_refused(
    genuine: Genuine, kind: str, method: str, challenge: dict[str, str | None]
) -> None:
    arguments = {"nonce": NONCE, "audience": genuine.audience, **challenge}
    with pytest.raises(InputError) as caught:
        getattr(genuine.verifier, method)(genuine.token(kind), now=NOW, **arguments)
    assert caught.value.code == Code.CHALLENGE_REQUIRED


@pytest.mark.parametrize("kind", ["vp", "kb"], ids=KIND_NAMES.get)
def test_a_waived_replay_check_is_a_warning(genuine: Genuine, kind: str) -> None:
    report = genuine.verifier.check_presentation(
        genuine.token(kind), nonce=None, audience=None, now=NOW, replay_check=False
    )
    warnings = report.to_dict()["warnings"]
    assert REPLAY_WARNING in warnings
    assert any("replay" in warning for warning in warnings)
    assert not any(c.id in CHALLENGE_CHECKS and c.passed for c in report.checks)


def test_an_sd_jwt_kb_is_not_an_issued_credential(genuine: Genuine) -> None:
    report = genuine.verifier.check_credential(genuine.kb, now=NOW)
    assert not report.verified
    assert Code.KEY_BINDING_NOT_CHECKED in codes(report)


#: Every genuine token checked by another kind's method, except the two the verifier
#: dispatches itself (check_credential takes both credential formats; check_presentation hands
#: an SD-JWT+KB to check_sd_jwt_presentation).
WRONG_KINDS = [
    (token, kind)
    for token in KINDS
    for kind in KINDS
    if token != kind and {token, kind} != {"vc", "sd"} and (token, kind) != ("kb", "vp")
]


@pytest.mark.parametrize(
    ("token_kind", "checked_as"),
    WRONG_KINDS,
    ids=[f"{KIND_NAMES[t]}-as-{KIND_NAMES[k]}" for t, k in WRONG_KINDS],
)
def test_a_genuine_token_checked_as_another_kind_is_not_verified(
    genuine: Genuine, token_kind: str, checked_as: str
) -> None:
    report = genuine.check(checked_as, genuine.token(token_kind))
    assert not report.verified and report.errors
