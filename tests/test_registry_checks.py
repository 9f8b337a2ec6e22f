"""The verifier's ``issuer_accredited`` check, holder identification and high-risk evidence.

Every credential here carries a perfectly valid signature: what is under test is whether the
signer was entitled to issue it, for that jurisdiction, when it did.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from issuance_support import issue_past_the_registry
from oretrust import registry
from oretrust.credentials import EXAMPLES
from oretrust.demo.registry import (
    issue_from_unaccredited_ministry,
    offline_accreditation_check,
    setup_demo_registry,
)
from oretrust.formats.vc_jwt import sign_presentation
from oretrust.home import Home
from oretrust.hosted_dids import did_resolver
from oretrust.identities import add_holder, add_issuer, signer_for
from oretrust.issuer import issue_credential
from oretrust.report import VerificationReport
from oretrust.verifier import Verifier

REGISTRY = "did:web:registry.minerals-trust.example"
MINISTRY = "did:web:mines.gouv.cd.example"
REGISTER = "did:web:guichet-unique.gouv.cd.example"
AUDITOR = "did:web:mulumba-assurance.example"
ROGUE_REGISTER = "did:web:rccm-cd.example"
ROGUE_AUDITOR = "did:web:quick-audits.example"
AUDIENCE = "did:web:baltic-cathode.example"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class World:
    home: Home
    holder: str
    now: datetime

    @property
    def verifier(self) -> Verifier:
        return Verifier(
            did_resolver(self.home, allow_network=False),
            extra_checks=[registry.home_accreditation_check(self.home)],
        )

    def issue(self, issuer: str, type_name: str, subject: dict[str, Any], when: datetime) -> str:
        return issue_credential(
            self.home,
            issuer=issuer,
            type_name=type_name,
            subject=subject,
            now=when,
            valid_until=self.now + timedelta(days=365),
        ).token

    def origin(self, when: datetime, *, country: str = "CD", issuer: str = MINISTRY) -> str:
        subject = copy.deepcopy(EXAMPLES["MineralOriginCertificate"])
        subject["countryOfOrigin"] = country
        subject["exporter"]["id"] = self.holder
        return self.issue(issuer, "MineralOriginCertificate", subject, when)

    def licence(self, when: datetime) -> str:
        subject = copy.deepcopy(EXAMPLES["MiningLicenceCredential"])
        subject["holder"]["id"] = self.holder
        return self.issue(MINISTRY, "MiningLicenceCredential", subject, when)

    def anchor(self, issuer: str, when: datetime) -> str:
        subject = copy.deepcopy(EXAMPLES["BusinessIdentityCredential"])
        subject["id"] = self.holder
        return self.issue(issuer, "BusinessIdentityCredential", subject, when)

    def conformity(self, issuer: str, when: datetime, **changes: Any) -> str:
        subject = copy.deepcopy(EXAMPLES["ConformityAssessmentCredential"])
        subject["issuedToParty"]["id"] = self.holder
        subject.update(changes)
        return self.issue(issuer, "ConformityAssessmentCredential", subject, when)

    def check(self, token: str) -> VerificationReport:
        return self.verifier.check_credential(token, now=self.now)

    def present(self, *tokens: str) -> VerificationReport:
        vp = sign_presentation(
            list(tokens),
            signer_for(self.home, self.holder),
            holder=self.holder,
            nonce="n-1",
            audience=AUDIENCE,
            now=self.now,
        )
        return self.verifier.check_presentation(vp, nonce="n-1", audience=AUDIENCE, now=self.now)


@pytest.fixture
def world(tmp_path: Path, now: datetime, monkeypatch: pytest.MonkeyPatch) -> World:
    issue_past_the_registry(monkeypatch)  # the verifier is under test, not the issuance check
    home = Home.open(tmp_path, database_url=f"sqlite:///{tmp_path / 'oretrust.db'}")
    start = at("2025-12-01")
    registry.init_registry(home, did=REGISTRY, display_name="Regional Registry", now=start)
    for name, did in [
        ("ministry", MINISTRY),
        ("register", REGISTER),
        ("auditor", AUDITOR),
        ("rogue-register", ROGUE_REGISTER),
        ("rogue-auditor", ROGUE_AUDITOR),
    ]:
        add_issuer(home, name, display_name=name.title(), did=did, now=start)
    holder = add_holder(home, "kivu", display_name="Kivu Minerals SARL", now=start).did
    for entity, type_name in [
        (MINISTRY, "MineralOriginCertificate"),
        (MINISTRY, "MiningLicenceCredential"),
        (REGISTER, "BusinessIdentityCredential"),
        (AUDITOR, "ConformityAssessmentCredential"),
    ]:
        registry.accredit(
            home,
            entity,
            type_name,
            "CD",
            now=start,
            valid_from=at("2026-01-01"),
            valid_until=at("2028-01-01"),
        )
    return World(home, holder, now)


def codes(report: VerificationReport) -> set[str]:
    return {error.code for error in report.errors}


def check_of(report: VerificationReport, check_id: str) -> Any:
    return next(check for check in report.checks if check.id == check_id)


# ---------------------------------------------------------------------------- issuer_accredited
def test_accredited_issuer_passes(world: World) -> None:
    report = world.check(world.origin(at("2026-03-01")))
    assert report.verified, report.errors
    assert check_of(report, "issuer_accredited").passed


def test_unaccredited_issuer_with_valid_signature_rejected(world: World) -> None:
    token = issue_from_unaccredited_ministry(
        world.home,
        subject={
            **copy.deepcopy(EXAMPLES["MineralOriginCertificate"]),
            "exporter": {"id": world.holder, "name": "Kivu"},
        },
        holder=world.holder,
        now=at("2026-03-01"),
        valid_until=world.now + timedelta(days=30),
    )
    report = world.check(token)
    assert check_of(report, "signature").passed
    assert not report.verified
    assert report.code == "ISSUER_NOT_ACCREDITED"
    assert codes(report) == {"ISSUER_NOT_ACCREDITED"}


def test_jurisdiction_mismatch_rejected(world: World) -> None:
    report = world.check(world.origin(at("2026-03-01"), country="RW"))
    assert check_of(report, "signature").passed
    assert codes(report) == {"ISSUER_NOT_ACCREDITED"}
    assert "not on RW" in check_of(report, "issuer_accredited").detail


def test_subdivision_licence_covered_by_country_accreditation(world: World) -> None:
    report = world.check(world.licence(at("2026-03-01")))  # jurisdiction CD-LU
    assert report.verified, report.errors


def test_wrong_type_for_issuer_rejected(world: World) -> None:
    report = world.check(world.anchor(MINISTRY, at("2026-03-01")))
    assert codes(report) == {"ISSUER_NOT_ACCREDITED"}


def test_withdrawal_in_the_past_splits_credentials_at_its_effective_time(world: World) -> None:
    before = world.origin(at("2026-05-31"))
    after = world.origin(at("2026-06-02"))
    accreditation = registry.find_accreditation(
        world.home, MINISTRY, "MineralOriginCertificate", "CD"
    )
    assert world.check(after).verified  # still accredited: fraud not yet found
    registry.withdraw(
        world.home,
        accreditation.id,
        effective=at("2026-06-01"),
        reason="origin certificates sold for bribes",
        now=at("2026-11-01"),
    )
    assert world.check(before).verified
    report = world.check(after)
    assert report.code == "ISSUER_NOT_ACCREDITED"
    assert "withdrawn as of 2026-06-01T00:00:00Z" in check_of(report, "issuer_accredited").detail


def test_credential_issued_after_accreditation_expired_rejected(world: World) -> None:
    registry.accredit(
        world.home,
        MINISTRY,
        "MineralOriginCertificate",
        "RW",
        now=at("2026-01-01"),
        valid_until=at("2026-06-01"),
    )
    inside = world.origin(at("2026-05-01"), country="RW")
    outside = world.origin(at("2026-07-01"), country="RW")
    assert world.check(inside).verified  # verified now, after expiry: judged at issuance
    assert "expired" in check_of(world.check(outside), "issuer_accredited").detail


def test_credential_issued_during_suspension_rejected(world: World) -> None:
    accreditation = registry.find_accreditation(
        world.home, MINISTRY, "MineralOriginCertificate", "CD"
    )
    registry.suspend(world.home, accreditation.id, reason="audit", now=at("2026-04-01"))
    registry.reinstate(world.home, accreditation.id, now=at("2026-05-01"))
    assert world.check(world.origin(at("2026-03-15"))).verified
    assert world.check(world.origin(at("2026-04-15"))).code == "ISSUER_NOT_ACCREDITED"
    assert world.check(world.origin(at("2026-05-15"))).verified


def test_issuance_time_falls_back_to_valid_from() -> None:
    from oretrust.registry.checks import issuance_time

    assert issuance_time({"iat": 1767225600, "validFrom": "2020-01-01T00:00:00Z"}) == at(
        "2026-01-01"
    )
    assert issuance_time({"validFrom": "2026-02-01T00:00:00Z"}) == at("2026-02-01")
    assert issuance_time({"iat": True}) is None


def test_home_check_without_registry_refused(tmp_path: Path) -> None:
    from oretrust.errors import NotFoundError

    bare = Home.open(tmp_path, database_url=f"sqlite:///{tmp_path / 'oretrust.db'}")
    with pytest.raises(NotFoundError):
        registry.home_accreditation_check(bare)


# ---------------------------------------------------------------------------- identity anchors
def test_holder_identified_by_accredited_anchor(world: World) -> None:
    report = world.present(world.anchor(REGISTER, at("2026-03-01")), world.origin(at("2026-03-01")))
    assert report.verified, report.errors
    identity = registry.identify_holder(report, registry.RegistryTrustSource(world.home))
    assert identity is not None
    assert identity.name == "Kivu Minerals SARL"
    assert identity.registered_id == EXAMPLES["BusinessIdentityCredential"]["registeredId"]
    detail = check_of(report, "holder_identified").detail
    assert detail.startswith(f"{world.holder} = Kivu Minerals SARL, CD/GOM/RCCM/14-B-1234")


def test_anchor_from_unaccredited_register_only_warns(world: World) -> None:
    plain = Verifier(did_resolver(world.home, allow_network=False))  # no issuer_accredited check
    vp = sign_presentation(
        [world.anchor(ROGUE_REGISTER, at("2026-03-01"))],
        signer_for(world.home, world.holder),
        holder=world.holder,
        nonce="n",
        audience=AUDIENCE,
        now=world.now,
    )
    report = plain.check_presentation(vp, nonce="n", audience=AUDIENCE, now=world.now)
    assert report.verified
    assert registry.identify_holder(report, registry.RegistryTrustSource(world.home)) is None
    assert not any(check.id == "holder_identified" for check in report.checks)
    assert any(
        "holder not identified" in w and "holds no accreditation" in w for w in report.warnings
    )
    assert report.verified  # a warning, not a failure


# ---------------------------------------------------------------------------- high-risk evidence
def flag_lualaba(world: World) -> None:
    registry.flag_jurisdiction(
        world.home,
        "CD-LU",
        risk="high",
        source="regional risk assessment",
        as_of=at("2026-10-01").date(),
        now=at("2026-10-01"),
    )


def test_flagged_origin_without_evidence_requires_more(world: World) -> None:
    flag_lualaba(world)
    report = world.present(world.licence(at("2026-03-01")))
    registry.require_high_risk_evidence(report, registry.RegistryTrustSource(world.home))
    assert report.code == "EXTRA_EVIDENCE_REQUIRED"
    detail = check_of(report, "high_risk_evidence").detail
    assert "CD-LU is flagged high-risk (regional risk assessment, as of 2026-10-01)" in detail
    assert "ConformityAssessmentCredential" in detail


def test_flagged_origin_with_accredited_audit_passes(world: World) -> None:
    flag_lualaba(world)
    report = world.present(
        world.licence(at("2026-03-01")), world.conformity(AUDITOR, at("2026-09-20"))
    )
    registry.require_high_risk_evidence(report, registry.RegistryTrustSource(world.home))
    assert report.verified, report.errors
    assert check_of(report, "high_risk_evidence").passed


def test_audit_from_unaccredited_auditor_is_no_evidence(world: World) -> None:
    flag_lualaba(world)
    plain = Verifier(did_resolver(world.home, allow_network=False))
    vp = sign_presentation(
        [world.licence(at("2026-03-01")), world.conformity(ROGUE_AUDITOR, at("2026-09-20"))],
        signer_for(world.home, world.holder),
        holder=world.holder,
        nonce="n",
        audience=AUDIENCE,
        now=world.now,
    )
    report = plain.check_presentation(vp, nonce="n", audience=AUDIENCE, now=world.now)
    assert report.verified  # signatures are fine
    registry.require_high_risk_evidence(report, registry.RegistryTrustSource(world.home))
    assert report.code == "EXTRA_EVIDENCE_REQUIRED"
    assert ROGUE_AUDITOR in check_of(report, "high_risk_evidence").detail


def test_unflagged_origin_needs_no_evidence(world: World) -> None:
    report = world.present(world.licence(at("2026-03-01")))
    registry.require_high_risk_evidence(report, registry.RegistryTrustSource(world.home))
    assert report.verified
    assert check_of(report, "high_risk_evidence").passed


def test_country_origin_warns_about_flagged_subdivisions(world: World) -> None:
    report = world.present(world.origin(at("2026-03-01")))  # countryOfOrigin CD; CD-NK etc. flagged
    registry.require_high_risk_evidence(report, registry.RegistryTrustSource(world.home))
    assert report.verified
    assert any("contains flagged CD-IT, CD-NK, CD-SK" in warning for warning in report.warnings)


# ---------------------------------------------------------------------------- demo helpers
def test_demo_support_rejects_unaccredited_ministry_offline(
    tmp_path: Path, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    issue_past_the_registry(monkeypatch)  # the rogue shares the registry's home here
    home = Home.open(tmp_path, database_url=f"sqlite:///{tmp_path / 'oretrust.db'}")
    for name, did in [
        ("ministry", MINISTRY),
        ("customs", "did:web:douanes.example"),
        ("register", REGISTER),
    ]:
        add_issuer(home, name, display_name=name, did=did, now=now)
    holder = add_holder(home, "kivu", display_name="Kivu", now=now).did
    made = setup_demo_registry(
        home,
        tmp_path,
        now=now,
        ministry=MINISTRY,
        customs="did:web:douanes.example",
        business_register=REGISTER,
    )
    assert made.trust_list.is_file() and made.did_document.is_file()
    assert len(made.accreditations) == 4
    subject = copy.deepcopy(EXAMPLES["MineralOriginCertificate"])
    subject["exporter"]["id"] = holder
    honest = issue_credential(
        home, issuer="ministry", type_name="MineralOriginCertificate", subject=subject, now=now
    ).token
    rogue = issue_from_unaccredited_ministry(
        home, subject=subject, holder=holder, now=now, out_dir=tmp_path
    )
    offline = Verifier(
        did_resolver(home, allow_network=False),
        extra_checks=[offline_accreditation_check(tmp_path, now=now)],
    )
    assert offline.check_credential(honest, now=now).verified
    report = offline.check_credential(rogue, now=now)
    assert check_of(report, "signature").passed
    assert report.code == "ISSUER_NOT_ACCREDITED"
    assert (tmp_path / "did" / "rogue-ministry.json").is_file()
