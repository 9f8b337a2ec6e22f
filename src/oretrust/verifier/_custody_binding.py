"""Holder binding, with the chain of custody.

A credential about a party must be presented by that party — except for the documents that
travel with a lot: a trader may present the mine's origin certificate (and the custody events
that moved the lot, and the mining licence it was mined under) only when the custody chain in
the same presentation ends in the trader's hands. That chain is judged as
:func:`oretrust.custody.judge_links` judges one — connected, in order, in balance — and
recorded as the ``custody_chain`` check. An SD-JWT VC the issuer bound (``cnf``) to the
presenter's own key is the presenter's by the issuer's word.

**Commercial confidentiality.** A buyer need not see the trader's suppliers: a verified
``ChainAttestationCredential`` (its issuer accredited for it, as its own report checks) that
names the presenter as holder and an origin certificate by its SHA-256 carries that origin to
the presenter in place of the custody events; ``custody_chain`` then passes "attested by" the
attesting institution. An attestation naming another holder is about another party, and one
naming another digest carries nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Set
from datetime import datetime
from typing import Any

from oretrust.codes import CheckId, Code
from oretrust.custody import (
    CHAIN_TYPES,
    ChainReport,
    credential_digest,
    derived_digests,
    judge_links,
    single_subject,
)
from oretrust.report import VerificationReport
from oretrust.verifier._presentation import parties_of

__all__ = ["check_holder_binding"]

#: The parties a credential is about (:func:`parties_of`).
Parties = Callable[[VerificationReport], set[str]]

ORIGIN, LICENCE, ATTESTATION = (
    "MineralOriginCertificate",
    "MiningLicenceCredential",
    "ChainAttestationCredential",
)
#: The documents that move a lot on: custody events and period accounts.
MOVES = CHAIN_TYPES - {ORIGIN}


def check_holder_binding(
    holder: str,
    report: VerificationReport,
    forwardable_types: frozenset[str],
    now: datetime,
    *,
    key_bound: bool = False,
) -> None:
    """Record ``holder_binding`` (and ``custody_chain`` when a chain is carried or needed).

    ``key_bound``: an SD-JWT+KB, whose presenter is by construction whoever holds the key
    the issuer bound the credential to (the KB-JWT check proves it) — enough for a document
    that travels with a lot, not for one about a party (an AEO status is its operator's)."""
    parties = _memo(parties_of)  # a subject's parties are parsed once per check
    if key_bound:
        _check_key_bound(holder, report, forwardable_types, parties)
        return
    attested = _attested(holder, report, parties)
    chain = _chain(holder, report, now, attested.keys(), parties)
    broken = [n for n in report.credentials if CHAIN_TYPES & set(n.types) and not n.verified]
    if chain is not None and broken:
        # The chain rests on a document that fails on its own (revoked, forged): say so with
        # that document's code rather than judge half a chain.
        report.failed(
            CheckId.HOLDER_BINDING,
            broken[0].code,
            f"the lot's custody rests on {broken[0].credential_id}, which does not verify "
            f"({broken[0].code})",
        )
        return
    by_attestation = {
        str(nested.credential_id): attested[credential_digest(nested.token)]
        for nested in report.credentials
        if ORIGIN in nested.types and nested.token and credential_digest(nested.token) in attested
    }
    carried = (chain.held_by(holder) if chain is not None else set()) | set(by_attestation)
    in_hand = {
        _subject(nested).get("licenceNumber")
        for nested in report.credentials
        if ORIGIN in nested.types and _held(nested, holder, carried, parties)
    }
    problems: list[str] = []
    travelling = False
    for nested in report.credentials:
        if _held(nested, holder, carried, parties) or not parties(nested):
            continue
        if LICENCE in nested.types and _subject(nested).get("licenceNumber") in in_hand:
            continue  # the licence the lot in hand was mined under
        moves = bool((forwardable_types | MOVES) & set(nested.types))
        travelling |= moves
        problems.append(
            f"{nested.credential_id} is about {', '.join(sorted(parties(nested)))}, "
            f"not {holder}"
            + ("; no custody chain in the presentation ends with the presenter" if moves else "")
        )
    if chain is not None:
        _record_chain(chain, report)
    elif by_attestation:
        by = ", ".join(sorted(set(by_attestation.values())))
        report.passed(CheckId.CUSTODY_CHAIN, f"attested by {by}")
    if problems:
        code = Code.CUSTODY_NOT_LAST_BUYER if travelling else Code.HOLDER_BINDING_FAILED
        report.failed(CheckId.HOLDER_BINDING, code, "; ".join(problems))
    else:
        report.passed(CheckId.HOLDER_BINDING, f"signed by the holder {holder}")


def _check_key_bound(
    holder: str, report: VerificationReport, forwardable_types: frozenset[str], parties: Parties
) -> None:
    strangers = [
        nested.credential_id
        for nested in report.credentials
        if parties(nested)
        and holder not in parties(nested)
        and not forwardable_types & set(nested.types)
    ]
    if strangers:
        report.failed(
            CheckId.HOLDER_BINDING,
            Code.HOLDER_BINDING_FAILED,
            f"{', '.join(str(s) for s in strangers)} is about another party than {holder}",
        )
    else:
        report.passed(CheckId.HOLDER_BINDING, f"key-bound by its issuer to {holder}")


def _attested(holder: str, report: VerificationReport, parties: Parties) -> dict[str, str]:
    """The origin digests that verified chain attestations issued to ``holder`` carry to it,
    each with the attesting issuer."""
    attested: dict[str, str] = {}
    for nested in report.credentials:
        if ATTESTATION not in nested.types or not nested.verified:
            continue
        subject = _subject(nested)
        if subject.get("holder") != holder or holder not in parties(nested):
            continue
        for origin in subject.get("origins", []):
            if isinstance(origin, dict) and isinstance(origin.get("sha256"), str):
                attested[origin["sha256"]] = nested.issuer or "an unnamed issuer"
    return attested


def _chain(
    holder: str,
    report: VerificationReport,
    now: datetime,
    attested: Set[str],
    parties: Parties,
) -> ChainReport | None:
    """The carried chain, judged: the custody events, the origin certificates they derive
    from and any origin certificate forwarded without its own binding to the presenter (nor
    an attestation carrying it to the presenter); None when there are none."""
    events = [nested for nested in report.credentials if MOVES & set(nested.types)]
    referenced = {sha for nested in events for sha in derived_digests(nested.claims or {})}
    links = events + [
        nested
        for nested in report.credentials
        if ORIGIN in nested.types
        and nested.token
        and (
            credential_digest(nested.token) in referenced
            or not (
                _held(nested, holder, frozenset(), parties)
                or credential_digest(nested.token) in attested
            )
        )
    ]
    return judge_links(links, now=now, holder=holder) if links else None


def _held(nested: VerificationReport, holder: str, carried: Set[str], parties: Parties) -> bool:
    """In the presenter's hands: about it, bound by its issuer to its key, or carried to it
    by the custody chain."""
    return holder in parties(nested) or _key_bound(nested) or nested.credential_id in carried


def _memo(read: Parties) -> Parties:
    """``read`` remembered per report object for one holder-binding check."""
    seen: dict[int, set[str]] = {}

    def remembered(nested: VerificationReport) -> set[str]:
        if id(nested) not in seen:
            seen[id(nested)] = read(nested)
        return seen[id(nested)]

    return remembered


def _record_chain(chain: ChainReport, report: VerificationReport) -> None:
    if chain.verified:
        report.passed(CheckId.CUSTODY_CHAIN, " | ".join(line.strip() for line in chain.lines()))
    elif chain.problems:
        code, link, detail = chain.problems[0]
        report.failed(CheckId.CUSTODY_CHAIN, code, f"{link}: {detail}" if link else detail)
    else:
        report.failed(
            CheckId.CUSTODY_CHAIN,
            Code.CUSTODY_LINK_BROKEN,
            "the presentation forwards a lot's documents but carries no verified custody chain",
        )


def _key_bound(report: VerificationReport) -> bool:
    return any(check.id == CheckId.KEY_BINDING and check.passed for check in report.checks)


def _subject(nested: VerificationReport) -> dict[str, Any]:
    return single_subject(nested.claims or {})
