"""A presentation's chain of custody as steps people read (the verify page draws them).

No judging of its own: the chain is the :class:`~oretrust.custody.ChainReport` that
:func:`oretrust.custody.judge_links` makes of the presentation's verified credentials — the
very judgement the verifier's ``custody_chain`` check records — turned into
:class:`ChainStep` rows: what the step is (origin, sale, transformation), who signed it, from
whom to whom the lots went, when, and each lot's mass wet, dry and in contained metal (kg).
A broken chain keeps each problem with the link it names and the figure the rule found
(``… 24,850.0 kg more than it covers``), and the step it names is marked. A document of the
chain that fails on its own (a revoked origin certificate) is listed first with its own code:
the verifier then records no ``custody_chain`` check (the holder binding says why), but the
chain is still drawn from what verified, so the reader sees where it breaks.

Parties are named as this service knows them (its own holders and issuers), else as a signed
credential of the chain names them (an event's issuer, an origin's exporter), else by DID.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from oretrust.codes import CheckId, Code
from oretrust.custody import CHAIN_TYPES, ChainReport, judge_links
from oretrust.custody.links import CUSTODY, LotAmount
from oretrust.report import VerificationReport
from oretrust.web.describe import verdict_of
from oretrust.web.i18n import Translator

__all__ = ["ChainLot", "ChainProblem", "ChainStep", "ChainView", "chain_view"]

#: A DID → display name look-up of this service's own records (None when unknown).
PartyNames = Callable[[str], str | None]


@dataclass(frozen=True)
class ChainLot:
    """One lot of a step, its masses as printed (``"19,880.0 kg"``, or "not stated")."""

    lot_id: str
    wet: str
    dry: str
    contained: str


@dataclass(frozen=True)
class ChainProblem:
    """What breaks the chain: the rule's code, the link it names, the figure in words."""

    code: str
    link: str
    detail: str


@dataclass(frozen=True)
class ChainStep:
    """One link of the chain, oldest first."""

    id: str
    label: str
    signed_by: str
    source: str | None
    target: str
    date: str
    mineral: str
    inputs: tuple[ChainLot, ...]
    outputs: tuple[ChainLot, ...]
    broken: bool


@dataclass(frozen=True)
class ChainView:
    """The chain drawn: its steps, whether it holds, and what breaks it."""

    verified: bool
    steps: tuple[ChainStep, ...]
    problems: tuple[ChainProblem, ...]


def chain_view(
    report: VerificationReport, t: Translator, names: PartyNames, *, now: datetime
) -> ChainView | None:
    """The chain a presentation carries, or None when it carries none to draw (no
    ``custody_chain`` check and no custody event resting on a document that fails: a lone
    origin certificate, or a chain attested instead of shown)."""
    if report.kind != "presentation":
        return None
    failed = [n for n in report.credentials if CHAIN_TYPES & set(n.types) and not n.verified]
    judged = any(check.id == CheckId.CUSTODY_CHAIN for check in report.checks)
    moved = any(CUSTODY in n.types for n in report.credentials)
    if not judged and not (failed and moved):
        return None
    chain = judge_links(report.credentials, now=now, holder=report.holder)
    if not chain.links and not chain.problems:
        return None
    signed = _signed_names(chain)

    def name(did: str | None) -> str:
        if not did:
            return t("chain.unknown")
        return names(did) or signed.get(did) or did

    broken_ids = {link for _, link, _ in chain.problems}
    steps = tuple(
        ChainStep(
            id=link.id,
            label=t.first(f"chain.step.{link.kind}", link.kind),
            signed_by=name(link.issuer),
            source=name(link.handler) if link.handler else None,
            target=name(link.holder),
            date=f"{link.time:%Y-%m-%d %H:%M} UTC",
            mineral=link.mineral,
            inputs=tuple(_lot(lot, t) for lot in link.inputs),
            outputs=tuple(_lot(lot, t) for lot in link.outputs),
            broken=link.id in broken_ids,
        )
        for link in chain.links
    )
    return ChainView(chain.verified and not failed, steps, _problems(chain, failed, t))


def _problems(
    chain: ChainReport, failed: list[VerificationReport], t: Translator
) -> tuple[ChainProblem, ...]:
    """A document of the chain that fails on its own (revoked, forged) first, with its own
    code; the chain's problems after, less the echo of that failure (a reference to it "not
    in the presentation", as the chain's judgement skips documents that do not verify)."""
    ids = [str(n.credential_id) for n in failed if n.credential_id]
    own = [
        ChainProblem(str(n.code), n.credential_id or "", t("chain.not_verified",
                     verdict=t(f"verdict.{verdict_of(n)}")))
        for n in failed
    ]  # fmt: skip
    rest = [
        ChainProblem(str(code), link, detail)
        for code, link, detail in chain.problems
        if not (code == Code.CUSTODY_LINK_BROKEN and any(detail.startswith(i) for i in ids))
    ]
    return tuple(own + rest)


def _signed_names(chain: ChainReport) -> dict[str, str]:
    """Names the chain's own signed credentials give parties: each issuer's ``name`` and an
    origin's exporter."""
    found: dict[str, str] = {}
    for link in chain.links:
        claims: dict[str, Any] = link.report.claims or {}
        issuer = claims.get("issuer")
        if isinstance(issuer, dict) and isinstance(issuer.get("name"), str):
            found.setdefault(link.issuer, issuer["name"][:200])
        subject = claims.get("credentialSubject")
        for party in _parties(subject):
            found.setdefault(party[0], party[1])
    return found


def _parties(subject: Any) -> list[tuple[str, str]]:
    subjects: Sequence[Any] = subject if isinstance(subject, list) else [subject]
    parties = []
    for item in subjects:
        if not isinstance(item, dict):
            continue
        for value in item.values():
            if (
                isinstance(value, dict)
                and isinstance(value.get("id"), str)
                and isinstance(value.get("name"), str)
                and value["name"]
            ):
                parties.append((value["id"], value["name"][:200]))
    return parties


def _lot(lot: LotAmount, t: Translator) -> ChainLot:
    def kg(value: float | None) -> str:
        return t("chain.unknown") if value is None else f"{value:,.1f} kg"

    return ChainLot(lot.lot_id, kg(lot.wet), kg(lot.dry), kg(lot.contained))
