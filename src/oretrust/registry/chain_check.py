"""``issuer_accredited`` against subscribed trust lists, through trust chains (pure).

The check a verifier home without a registry of its own runs once it subscribes to
registries (``oretrust trust add-registry``): the credential's issuer must be accredited for
its type and jurisdiction at its issuance time by a chain of grants leading to a pinned root
(:func:`oretrust.registry.chains.walk_chain`). The check's detail names every link (or the
broken one). Code: ``ISSUER_NOT_ACCREDITED``. No I/O: the lists were loaded and verified
when the verifier was built, and their expiry is judged at the check's ``now``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from oretrust.codes import CheckId, Code
from oretrust.registry.chains import walk_chain
from oretrust.registry.checks import IssuerJudgement, issuance_facts, self_issued_judgement
from oretrust.registry.trust_list import VerifiedTrustList
from oretrust.report import CredentialCheck, VerificationReport

__all__ = ["SUBSCRIBED_PREFIX", "judge_issuer_by_chain", "subscription_accreditation_check"]

#: The passed detail starts so, which policies read (``trust: subscribed``).
SUBSCRIBED_PREFIX = "subscribed trust lists: "
NOT_ACCREDITED = Code.ISSUER_NOT_ACCREDITED


def judge_issuer_by_chain(
    lists: Sequence[VerifiedTrustList],
    roots: Collection[str],
    credential: dict[str, Any],
    now: datetime,
) -> IssuerJudgement:
    """Judge a (signature-verified) credential's issuer through chains to ``roots``; never
    raises."""
    self_issued = self_issued_judgement(credential)
    if self_issued is not None:
        return self_issued
    facts = issuance_facts(credential)
    if isinstance(facts, IssuerJudgement):
        return facts
    issuer, issued_at = facts.issuer, facts.issued_at
    if not roots:
        return IssuerJudgement(False, NOT_ACCREDITED, "no root registry is pinned", issuer)
    details = []
    for type_name, jurisdiction in facts.scopes:
        chain = walk_chain(
            lists,
            roots,
            issuer=issuer,
            credential_type=type_name,
            jurisdiction=jurisdiction,
            at=issued_at,
            now=now,
        )
        if not chain.authorized:
            return IssuerJudgement(
                False, NOT_ACCREDITED, chain.detail, issuer, type_name, jurisdiction, issued_at
            )
        details.append(f"{type_name} on {jurisdiction} via root {chain.root}: {chain.detail}")
    return IssuerJudgement(
        True,
        "OK",
        SUBSCRIBED_PREFIX + "; ".join(details),
        issuer,
        type_name,
        jurisdiction,
        issued_at,
    )


def subscription_accreditation_check(
    lists: Sequence[VerifiedTrustList],
    roots: Collection[str],
    problems: Sequence[str] = (),
) -> CredentialCheck:
    """A required ``issuer_accredited`` check over subscribed lists; stored lists that failed
    to verify when the verifier was built (``problems``) are named in the failure detail."""
    frozen_lists, frozen_roots = tuple(lists), frozenset(roots)

    def check(credential: dict[str, Any], report: VerificationReport, now: datetime) -> None:
        judgement = judge_issuer_by_chain(frozen_lists, frozen_roots, credential, now)
        if judgement.authorized:
            report.passed(CheckId.ISSUER_ACCREDITED, judgement.detail)
        else:
            extra = f" ({'; '.join(problems)})" if problems else ""
            report.failed(CheckId.ISSUER_ACCREDITED, judgement.code, judgement.detail + extra)

    return CredentialCheck(CheckId.ISSUER_ACCREDITED, check)
