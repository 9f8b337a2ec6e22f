"""SD-JWT VC end to end through a real home: issued with the type's disclosure profile, held,
presented with the minimum disclosed, verified with status (Token Status List), accreditation
and schema — and each attack on a presentation rejected by the verifier with its own code
(STYLE.md principle 10; the format-level tests are in test_sd_jwt.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chain import MINISTRY, YEAR, Chain
from issuance_support import issue_past_the_registry
from oretrust import holder, identities
from oretrust.credentials.disclosure import vct_for
from oretrust.encoding import b64url_decode
from oretrust.errors import InputError, InvalidCredentialError
from oretrust.formats.sd_jwt import Disclosure, issue_sd_jwt, issue_sd_jwt_vc, present_sd_jwt
from oretrust.formats.sd_jwt_core import b64_digest
from oretrust.formats.sd_jwt_holder import sign_kb_jwt
from oretrust.formats.vc_jwt import sign_presentation
from oretrust.issuer import holder_key, issue_sd_jwt_credential
from oretrust.report import VerificationReport
from oretrust.status.operations import revoke
from oretrust.store.models import IssuedCredentialRecord
from oretrust.verifier import verify_token

NONCE = "n-2026-0457"


@pytest.fixture
def chain(tmp_path: Path, now: datetime) -> Iterator[Chain]:
    built = Chain.build(tmp_path, now)
    yield built
    built.home.engine.dispose()


def codes(report: VerificationReport) -> set[str]:
    return {error.code for error in report.errors}


def kb_presentation(chain: Chain, token: str, disclose: list[tuple[str, ...]], **kw: Any) -> str:
    """The trader's SD-JWT+KB for the refinery."""
    options: dict[str, Any] = {
        "holder_signer": identities.signer_for(chain.home, chain.trader),
        "audience": chain.refinery,
        "nonce": NONCE,
        "now": chain.now,
    }
    options.update(kw)
    return present_sd_jwt(token, disclose, nested=False, **options)


def with_kb(chain: Chain, presentation: str, *, sd_hash: str | None = None) -> str:
    """Append a KB-JWT the trader signs over ``presentation`` (ending in ``~``)."""
    claims = {
        "iat": int(chain.now.timestamp()),
        "aud": chain.refinery,
        "nonce": NONCE,
        "sd_hash": sd_hash or b64_digest(presentation),
    }
    return presentation + sign_kb_jwt(claims, identities.signer_for(chain.home, chain.trader))


def check(chain: Chain, presentation: str, **kw: Any) -> VerificationReport:
    options: dict[str, Any] = {"nonce": NONCE, "audience": chain.refinery, "now": chain.now}
    options.update(kw)
    return chain.verifier.check_sd_jwt_presentation(presentation, **options)


def signed_payload(token: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(b64url_decode(token.split("~")[0].split(".")[1]))
    return result


# ---------------------------------------------------------------------- issuance
def test_issued_sd_jwt_vc_carries_the_profile_and_the_registered_claims(chain: Chain) -> None:
    issued = chain.origin_sd_jwt()
    header = json.loads(b64url_decode(issued.token.split(".")[0]))
    payload = signed_payload(issued.token)
    assert header["typ"] == "dc+sd-jwt"
    assert header["kid"] == f"{MINISTRY}#key-1"
    assert payload["iss"] == MINISTRY
    assert payload["vct"] == vct_for("MineralOriginCertificate")
    assert payload["jti"] == issued.id
    assert payload["exp"] - payload["iat"] == int(YEAR.total_seconds())
    assert payload["cnf"]["jwk"] == holder_key(chain.home, chain.trader)
    status = payload["status"]["status_list"]
    assert status["uri"].endswith("-tsl") and isinstance(status["idx"], int)
    # withholdable claims are digests; everything else is plainly visible
    assert not {"mass", "assay", "price", "buyer"} & payload.keys()
    assert "coordinates" not in payload["mineSite"]
    assert payload["countryOfOrigin"] == "CD" and payload["sub"] == chain.kivu
    assert len(payload["_sd"]) == 5 and len(payload["mineSite"]["_sd"]) == 1
    assert issued.withholdable == (
        "mass", "moisture", "assay", "price", "buyer", "mineSite.coordinates"
    )  # fmt: skip
    with chain.home.session() as session:
        record = session.get(IssuedCredentialRecord, issued.id)
    assert record is not None and record.format == "dc+sd-jwt"
    assert record.holder_did == chain.trader


def test_issuer_refuses_to_hide_a_claim_outside_the_profile(chain: Chain) -> None:
    with pytest.raises(InputError, match="countryOfOrigin") as caught:
        chain.origin_sd_jwt(withhold=[("countryOfOrigin",)])
    assert caught.value.code == "DISCLOSURE_PROFILE_VIOLATION"


# ---------------------------------------------------------------------- honest path
def test_presentation_verifies_and_withheld_claims_stay_hidden(chain: Chain) -> None:
    issued = chain.origin_sd_jwt()
    presentation = kb_presentation(chain, issued.token, [("mineSite",), ("countryOfOrigin",)])
    assert presentation.count("~") == 1  # nothing withholdable was asked for: no disclosure
    report = check(chain, presentation)
    assert report.verified, report.to_dict()["errors"]
    assert report.holder == chain.trader
    nested = report.credentials[0]
    ids = [c.id for c in nested.checks]
    for expected in ("signature", "disclosures", "disclosure_profile", "schema", "status"):
        assert expected in ids
    assert "issuer_accredited" in ids
    subject = (nested.claims or {})["credentialSubject"]
    assert subject["countryOfOrigin"] == "CD" and subject["mineral"] == "cobalt"
    assert subject["mineSite"] == {
        "id": "https://cadastre.mines.example/sites/PE-13258",
        "name": "Kolwezi-Est open pit",
    }
    assert not {"mass", "assay", "price", "buyer"} & subject.keys()
    assert nested.disclosure is not None
    assert nested.disclosure["disclosed"] == []
    assert set(nested.disclosure["not_disclosed"]) == {
        "mass",
        "moisture",
        "assay",
        "price",
        "buyer",
        "mineSite.coordinates",
    }
    assert nested.disclosure["undisclosed_digests"] == 6
    assert "412000" not in json.dumps(report.to_dict())  # the price never reached the verifier


def test_disclosed_claim_is_shown_and_only_that_one(chain: Chain) -> None:
    issued = chain.origin_sd_jwt()
    report = check(chain, kb_presentation(chain, issued.token, [("mass",)]))
    assert report.verified
    nested = report.credentials[0]
    assert (nested.claims or {})["credentialSubject"]["mass"] == {"value": 24.85, "unit": "t"}
    assert nested.disclosure is not None and nested.disclosure["disclosed"] == ["mass"]
    assert nested.disclosure["undisclosed_digests"] == 5


def test_revoked_sd_jwt_vc_is_reported_revoked_from_the_token_status_list(chain: Chain) -> None:
    issued = chain.origin_sd_jwt()
    revoke(chain.home, issued.id, reason="assay withdrawn", now=chain.now)
    report = check(chain, kb_presentation(chain, issued.token, []))
    assert report.verdict == "REVOKED"
    status = next(c for c in report.credentials[0].checks if c.id == "status")
    assert status.code == "REVOKED" and "-tsl" in status.detail


def test_sd_jwt_vc_from_an_unaccredited_issuer_is_rejected(
    chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    issue_past_the_registry(monkeypatch)  # a look-alike the home's registry never accredited
    identities.add_issuer(
        chain.home, "rogue", display_name="Look-alike", did="did:web:rogue.example", now=chain.now
    )
    issued = chain.origin_sd_jwt(issuer="rogue")
    report = chain.verifier.check_credential(issued.token, now=chain.now)
    assert "ISSUER_NOT_ACCREDITED" in codes(report)


def test_expired_sd_jwt_vc_is_rejected_with_its_claims_reported(chain: Chain) -> None:
    issued = chain.origin_sd_jwt(valid_until=chain.now + timedelta(days=1))
    report = chain.verifier.check_credential(issued.token, now=chain.now + timedelta(days=2))
    assert report.code == "CREDENTIAL_EXPIRED"
    assert report.claims is not None and "validUntil" in report.claims


def test_verify_token_detects_the_sd_jwt_formats(chain: Chain) -> None:
    issued = chain.origin_sd_jwt()
    as_issued = verify_token(chain.home, issued.token, nonce=None, audience=None, now=chain.now)
    assert as_issued.kind == "credential" and as_issued.verified
    presentation = kb_presentation(chain, issued.token, [("mass",)])
    wrapper = {
        "presentation": presentation,
        "format": "dc+sd-jwt",
        "nonce": NONCE,
        "audience": chain.refinery,
    }
    text = json.dumps(wrapper)
    report = verify_token(chain.home, text, nonce=NONCE, audience=chain.refinery, now=chain.now)
    assert report.kind == "presentation" and report.verified
    replayed = verify_token(chain.home, text, nonce="other", audience=chain.refinery, now=chain.now)
    assert replayed.code == "KB_JWT_NONCE_MISMATCH"


# ---------------------------------------------------------------------- attacks
def test_modified_disclosure_rejected(chain: Chain) -> None:
    issued = chain.origin_sd_jwt()
    honest = kb_presentation(chain, issued.token, [("mass",)], holder_signer=None)
    jwt, encoded, _ = honest.split("~")
    original = Disclosure.decode(encoded)
    doubled = Disclosure.create(original.salt, "mass", {"value": 49.7, "unit": "t"})
    report = check(chain, with_kb(chain, f"{jwt}~{doubled.encoded}~"))
    assert not report.verified
    assert report.code == "DISCLOSURE_NOT_REFERENCED"


def test_missing_key_binding_jwt_rejected(chain: Chain) -> None:
    issued = chain.origin_sd_jwt()
    report = check(chain, kb_presentation(chain, issued.token, [("mass",)], holder_signer=None))
    assert report.code == "KB_JWT_MISSING"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"nonce": "another-challenge"}, "KB_JWT_NONCE_MISMATCH"),
        ({"audience": "did:web:another-refinery.example"}, "KB_JWT_AUDIENCE_MISMATCH"),
        ({"now": "later"}, "KB_JWT_STALE"),
    ],
    ids=["other-nonce", "other-verifier", "an-hour-later"],
)
def test_replayed_key_binding_jwt_rejected(chain: Chain, change: dict[str, Any], code: str) -> None:
    issued = chain.origin_sd_jwt()
    presentation = kb_presentation(chain, issued.token, [("mass",)])
    if change.get("now") == "later":
        change = {"now": chain.now + timedelta(hours=1)}
    assert check(chain, presentation, **change).code == code


def test_key_binding_jwt_moved_to_other_disclosures_rejected(chain: Chain) -> None:
    """A KB-JWT made for one set of disclosures, reused with another: ``sd_hash`` differs."""
    issued = chain.origin_sd_jwt()
    minimal = kb_presentation(chain, issued.token, [])
    kb_jwt = minimal.rsplit("~", 1)[1]
    more = kb_presentation(chain, issued.token, [("price",)], holder_signer=None)
    assert check(chain, more + kb_jwt).code == "KB_JWT_SD_HASH_MISMATCH"


def test_wrong_sd_hash_rejected(chain: Chain) -> None:
    issued = chain.origin_sd_jwt()
    bare = kb_presentation(chain, issued.token, [("mass",)], holder_signer=None)
    report = check(chain, with_kb(chain, bare, sd_hash=b64_digest(bare + "x")))
    assert report.code == "KB_JWT_SD_HASH_MISMATCH"


def test_key_binding_jwt_signed_by_another_key_rejected(chain: Chain) -> None:
    issued = chain.origin_sd_jwt()
    stolen = kb_presentation(
        chain, issued.token, [], holder_signer=identities.signer_for(chain.home, chain.kivu)
    )
    assert check(chain, stolen).code == "KB_JWT_SIGNATURE_INVALID"


def test_duplicate_digests_rejected(chain: Chain) -> None:
    issued = chain.origin_sd_jwt()
    jwt, encoded, _ = kb_presentation(chain, issued.token, [("mass",)], holder_signer=None).split(
        "~"
    )
    report = check(chain, with_kb(chain, f"{jwt}~{encoded}~{encoded}~"))
    assert report.code == "DUPLICATE_DIGEST"


def _ministry_signed(chain: Chain, disclosable: list[tuple[str, ...]], **extra: Any) -> str:
    """An origin certificate the (real, accredited) ministry signed against the profile."""
    subject = chain.origin_subject()
    claims = {"jti": "urn:uuid:6a1f0c57-5d43-4b8e-9c5e-0f3b1e2a7c44", **subject, **extra}
    claims.pop("id", None)
    claims["sub"] = chain.kivu
    return issue_sd_jwt_vc(
        claims,
        identities.signer_for(chain.home, MINISTRY),
        issuer=MINISTRY,
        vct=vct_for("MineralOriginCertificate"),
        now=chain.now,
        holder_jwk=holder_key(chain.home, chain.trader),
        disclosable=disclosable,
        expires_at=chain.now + YEAR,
    ).compact


@pytest.mark.parametrize("disclosed", [True, False], ids=["disclosed", "withheld"])
def test_claim_that_must_stay_visible_hidden_behind_a_digest_rejected(
    chain: Chain, disclosed: bool
) -> None:
    token = _ministry_signed(chain, [("countryOfOrigin",), ("mass",)])
    asked = [("countryOfOrigin",)] if disclosed else []
    report = check(chain, kb_presentation(chain, token, asked))
    assert report.code == "DISCLOSURE_PROFILE_VIOLATION"
    assert "countryOfOrigin" in report.errors[0].detail


def test_digest_hidden_in_an_object_that_may_hide_nothing_rejected(chain: Chain) -> None:
    token = _ministry_signed(chain, [("exporter", "registeredId")])
    report = check(chain, kb_presentation(chain, token, [("exporter",)]))
    assert report.code == "DISCLOSURE_PROFILE_VIOLATION"


def test_registered_claim_made_disclosable_rejected(chain: Chain) -> None:
    """The format layer's rule (``status``, ``cnf``… never disclosable), end to end. (Had the
    holder withheld it, the credential would look unrevocable: a policy's ``status: required``
    catches that, see test_policy.py.)"""
    claims = {
        "iss": MINISTRY,
        "vct": vct_for("MineralOriginCertificate"),
        "iat": int(chain.now.timestamp()),
        "cnf": {"jwk": holder_key(chain.home, chain.trader)},
        "status": {"status_list": {"idx": 7, "uri": "https://registry.example/status/x-tsl"}},
        **{k: v for k, v in chain.origin_subject().items() if k != "id"},
    }
    token = issue_sd_jwt(
        claims,
        identities.signer_for(chain.home, MINISTRY),
        disclosable=[("status",)],
        typ="dc+sd-jwt",
    ).compact
    report = check(chain, kb_presentation(chain, token, [("status",)]))
    assert report.code == "CLAIM_NOT_DISCLOSABLE"


def test_wallet_refuses_a_credential_that_breaks_the_profile(chain: Chain) -> None:
    token = _ministry_signed(chain, [("countryOfOrigin",)])
    with pytest.raises(InvalidCredentialError) as caught:
        holder.receive_credential(chain.home, "trader", token, now=chain.now)
    assert caught.value.code == "DISCLOSURE_PROFILE_VIOLATION"


def test_enveloped_sd_jwt_bound_to_another_key_rejected(chain: Chain) -> None:
    """Kivu wraps the trader's SD-JWT VC in a vp+jwt it signs: the cnf key is not Kivu's."""
    issued = chain.origin_sd_jwt()
    bare = kb_presentation(chain, issued.token, [], holder_signer=None)
    vp = sign_presentation(
        [("application/dc+sd-jwt", bare)],
        identities.signer_for(chain.home, chain.kivu),
        holder=chain.kivu,
        nonce=NONCE,
        audience=chain.refinery,
        now=chain.now,
    )
    report = chain.verifier.check_presentation(
        vp, nonce=NONCE, audience=chain.refinery, now=chain.now
    )
    assert report.code == "HOLDER_BINDING_FAILED"
    assert report.errors[0].id == "key_binding"


def test_sd_jwt_presentation_is_not_accepted_as_an_issued_credential(chain: Chain) -> None:
    issued = issue_sd_jwt_credential(
        chain.home,
        issuer="customs",
        type_name="AuthorisedEconomicOperatorCredential",
        subject=chain.aeo_subject(chain.trader),
        holder=chain.trader,
        now=chain.now,
    )
    presentation = kb_presentation(chain, issued.token, [])
    with pytest.raises(InputError, match="presentation") as caught:
        holder.receive_credential(chain.home, "trader", presentation, now=chain.now)
    assert caught.value.code == "ALREADY_PRESENTED"
