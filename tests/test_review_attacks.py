"""Attacks found in a review of the verifier: each test asserts the behaviour the verifier should
have (so it fails until the fix lands). Genuine inputs come from :mod:`chain`; forgeries are
signed by an attacker's own did:jwk key or, where the finding is about what an issuer may sign,
with a genuine issuer's key outside oretrust's issuing path."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chain import AUDITOR, Chain
from conftest import run_oretrust
from oretrust import identities, registry
from oretrust.credentials import EXAMPLES, get_credential_type
from oretrust.did import create_did_jwk
from oretrust.formats.jws import parse_compact, sign_compact
from oretrust.formats.vc_jwt import sign_credential, sign_presentation
from oretrust.keys import LocalSigner, generate_private_key
from oretrust.policy import evaluate_policy, load_policy, parse_policy
from oretrust.registry.flags import flag_jurisdiction
from oretrust.registry.sources import RegistryTrustSource
from oretrust.report import VerificationReport

NONCE = "n-review-1"
REFINERY = load_policy("refinery-supplier")


@pytest.fixture
def chain(tmp_path: Path, now: datetime) -> Iterator[Chain]:
    built = Chain.build(tmp_path / "home", now)
    yield built
    built.home.engine.dispose()


def attacker_signer() -> tuple[LocalSigner, str]:
    """A fresh key and its did:jwk, with the signer's kid set to the DID URL."""
    signer = LocalSigner(generate_private_key(), "")
    did = create_did_jwk(signer.public_jwk)
    return LocalSigner(signer.private_key, f"{did}#0"), did


def vc_document(type_name: str, issuer: str, subject: Any, **extra: Any) -> dict[str, Any]:
    """An unsigned credential of an oretrust type with ``subject`` as given (not normalised)."""
    ctype = get_credential_type(type_name)
    document: dict[str, Any] = {
        "@context": list(ctype.contexts),
        "id": "urn:uuid:6f1c1a40-0000-4000-8000-000000000001",
        "type": list(ctype.types),
        "issuer": {"id": issuer, "name": "Anyone"},
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2030-01-01T00:00:00Z",
        "credentialSubject": subject,
    }
    document.update(extra)
    return document


def vp(chain: Chain, tokens: list[str], *, signer_did: str | None = None, **payload: Any) -> str:
    """A vp+jwt the trader (or ``signer_did``) signs over ``tokens`` for the refinery."""
    did = signer_did or chain.trader
    entries = [
        ("application/dc+sd-jwt", t.split("~")[0] + "~") if "~" in t else ("application/vc+jwt", t)
        for t in tokens
    ]
    return sign_presentation(
        entries,
        identities.signer_for(chain.home, did),
        holder=did,
        nonce=NONCE,
        audience=chain.refinery,
        now=chain.now,
    )


def check_vp(chain: Chain, token: str) -> VerificationReport:
    return chain.verifier.check_presentation(
        token, nonce=NONCE, audience=chain.refinery, now=chain.now
    )


def resign_vp(chain: Chain, token: str, **changes: Any) -> str:
    """Re-sign ``token``'s payload with ``changes`` under the same holder's key."""
    payload = parse_compact(token).unverified_payload()
    payload.update(changes)
    signer = identities.signer_for(chain.home, payload["holder"])
    return sign_compact({"typ": "vp+jwt", "cty": "vp"}, json.dumps(payload).encode(), signer)


# ----------------------------------------------------------------- 1. policy evaluation crash
HOSTILE_ASSESSMENTS = {
    "facility-a-string": [{"assessedFacility": [{"facility": "site"}]}],
    "facility-id-a-list": [{"assessedFacility": [{"facility": {"id": ["unhashable"]}}]}],
    "assessed-facility-a-number": [{"assessedFacility": 7}],
    "assessment-a-number": 7,
}


def forged_conformity(assessment: Any, **extra: Any) -> str:
    """A ConformityAssessmentCredential signed by an attacker's did:jwk (never accredited)."""
    signer, did = attacker_signer()
    subject = {"id": "https://evidence.example/1", "assessment": assessment}
    document = vc_document("ConformityAssessmentCredential", did, subject, **extra)
    return sign_credential(document, signer, now=datetime(2026, 11, 23, 11, 59))


def flag_cd(chain: Chain) -> None:
    flag_jurisdiction(
        chain.home, "CD", risk="high", source="review", as_of=chain.now.date(), now=chain.now
    )


@pytest.mark.parametrize("assessment", HOSTILE_ASSESSMENTS.values(), ids=list(HOSTILE_ASSESSMENTS))
def test_policy_high_risk_evidence_with_a_hostile_forged_conformity_does_not_crash(
    chain: Chain, assessment: Any
) -> None:
    """An attacker's own conformity credential (signature valid under its did:jwk, nothing
    else) with a hostile ``assessment`` crashes ``evaluate_policy``: ``_evidence_for`` reads
    the claims of credentials that did not verify."""
    flag_cd(chain)
    origin = chain.vc("ministry-of-mines", "MineralOriginCertificate", chain.origin_subject())
    report = check_vp(chain, vp(chain, [origin.token, forged_conformity(assessment)]))
    evaluate_policy(REFINERY, report, trust_source=RegistryTrustSource(chain.home), now=chain.now)
    assert not report.verified
    assert any(c.id == "policy:high-risk-evidence" and not c.passed for c in report.checks)


def test_policy_high_risk_evidence_with_an_unreadable_iat_does_not_crash(chain: Chain) -> None:
    """``iat`` 1e300 is a finite JSON number: ``issuance_time`` overflows in ``judge_issuer``
    (documented "never raises"), called by ``_evidence_for`` before it looks at ``verified``."""
    flag_cd(chain)
    origin = chain.vc("ministry-of-mines", "MineralOriginCertificate", chain.origin_subject())
    signer, did = attacker_signer()
    subject = copy.deepcopy(EXAMPLES["ConformityAssessmentCredential"])
    document = vc_document("ConformityAssessmentCredential", did, subject)
    payload = {**document, "iss": did, "iat": 1e300}
    forged = sign_compact({"typ": "vc+jwt", "cty": "vc"}, json.dumps(payload).encode(), signer)
    report = check_vp(chain, vp(chain, [origin.token, forged]))
    evaluate_policy(REFINERY, report, trust_source=RegistryTrustSource(chain.home), now=chain.now)
    assert not report.verified


def test_cli_verify_with_policy_and_a_hostile_forged_conformity_exits_1(
    chain: Chain, tmp_path: Path
) -> None:
    flag_cd(chain)
    origin = chain.vc("ministry-of-mines", "MineralOriginCertificate", chain.origin_subject())
    forged = forged_conformity([{"assessedFacility": [{"facility": "x"}]}])
    token = vp(chain, [origin.token, forged])
    file = tmp_path / "vp.jwt"
    file.write_text(token)
    result = run_oretrust(
        "verify",
        str(file),
        "--nonce",
        NONCE,
        "--audience",
        chain.refinery,
        "--policy",
        "refinery-supplier",
        "--at",
        chain.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "--json",
        "--home",
        str(chain.home.path),
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert json.loads(result.stdout)["verified"] is False


# ----------------------------------------------------------------- 2. iat in the future
def test_credential_signed_with_a_future_iat_by_a_not_yet_accredited_issuer_is_refused(
    chain: Chain,
) -> None:
    """An issuer accredited only from next month signs today with ``iat`` = next month (and a
    past ``validFrom``): accreditation is judged at the stated ``iat``, nothing refuses an
    ``iat`` in the future, and the credential verifies today."""
    future = chain.now + timedelta(days=30)
    identities.add_issuer(
        chain.home, "new-ministry", display_name="New", did="did:web:new.example", now=chain.now
    )
    registry.accredit(
        chain.home,
        "did:web:new.example",
        "MineralOriginCertificate",
        "CD",
        now=chain.now,
        valid_from=future,
        valid_until=future + timedelta(days=365),
        reason="starts next month",
    )
    ctype = get_credential_type("MineralOriginCertificate")
    document = vc_document(
        "MineralOriginCertificate",
        "did:web:new.example",
        ctype.validate_subject(chain.origin_subject()),
        validFrom="2026-11-01T00:00:00Z",
    )
    token = sign_credential(
        document, identities.signer_for(chain.home, "did:web:new.example"), now=future
    )
    report = chain.verifier.check_credential(token, now=chain.now)
    assert not report.verified, report.to_dict()["checks"]


def test_policy_max_age_is_not_met_by_an_iat_in_the_future(chain: Chain) -> None:
    """``max_age_days`` computes ``now - iat``: a credential dated in the future is never too
    old. The ministry (accredited) signs an origin certificate with ``iat`` ten years ahead."""
    ctype = get_credential_type("MineralOriginCertificate")
    ministry = "did:web:mines.gouv.cd.example"
    document = vc_document(
        "MineralOriginCertificate", ministry, ctype.validate_subject(chain.origin_subject())
    )
    token = sign_credential(
        document, identities.signer_for(chain.home, ministry), now=chain.now + timedelta(days=700)
    )
    policy = parse_policy(
        {
            "name": "fresh-origin",
            "credentials": {
                "origin": {
                    "type": "MineralOriginCertificate",
                    "max_age_days": 7,
                    "status": "optional",
                }
            },
            "identity_anchor": "optional",
            "high_risk_evidence": "not-required",
        }
    )
    report = check_vp(chain, vp(chain, [token]))
    evaluate_policy(policy, report, trust_source=RegistryTrustSource(chain.home), now=chain.now)
    assert not report.verified, report.to_dict()["checks"]


# ----------------------------------------------------------------- 3. status: required
def test_policy_status_required_is_not_met_by_a_status_entry_nobody_checks(chain: Chain) -> None:
    """A ``credentialStatus`` of purpose ``message`` (skipped by the status check, with a
    warning) satisfies ``status: required``: the credential can never be revoked, which is
    what ``POLICY_STATUS_REQUIRED`` exists to catch."""
    ctype = get_credential_type("MineralOriginCertificate")
    ministry = "did:web:mines.gouv.cd.example"
    document = vc_document(
        "MineralOriginCertificate",
        ministry,
        ctype.validate_subject(chain.origin_subject()),
        credentialStatus={
            "id": "https://status.example/1#7",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "message",
            "statusListIndex": "7",
            "statusListCredential": "https://status.example/1",
            "statusSize": 1,
        },
    )
    token = sign_credential(document, identities.signer_for(chain.home, ministry), now=chain.now)
    policy = parse_policy(
        {
            "name": "revocable-origin",
            "credentials": {"origin": {"type": "MineralOriginCertificate"}},
            "identity_anchor": "optional",
            "high_risk_evidence": "not-required",
        }
    )
    report = check_vp(chain, vp(chain, [token]))
    evaluate_policy(policy, report, trust_source=RegistryTrustSource(chain.home), now=chain.now)
    codes = {c.id: c.code for c in report.checks}
    assert codes["policy:origin"] == "POLICY_STATUS_REQUIRED", report.to_dict()["checks"]


# ----------------------------------------------------------------- 4. holder binding
def test_conformity_assessment_issued_to_kivu_presented_by_the_trader_is_not_bound(
    chain: Chain,
) -> None:
    """Holder binding reads only ``credentialSubject.id``; a conformity assessment's subject id
    is the attestation's URL, its party is ``issuedToParty``. The auditor's genuine vc+jwt
    issued to Kivu, presented by the trader, verifies without even a forwarding warning."""
    subject = copy.deepcopy(EXAMPLES["ConformityAssessmentCredential"])
    subject["issuedToParty"] = {"id": chain.kivu, "name": "Kivu Minerals SARL"}
    evidence = chain.vc("auditor", "ConformityAssessmentCredential", subject)
    assert evidence.issuer == AUDITOR
    report = check_vp(chain, vp(chain, [evidence.token]))
    binding = next(c for c in report.checks if c.id == "holder_binding")
    forwarded = [w for w in report.to_dict()["warnings"] if "forwarded" in w]
    assert not report.verified or forwarded, (binding, report.to_dict()["warnings"])


def test_aeo_without_a_subject_id_cannot_be_presented_by_anyone(chain: Chain) -> None:
    """The AEO schema fills ``id`` from ``operator.id`` when it is absent, so a subject without
    ``id`` passes ``schema``; holder binding then sees no subject DID and lets anyone present
    Kivu's AEO status (signed by customs outside oretrust's issuer, which normalises)."""
    customs = "did:web:douanes.gouv.cd.example"
    subject = chain.aeo_subject(chain.kivu)
    assert "id" not in subject
    document = vc_document("AuthorisedEconomicOperatorCredential", customs, subject)
    token = sign_credential(document, identities.signer_for(chain.home, customs), now=chain.now)
    alone = chain.verifier.check_credential(token, now=chain.now)
    assert alone.verified, alone.to_dict()["errors"]  # a genuine credential, as signed
    report = check_vp(chain, vp(chain, [token]))
    codes = {c.id: c.code for c in report.checks}
    assert codes["holder_binding"] == "HOLDER_BINDING_FAILED", report.to_dict()["checks"]


def test_vp_whose_iss_is_another_party_than_its_holder_is_refused(chain: Chain) -> None:
    """vc+jwt refuses ``iss`` != issuer (``ISSUER_MISMATCH``); a vp+jwt signed by the trader
    whose JWT ``iss`` names Kivu verifies (holder binding reads ``holder`` only)."""
    anchor = chain.vc(
        "business-register", "BusinessIdentityCredential", chain.anchor_subject(chain.trader)
    )
    token = resign_vp(chain, vp(chain, [anchor.token]), iss=chain.kivu)
    report = check_vp(chain, token)
    assert not report.verified, report.to_dict()["checks"]
