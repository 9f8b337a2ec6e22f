"""Verify a lot's chain of custody back to its origin certificates.

Given the final credential (the event that put the lot in the presenter's hands) and a bag of
documents, :func:`verify_chain` walks the references back: every referenced credential must be
in the bag with the SHA-256 the reference names, and verify on its own (signature, the
issuer's accreditation for origin certificates, status, validity) with the caller's verifier;
every event must connect (the party handing a lot on is the one the previous link put it with),
follow what it derives from in time, and keep the mass balance of its mineral
(:mod:`oretrust.custody.rules`). The roots must be origin certificates. Fail closed: the chain
is valid only when all of it was walked and nothing was wrong.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from oretrust.codes import CheckId, Code
from oretrust.custody.balance import Problem, balance_problems, link_problems
from oretrust.custody.links import CHAIN_TYPES, Link, link_from_report
from oretrust.custody.rules import mineral_rules
from oretrust.formats.jws import parse_compact
from oretrust.report import VerificationReport

__all__ = [
    "ChainReport",
    "CredentialChecker",
    "credential_digest",
    "document_id",
    "judge_links",
    "verify_chain",
]

#: A chain longer than this is refused rather than walked (a loop or a bomb).
MAX_LINKS = 256


class CredentialChecker(Protocol):
    """What verifies each link: a :class:`~oretrust.verifier.Verifier` (its whole pipeline:
    signature, accreditation, status, validity), injected so this module stays below it."""

    def check_credential(self, token: str, *, now: datetime) -> VerificationReport:
        """The report on one credential; never raises for a bad token."""
        ...


@dataclass
class ChainReport:
    """The verdict on a chain, its links (oldest first), and every problem found."""

    links: list[Link] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    holder: str | None = None

    @property
    def verified(self) -> bool:
        """True when every link was walked and verified and no rule broke."""
        return bool(self.links) and not self.problems

    @property
    def verdict(self) -> str:
        """``VALID`` or ``INVALID``."""
        return "VALID" if self.verified else "INVALID"

    @property
    def code(self) -> str:
        """``OK`` or the first problem's code."""
        return (
            "OK"
            if self.verified
            else (self.problems[0][0] if self.problems else Code.CUSTODY_LINK_BROKEN)
        )

    def held_by(self, holder: str) -> set[str]:
        """The ids of the links on a chain that ends in ``holder``'s hands: the documents a
        holder may present although they are about someone before it in the chain."""
        by_digest = {link.digest: link for link in self.links}
        pending = [link for link in self.links if link.holder == holder]
        carried: set[str] = set()
        while pending:
            link = pending.pop()
            if link.id not in carried:
                carried.add(link.id)
                pending.extend(by_digest[d] for _, d in link.references if d in by_digest)
        return carried

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``--json``)."""
        return {
            "verified": self.verified,
            "verdict": self.verdict,
            "kind": "custody-chain",
            "code": self.code,
            "holder": self.holder,
            "checks": [
                {
                    "id": CheckId.CUSTODY_CHAIN,
                    "passed": self.verified,
                    "code": self.code,
                    "detail": " | ".join(line.strip() for line in self.lines()),
                }
            ],
            "warnings": [],
            "errors": [{"code": c, "link": link, "detail": d} for c, link, d in self.problems],
            "links": [_link_dict(link) for link in self.links],
        }

    def lines(self) -> list[str]:
        """The chain drawn as steps with parties, dates and masses."""
        drawn = []
        for depth, link in enumerate(self.links):
            parties = f"{_short(link.issuer)} → {_short(link.holder)}"
            lots = ", ".join(
                f"{lot.lot_id} {lot.wet:,.0f} kg wet"
                + (f" / {lot.contained:,.1f} kg metal" if lot.contained else "")
                for lot in link.outputs
            )
            drawn.append(
                f"{'  ' * min(depth, 6)}└ {link.label()} {link.time:%Y-%m-%d}: {parties}: {lots}"
            )
        return drawn


def document_id(token: str) -> str | None:
    """The id a (not yet verified) credential token says it has."""
    try:
        payload = parse_compact(token.strip().split("~")[0]).unverified_payload()
    except Exception:
        return None
    value = payload.get("id") or payload.get("jti")
    return value if isinstance(value, str) else None


def verify_chain(
    final: str,
    documents: Sequence[str],
    *,
    verifier: CredentialChecker,
    now: datetime,
    holder: str | None = None,
) -> ChainReport:
    """Walk and judge the chain ending in ``final``; ``holder`` (the presenter) must hold its
    outputs. Never raises for bad documents: they are problems in the report."""
    report = ChainReport(holder=holder)
    bag = {credential_digest(token): token for token in (final, *documents)}
    by_id = {document_id(token): digest for digest, token in bag.items()}
    rules = dict(mineral_rules())
    walked: dict[str, Link] = {}
    pending: list[tuple[str, str | None]] = [(credential_digest(final), None)]
    while pending and len(walked) <= MAX_LINKS:
        digest, child = pending.pop()
        if any(link.digest == digest for link in walked.values()):
            continue
        link = _link(bag.get(digest), digest, verifier, now, rules, child, report)
        if link is None:
            continue
        walked[link.id] = link
        for ref_id, ref_digest in link.references:
            if ref_digest not in bag:
                known = by_id.get(ref_id)
                why = (
                    "is not among the documents"
                    if known is None
                    else "differs from the one referenced (SHA-256)"
                )
                report.problems.append((Code.CUSTODY_LINK_BROKEN, link.id, f"{ref_id} {why}"))
                continue
            pending.append((ref_digest, link.id))
    if pending:
        report.problems.append((Code.CUSTODY_LINK_BROKEN, "", f"more than {MAX_LINKS} links"))
    _judge(walked, report, now, rules, holder)
    report.links = _in_order(walked)
    return report


def judge_links(
    reports: Sequence[VerificationReport], *, now: datetime, holder: str | None = None
) -> ChainReport:
    """Judge the chain formed by credentials a presentation carries (each already verified
    in its own nested report): every reference must be among them, and the rules of
    :func:`verify_chain` hold. Reports of other types are ignored; failed ones are left to
    their own report."""
    report = ChainReport(holder=holder)
    rules = dict(mineral_rules())
    walked: dict[str, Link] = {}
    for nested in reports:
        if not CHAIN_TYPES & set(nested.types) or not nested.verified or not nested.token:
            continue
        link = link_from_report(nested, credential_digest(nested.token), rules)
        if isinstance(link, str):
            report.problems.append((Code.CUSTODY_LINK_BROKEN, nested.credential_id or "", link))
            continue
        walked[link.id] = link
    digests = {link.digest for link in walked.values()}
    for link in walked.values():
        for ref_id, ref_digest in link.references:
            if ref_digest not in digests:
                report.problems.append(
                    (Code.CUSTODY_LINK_BROKEN, link.id, f"{ref_id} is not in the presentation")
                )
    _judge(walked, report, now, rules, holder)
    report.links = _in_order(walked)
    return report


def _link(
    token: str | None,
    digest: str,
    verifier: CredentialChecker,
    now: datetime,
    rules: dict[str, Any],
    child: str | None,
    report: ChainReport,
) -> Link | None:
    if token is None:
        return None
    checked = verifier.check_credential(token, now=now)
    name = checked.credential_id or digest[:16]
    if not checked.verified:
        report.problems.append(
            (Code.CUSTODY_LINK_INVALID, name, f"{name} does not verify: {checked.code}")
        )
        return None
    link = link_from_report(checked, digest, rules)
    if isinstance(link, str):
        report.problems.append((Code.CUSTODY_LINK_BROKEN, child or name, link))
        return None
    return link


def _judge(
    walked: Mapping[str, Link],
    report: ChainReport,
    now: datetime,
    rules: Mapping[str, Any],
    holder: str | None,
) -> None:
    children: dict[str, list[Link]] = {}
    by_digest = {link.digest: link for link in walked.values()}
    for link in walked.values():
        parents = [by_digest[d] for _, d in link.references if d in by_digest]
        for parent in parents:
            children.setdefault(parent.id, []).append(link)
        # A reference that did not resolve is reported already; judging the link against
        # the parents that did would only add echoes of that one problem.
        if link.kind != "origin" and len(parents) == len(link.references):
            report.problems.extend(link_problems(link, parents, rules[link.mineral], now))
    report.problems.extend(balance_problems(walked, children, rules))
    finals = [link for link in walked.values() if link.id not in children]
    if holder is not None and finals and all(link.holder != holder for link in finals):
        last = ", ".join(sorted({link.holder for link in finals}))
        report.problems.append(
            (
                Code.CUSTODY_NOT_LAST_BUYER,
                finals[0].id,
                f"{holder} presents a lot last put in the hands of {last}",
            )
        )


def _in_order(walked: Mapping[str, Link]) -> list[Link]:
    """Oldest first, and a link after everything it derives from (times may tie)."""
    by_digest = {link.digest: link for link in walked.values()}
    depth: dict[str, int] = {}

    def generation(link: Link, seen: frozenset[str] = frozenset()) -> int:
        if link.id not in depth:
            parents = [by_digest[d] for _, d in link.references if d in by_digest]
            depth[link.id] = 1 + max(
                (generation(p, seen | {link.id}) for p in parents if p.id not in seen), default=-1
            )
        return depth[link.id]

    return sorted(walked.values(), key=lambda link: (generation(link), link.time))


def credential_digest(token: str) -> str:
    """The hex SHA-256 a custody reference carries: of the compact JWS exactly as issued (for
    an SD-JWT, its issuer-signed part)."""
    return hashlib.sha256(token.strip().split("~")[0].encode("utf-8")).hexdigest()


def _short(did: str) -> str:
    return did if len(did) <= 40 else f"{did[:24]}…{did[-8:]}"


def _link_dict(link: Link) -> dict[str, Any]:
    def lots(amounts: Sequence[Any]) -> list[dict[str, Any]]:
        return [
            {"lot": a.lot_id, "wet_kg": a.wet, "dry_kg": a.dry, "contained_kg": a.contained}
            for a in amounts
        ]

    return {
        "id": link.id,
        "kind": link.kind,
        "issuer": link.issuer,
        "from": link.handler,
        "to": link.holder,
        "time": f"{link.time:%Y-%m-%dT%H:%M:%SZ}",
        "mineral": link.mineral,
        "inputs": lots(link.inputs),
        "outputs": lots(link.outputs),
        "declared_yield": link.declared_yield,
    }
