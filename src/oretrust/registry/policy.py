"""Presentation-level checks that lean on the registry: who the holder is, high-risk origins.

Both work on a presentation's :class:`~oretrust.report.VerificationReport` after
``Verifier.check_presentation`` and add to it:

* :func:`identify_holder` — when the presentation carries a ``BusinessIdentityCredential``
  (a UNTP identity anchor) about the holder's own DID, verified and issued by a register
  accredited for it, adds the passed check ``holder_identified`` ("did:… = Kivu Minerals
  SARL, CD/GOM/RCCM/14-B-1234 (RCCM)") and returns the identity; otherwise a warning.
* :func:`require_high_risk_evidence` — for every origin credential (origin certificate,
  mining licence) whose jurisdiction the registry flags conflict-affected or high-risk,
  demands a verified ``ConformityAssessmentCredential`` from an accredited auditor covering
  that jurisdiction and the same mine site; adds ``high_risk_evidence``, failing with
  ``EXTRA_EVIDENCE_REQUIRED`` and the reason.

Pure over a :class:`~oretrust.registry.sources.TrustSource`; no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from oretrust.codes import CheckId, Code
from oretrust.credentials.disclosure import jurisdiction_of
from oretrust.errors import OreTrustError
from oretrust.registry._model import JurisdictionFlag, jurisdiction_covers
from oretrust.registry.checks import judge_issuer
from oretrust.registry.sources import TrustSource
from oretrust.report import VerificationReport

__all__ = [
    "EXTRA_EVIDENCE_REQUIRED",
    "ORIGIN_TYPES",
    "HolderIdentity",
    "identify_holder",
    "require_high_risk_evidence",
]

EXTRA_EVIDENCE_REQUIRED = Code.EXTRA_EVIDENCE_REQUIRED
ANCHOR_TYPE = "BusinessIdentityCredential"
EVIDENCE_TYPE = "ConformityAssessmentCredential"
#: Credential types that say where mineral comes from.
ORIGIN_TYPES = ("MineralOriginCertificate", "MiningLicenceCredential")


@dataclass(frozen=True)
class HolderIdentity:
    """Who a holder DID is, per an accredited register's identity anchor."""

    did: str
    name: str
    registered_id: str
    id_scheme: str
    jurisdiction: str
    register: str
    credential_id: str | None

    def describe(self) -> str:
        """E.g. ``did:web:kivu.example = Kivu Minerals SARL, CD/GOM/RCCM/14-B-1234 (RCCM…)``."""
        return (
            f"{self.did} = {self.name}, {self.registered_id} ({self.id_scheme}), "
            f"per {self.register}"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON form, e.g. for an ``identity`` section beside the report."""
        return {
            "did": self.did,
            "name": self.name,
            "registered_id": self.registered_id,
            "id_scheme": self.id_scheme,
            "jurisdiction": self.jurisdiction,
            "register": self.register,
            "credential_id": self.credential_id,
        }


def identify_holder(report: VerificationReport, source: TrustSource) -> HolderIdentity | None:
    """Find an accredited identity anchor about the presentation's holder; record the result."""
    holder = report.holder
    misses: list[str] = []
    for nested in report.credentials:
        claims = nested.claims or {}
        subject = claims.get("credentialSubject")
        if ANCHOR_TYPE not in nested.types or not isinstance(subject, dict) or holder is None:
            continue
        label = nested.credential_id or "an identity anchor"
        if subject.get("id") != holder:
            misses.append(f"{label} is about {subject.get('id')}, not the holder")
        elif not nested.verified:
            misses.append(f"{label} did not verify ({nested.code})")
        else:
            judgement = judge_issuer(source, claims)
            if not judgement.authorized:
                misses.append(f"{label}: {judgement.detail}")
                continue
            scheme = subject.get("idScheme")
            identity = HolderIdentity(
                did=holder,
                name=str(subject.get("name")),
                registered_id=str(subject.get("registeredId")),
                id_scheme=str(scheme.get("name") if isinstance(scheme, dict) else scheme),
                jurisdiction=str(subject.get("jurisdiction")),
                register=str(judgement.issuer),
                credential_id=nested.credential_id,
            )
            report.passed(CheckId.HOLDER_IDENTIFIED, identity.describe())
            return identity
    why = f" ({'; '.join(misses)})" if misses else ""
    report.warnings.append(
        f"holder not identified: no identity anchor from an accredited register binds {holder}{why}"
    )
    return None


def require_high_risk_evidence(
    report: VerificationReport, source: TrustSource, *, evidence_type: str = EVIDENCE_TYPE
) -> None:
    """Demand accredited conformity evidence for origins in flagged jurisdictions (see module)."""
    flags = source.jurisdiction_flags()
    demands: list[tuple[str, str, str | None, JurisdictionFlag]] = []
    for nested in report.credentials:
        origin = _origin(nested)
        if origin is None:
            continue
        jurisdiction, site = origin
        label = nested.credential_id or "an origin credential"
        flag = next((f for f in flags if f.covers(jurisdiction)), None)
        if flag is not None:
            demands.append((label, jurisdiction, site, flag))
        inside = sorted(
            f.code
            for f in flags
            if jurisdiction_covers(jurisdiction, f.code) and f.code != jurisdiction
        )
        if flag is None and inside:
            report.warnings.append(
                f"{label} names origin {jurisdiction}, which contains flagged {', '.join(inside)}; "
                "it does not say which part"
            )
    if not demands:
        report.passed(CheckId.HIGH_RISK_EVIDENCE, "no origin in a flagged jurisdiction")
        return
    problems, grounds = [], []
    for label, jurisdiction, site, flag in demands:
        found, why = _evidence_for(report.credentials, source, evidence_type, jurisdiction, site)
        if found is None:
            problems.append(
                f"{flag.describe()}: {label} (origin {jurisdiction}) needs a {evidence_type} for "
                f"{jurisdiction}{f' covering {site}' if site else ''} "
                f"from an accredited auditor{why}"
            )
        else:
            grounds.append(f"{flag.describe()}: {found} from an accredited auditor covers {label}")
    if problems:
        report.failed(CheckId.HIGH_RISK_EVIDENCE, EXTRA_EVIDENCE_REQUIRED, "; ".join(problems))
    else:
        report.passed(CheckId.HIGH_RISK_EVIDENCE, "; ".join(grounds))


def _origin(nested: VerificationReport) -> tuple[str, str | None] | None:
    """(jurisdiction, mine site id) of an origin credential, or None."""
    claims = nested.claims or {}
    type_name = next((t for t in ORIGIN_TYPES if t in nested.types), None)
    if type_name is None:
        return None
    subject = claims.get("credentialSubject")
    try:
        jurisdiction = jurisdiction_of(type_name, subject)
    except OreTrustError:
        return None
    site = subject.get("mineSite") if isinstance(subject, dict) else None
    site_id = site.get("id") if isinstance(site, dict) else None
    return jurisdiction, site_id if isinstance(site_id, str) else None


def _evidence_for(
    credentials: Sequence[VerificationReport],
    source: TrustSource,
    evidence_type: str,
    jurisdiction: str,
    site: str | None,
) -> tuple[str | None, str]:
    """The id of acceptable evidence, or None and why the candidates fell short."""
    misses: list[str] = []
    for nested in credentials:
        if evidence_type not in nested.types or nested.claims is None:
            continue
        label = nested.credential_id or evidence_type
        if not nested.verified:  # nothing of an unverified credential is read
            misses.append(f"{label} did not verify ({nested.code})")
            continue
        judgement = judge_issuer(source, nested.claims)
        assessments, facilities = _assessed(nested.claims.get("credentialSubject"))
        if not judgement.authorized:
            misses.append(f"{label}: {judgement.detail}")
        elif judgement.jurisdiction is None or not jurisdiction_covers(
            judgement.jurisdiction, jurisdiction
        ):
            misses.append(f"{label} is about {judgement.jurisdiction}, not {jurisdiction}")
        elif site is not None and site not in facilities:
            misses.append(f"{label} does not assess {site}")
        elif any(a.get("conformance") is False for a in assessments):
            misses.append(f"{label} records a failed assessment")
        else:
            return label, ""
    return None, f" ({'; '.join(misses)})" if misses else ""


def _assessed(subject: Any) -> tuple[list[dict[str, Any]], set[str]]:
    """The assessments of a conformity subject and the facility ids they assess, reading
    only objects and string ids (whatever an issuer signed, nothing here can raise)."""
    raw = subject.get("assessment", []) if isinstance(subject, dict) else []
    assessments = [a for a in raw if isinstance(a, dict)] if isinstance(raw, list) else []
    facilities: set[str] = set()
    for assessment in assessments:
        assessed = assessment.get("assessedFacility", [])
        for entry in assessed if isinstance(assessed, list) else []:
            facility = entry.get("facility") if isinstance(entry, dict) else None
            facility_id = facility.get("id") if isinstance(facility, dict) else None
            if isinstance(facility_id, str):
                facilities.add(facility_id)
    return assessments, facilities
