"""Apply a :class:`~oretrust.policy.Policy` to a checked presentation (internal).

Works on the :class:`~oretrust.report.VerificationReport` of a presentation (vp+jwt, whose
entries may be vc+jwt or dc+sd-jwt, or one SD-JWT+KB) after the verifier ran, and adds one
check per requirement, so the report explains which requirement failed:

* ``policy:<requirement>`` — ``POLICY_CREDENTIAL_MISSING`` (none of that type presented),
  ``POLICY_CREDENTIAL_REVOKED`` / ``POLICY_CREDENTIAL_SUSPENDED``,
  ``POLICY_ISSUER_NOT_ACCREDITED`` (per the trust registry, at issuance time),
  ``POLICY_CREDENTIAL_INVALID`` (failed another check), ``POLICY_STATUS_REQUIRED`` (no status
  entry: it could never be revoked), ``POLICY_CREDENTIAL_TOO_OLD``,
  ``POLICY_SUBJECT_NOT_HOLDER``, ``POLICY_CLAIM_NOT_DISCLOSED`` (a claim the verifier needs
  was withheld);
* ``policy:<link>`` — ``POLICY_LINK_MISMATCH`` (compared when both requirements are met);
* ``policy:identity-anchor`` — ``POLICY_HOLDER_NOT_IDENTIFIED``
  (:func:`oretrust.registry.policy.identify_holder`);
* ``policy:high-risk-evidence`` — ``EXTRA_EVIDENCE_REQUIRED``
  (:func:`oretrust.registry.policy.require_high_risk_evidence`);
* ``policy:trust`` (``trust: subscribed``) — ``POLICY_TRUST_NOT_SUBSCRIBED`` when a
  credential the policy needs accredited was not judged against subscribed trust lists;
* ``policy:status-age`` (``max_status_age``) — ``POLICY_STATUS_TOO_OLD`` when a status list
  the verifier read (``report.status_lists``, nested reports included, whatever its source:
  home, HTTPS, cache or an offline bundle) was signed longer ago than that, or at an
  unknown time;
* ``policy:site-certified-at-extraction`` (``site_certified_at_extraction``) —
  ``SITE_NOT_CERTIFIED`` (:mod:`oretrust.policy._site`).

A credential whose verifier already judged ``issuer_accredited`` against subscribed trust
lists (through a chain to a pinned root) is taken as accredited by that judgement.

Pure over a :class:`~oretrust.registry.sources.TrustSource`; ``now`` is a parameter.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from oretrust.codes import CheckId, Code
from oretrust.errors import InputError, OreTrustError
from oretrust.policy._freshness import status_age_check
from oretrust.policy._model import CredentialRequirement, Link, Policy
from oretrust.policy._site import site_certified_check
from oretrust.registry.chain_check import SUBSCRIBED_PREFIX
from oretrust.registry.checks import NOT_ACCREDITED, issuance_time, judge_issuer
from oretrust.registry.policy import (
    EXTRA_EVIDENCE_REQUIRED,
    identify_holder,
    require_high_risk_evidence,
)
from oretrust.registry.sources import TrustSource
from oretrust.report import Check, VerificationReport
from oretrust.status.check import status_references

__all__ = [
    "EXTRA_EVIDENCE_REQUIRED",
    "POLICY_CLAIM_NOT_DISCLOSED",
    "POLICY_CREDENTIAL_INVALID",
    "POLICY_CREDENTIAL_MISSING",
    "POLICY_CREDENTIAL_REVOKED",
    "POLICY_CREDENTIAL_SUSPENDED",
    "POLICY_CREDENTIAL_TOO_OLD",
    "POLICY_HOLDER_NOT_IDENTIFIED",
    "POLICY_ISSUER_NOT_ACCREDITED",
    "POLICY_LINK_MISMATCH",
    "POLICY_STATUS_REQUIRED",
    "POLICY_SUBJECT_NOT_HOLDER",
    "evaluate_policy",
]

POLICY_CREDENTIAL_MISSING = Code.POLICY_CREDENTIAL_MISSING
POLICY_CREDENTIAL_REVOKED = Code.POLICY_CREDENTIAL_REVOKED
POLICY_CREDENTIAL_SUSPENDED = Code.POLICY_CREDENTIAL_SUSPENDED
POLICY_CREDENTIAL_INVALID = Code.POLICY_CREDENTIAL_INVALID
POLICY_ISSUER_NOT_ACCREDITED = Code.POLICY_ISSUER_NOT_ACCREDITED
POLICY_STATUS_REQUIRED = Code.POLICY_STATUS_REQUIRED
POLICY_CREDENTIAL_TOO_OLD = Code.POLICY_CREDENTIAL_TOO_OLD
POLICY_SUBJECT_NOT_HOLDER = Code.POLICY_SUBJECT_NOT_HOLDER
POLICY_CLAIM_NOT_DISCLOSED = Code.POLICY_CLAIM_NOT_DISCLOSED
POLICY_LINK_MISMATCH = Code.POLICY_LINK_MISMATCH
POLICY_HOLDER_NOT_IDENTIFIED = Code.POLICY_HOLDER_NOT_IDENTIFIED

_Problem = tuple[str, str]


def evaluate_policy(
    policy: Policy, report: VerificationReport, *, trust_source: TrustSource, now: datetime
) -> list[Check]:
    """Add the ``policy:*`` checks of ``policy`` to a presentation ``report``; return them.

    Raises InputError ``POLICY_NEEDS_PRESENTATION`` for a credential report: a policy speaks
    of a holder and a challenge, which only a presentation has.
    """
    if report.kind != "presentation":
        raise InputError(
            "a verifier policy applies to presentations (a vp+jwt, or an SD-JWT+KB)",
            code=Code.POLICY_NEEDS_PRESENTATION,
        )
    before = len(report.checks)
    chosen: dict[str, VerificationReport] = {}
    for requirement in policy.requirements:
        met = _requirement(requirement, report, trust_source, now)
        if met is not None:
            chosen[requirement.name] = met
    for link in policy.links:
        _link(link, chosen, report)
    if policy.identity_anchor:
        _identity(report, trust_source)
    if policy.high_risk_evidence:
        _high_risk(report, trust_source)
    if policy.trust_subscribed:
        _subscribed(policy, chosen, report)
    if policy.max_status_age is not None:
        status_age_check(policy.max_status_age, report)
    if policy.site_certified_at_extraction:
        site_certified_check(report, trust_source)
    return report.checks[before:]


def _requirement(
    requirement: CredentialRequirement,
    report: VerificationReport,
    source: TrustSource,
    now: datetime,
) -> VerificationReport | None:
    check_id = f"policy:{requirement.name}"
    candidates = [nested for nested in report.credentials if requirement.type in nested.types]
    if not candidates:
        report.failed(check_id, POLICY_CREDENTIAL_MISSING, f"no {requirement.type} was presented")
        return None
    candidates.sort(key=lambda nested: not nested.verified)
    problems: list[_Problem] = []
    for nested in candidates:
        problem = _judge(requirement, nested, report.holder, source, now)
        if problem is None:
            report.passed(check_id, _satisfied(requirement, nested))
            return nested
        problems.append(problem)
    code, detail = problems[0]
    report.failed(check_id, code, detail)
    return None


def _judge(
    requirement: CredentialRequirement,
    nested: VerificationReport,
    holder: str | None,
    source: TrustSource,
    now: datetime,
) -> _Problem | None:
    """The first reason ``nested`` does not meet ``requirement``, or None."""
    label = f"{requirement.type} {nested.credential_id or ''}".strip()
    if not nested.verified:
        codes = {error.code: error for error in nested.errors}
        if "REVOKED" in codes or "SUSPENDED" in codes:
            state = "REVOKED" if "REVOKED" in codes else "SUSPENDED"
            return f"POLICY_CREDENTIAL_{state}", f"{label} is {state.lower()} by its issuer"
        if NOT_ACCREDITED in codes:
            return POLICY_ISSUER_NOT_ACCREDITED, f"{label}: {codes[NOT_ACCREDITED].detail}"
        return POLICY_CREDENTIAL_INVALID, f"{label} did not verify ({nested.code})"
    claims = nested.claims or {}
    if requirement.accredited_issuer and not _judged_by_subscription(nested):
        judgement = judge_issuer(source, claims)
        if not judgement.authorized:
            return POLICY_ISSUER_NOT_ACCREDITED, f"{label}: {judgement.detail}"
    if requirement.status_required:
        problem = _status(nested, claims, label)
        if problem is not None:
            return problem
    if requirement.max_age_days is not None:
        issued = issuance_time(claims)
        limit = timedelta(days=requirement.max_age_days)
        if issued is None or now - issued > limit:
            when = issued.date().isoformat() if issued else "an unknown time"
            return (
                POLICY_CREDENTIAL_TOO_OLD,
                f"{label} was issued {when}, more than {requirement.max_age_days} days ago",
            )
    subject = claims.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    if requirement.about_holder and (holder is None or subject.get("id") != holder):
        return POLICY_SUBJECT_NOT_HOLDER, f"{label} is about {subject.get('id')}, not {holder}"
    missing = [".".join(path) for path in requirement.disclose if _value(subject, path) is None]
    if missing:
        return (
            POLICY_CLAIM_NOT_DISCLOSED,
            f"{label} does not disclose {', '.join(missing)}, which this verifier requires",
        )
    return None


#: Bitstring status purposes a verifier acts on (a ``message`` entry revokes nothing).
_ACTED_ON = frozenset({"revocation", "suspension"})


def _judged_by_subscription(nested: VerificationReport) -> bool:
    """True if the verifier passed ``issuer_accredited`` against subscribed trust lists."""
    return any(
        check.id == CheckId.ISSUER_ACCREDITED
        and check.passed
        and check.detail.startswith(SUBSCRIBED_PREFIX)
        for check in nested.checks
    )


def _subscribed(
    policy: Policy, chosen: dict[str, VerificationReport], report: VerificationReport
) -> None:
    """``policy:trust``: every credential the policy needs accredited was judged so."""
    needed = [r for r in policy.requirements if r.accredited_issuer and r.name in chosen]
    missing = [r.name for r in needed if not _judged_by_subscription(chosen[r.name])]
    if missing:
        report.failed(
            "policy:trust",
            Code.POLICY_TRUST_NOT_SUBSCRIBED,
            f"accreditation of {', '.join(missing)} was not judged against a subscribed trust "
            "list (oretrust trust add-registry)",
        )
    else:
        report.passed("policy:trust", "accreditation judged against subscribed trust lists")


def _status(nested: VerificationReport, claims: dict[str, Any], label: str) -> _Problem | None:
    try:
        references = list(status_references(claims))
    except OreTrustError:
        references = []
    actionable = [r for r in references if r.format == "token" or r.purpose in _ACTED_ON]
    if not actionable:
        return POLICY_STATUS_REQUIRED, f"{label} carries no status entry: it can never be revoked"
    if not any(check.id == "status" and check.passed for check in nested.checks):
        return POLICY_STATUS_REQUIRED, f"{label}: the verifier did not check its status"
    return None


def _satisfied(requirement: CredentialRequirement, nested: VerificationReport) -> str:
    shown = ", ".join(".".join(path) for path in requirement.disclose) or "no particular claims"
    return (
        f"{requirement.type} {nested.credential_id} from {nested.issuer}: verified, "
        f"discloses {shown}"
    )


def _link(link: Link, chosen: dict[str, VerificationReport], report: VerificationReport) -> None:
    check_id = f"policy:{link.name}"
    values = []
    for requirement, path in (link.left, link.right):
        nested = chosen.get(requirement)
        if nested is None:
            return  # the unmet requirement has failed already; there is nothing to compare
        subject = (nested.claims or {}).get("credentialSubject")
        values.append(_value(subject if isinstance(subject, dict) else {}, path))
    left = f"{link.left[0]}.{'.'.join(link.left[1])}"
    right = f"{link.right[0]}.{'.'.join(link.right[1])}"
    if values[0] is None or values[0] != values[1]:
        report.failed(
            check_id, POLICY_LINK_MISMATCH, f"{left} ({values[0]!r}) != {right} ({values[1]!r})"
        )
    else:
        report.passed(check_id, f"{left} = {right} = {values[0]!r}")


def _identity(report: VerificationReport, source: TrustSource) -> None:
    scratch = VerificationReport(
        kind="presentation", holder=report.holder, credentials=report.credentials
    )
    identity = identify_holder(scratch, source)
    if identity is not None:
        report.passed("policy:identity-anchor", identity.describe())
    else:
        why = scratch.warnings[-1] if scratch.warnings else "no identity anchor"
        report.failed("policy:identity-anchor", POLICY_HOLDER_NOT_IDENTIFIED, why)


def _high_risk(report: VerificationReport, source: TrustSource) -> None:
    scratch = VerificationReport(
        kind="presentation", holder=report.holder, credentials=report.credentials
    )
    require_high_risk_evidence(scratch, source)
    report.warnings.extend(scratch.warnings)
    for check in scratch.checks:
        report.add("policy:high-risk-evidence", check.passed, check.code, check.detail)


def _value(node: Any, path: tuple[str, ...]) -> Any:
    for step in path:
        if not isinstance(node, dict) or step not in node:
            return None
        node = node[step]
    return node
