"""What a verified chain draws from its origin certificates, and how a balance judges it.

Pure: a :class:`~oretrust.custody.ChainReport` in, :class:`Holding` and :class:`Draw`
objects out; a :class:`Balance` and further draws in, an :class:`Overdraw` (or None) out.

Only the events that draw *directly* on an origin's lot consume it — an event whose
``inputs`` name the certificate's ``lotId`` and whose ``derivedFrom`` names the certificate
(id and SHA-256). Deeper events draw on intermediate lots, which :func:`verify_chain`
balances within the chain; the ledger's job is the one thing a single chain cannot see:
draws on the same certificate in *other* buyers' chains.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from oretrust.codes import Code
from oretrust.custody.chain import ChainReport
from oretrust.custody.links import Link, LotAmount
from oretrust.custody.rules import Basis, MineralRule
from oretrust.errors import ConflictError

__all__ = [
    "BASES",
    "Balance",
    "Draw",
    "Holding",
    "MassBalanceExceededError",
    "Overdraw",
    "draws_of",
    "holding_of",
    "overdraw",
    "total",
]

BASES: tuple[Basis, ...] = ("wet", "dry", "contained")


@dataclass(frozen=True)
class Holding:
    """What an origin certificate's lot held, as the ledger keeps it."""

    origin_id: str
    origin_sha256: str
    mineral: str
    country: str
    basis: Basis
    lot: LotAmount


@dataclass(frozen=True)
class Draw:
    """One draw on an origin's lot: by a custody event or a customs export."""

    origin_id: str
    origin_sha256: str
    kind: str  #: ``event`` or ``export``
    source_id: str
    source_sha256: str
    amount: LotAmount


def _kg(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def amounts_dict(amount: LotAmount) -> dict[str, float | None]:
    """``{"wet_kg", "dry_kg", "contained_kg"}`` of ``amount`` (to the gram)."""
    return {
        "wet_kg": _kg(amount.wet),
        "dry_kg": _kg(amount.dry),
        "contained_kg": _kg(amount.contained),
    }


@dataclass(frozen=True)
class Balance:
    """An origin certificate's balance: what it held, what was drawn, what remains.

    ``registered`` holds those of the event digests a caller asked about that the ledger has
    recorded against this origin — never any other: a buyer learns only about events it
    already holds.
    """

    holding: Holding
    consumed: LotAmount
    registered: frozenset[str] = frozenset()

    def remaining(self) -> LotAmount:
        """Held less consumed, in each basis known on both sides (may be negative only in a
        ledger that was tampered with)."""
        held, used = self.holding.lot, self.consumed

        def less(a: float | None, b: float | None) -> float | None:
            return None if a is None or b is None else a - b

        return LotAmount(
            held.lot_id,
            held.wet - used.wet,
            less(held.dry, used.dry),
            less(held.contained, used.contained),
        )

    def to_dict(self) -> dict[str, Any]:
        """The public JSON form: digests and masses only."""
        return {
            "origin": self.holding.origin_id,
            "sha256": self.holding.origin_sha256,
            "lot": self.holding.lot.lot_id,
            "mineral": self.holding.mineral,
            "basis": self.holding.basis,
            "held": amounts_dict(self.holding.lot),
            "consumed": amounts_dict(self.consumed),
            "remaining": amounts_dict(self.remaining()),
            "registered_events": sorted(self.registered),
        }


@dataclass(frozen=True)
class Overdraw:
    """Draws beyond what an origin held: the totals and the excess per basis, in kg."""

    origin_id: str
    lot_id: str
    mineral: str
    basis: Basis
    taken: Mapping[str, float]
    held: Mapping[str, float]
    excess_kg: Mapping[str, float]

    def describe(self) -> str:
        """One line naming the origin, the totals and the excess — and nobody who drew."""
        wet = self.excess_kg.get("wet")
        shown = [f"{wet:,.1f} kg wet"] if wet is not None else []
        if self.basis != "wet" and self.basis in self.excess_kg:
            shown.append(f"{self.excess_kg[self.basis]:,.1f} kg {self.basis} {self.mineral}")
        first = "wet" if "wet" in self.excess_kg else next(iter(self.excess_kg))
        return (
            f"origin certificate {self.origin_id} (lot {self.lot_id}): {self.taken[first]:,.1f}"
            f" kg {first} drawn of {self.held[first]:,.1f} kg held — {' / '.join(shown)} more "
            "than it covers"
        )


class MassBalanceExceededError(ConflictError):
    """Registering a draw would take more from an origin certificate than it held."""

    default_code = Code.MASS_BALANCE_EXCEEDED

    def __init__(self, found: Overdraw) -> None:
        super().__init__(found.describe())
        self.overdraw = found


def draws_of(
    report: ChainReport, rules: Mapping[str, MineralRule]
) -> tuple[list[Holding], list[Draw]]:
    """The origins of a *verified* chain and the draws its events make on them directly."""
    origins = {link.digest: link for link in report.links if link.kind == "origin"}
    holdings = [holding_of(link, rules) for link in origins.values()]
    draws: list[Draw] = []
    for link in report.links:
        if link.kind == "origin":
            continue
        parents = [origins[digest] for _, digest in link.references if digest in origins]
        for amount in link.inputs:
            parent = next((p for p in parents if p.output(amount.lot_id) is not None), None)
            if parent is not None:
                draws.append(Draw(parent.id, parent.digest, "event", link.id, link.digest, amount))
    return holdings, draws


def holding_of(link: Link, rules: Mapping[str, MineralRule]) -> Holding:
    """The holding a verified origin link describes (its lot, mineral, country, basis)."""
    rule = rules[link.mineral]
    subject = (link.report.claims or {}).get("credentialSubject")
    country = subject.get("countryOfOrigin") if isinstance(subject, dict) else None
    return Holding(link.id, link.digest, link.mineral, str(country), rule.basis, link.outputs[0])


def total(lot_id: str, amounts: Iterable[LotAmount]) -> LotAmount:
    """The sum of ``amounts`` per basis (None in a basis any of them lacks)."""
    listed = list(amounts)

    def add(values: Sequence[float | None]) -> float | None:
        return None if any(v is None for v in values) else sum(v for v in values if v is not None)

    return LotAmount(
        lot_id,
        sum(a.wet for a in listed),
        add([a.dry for a in listed]),
        add([a.contained for a in listed]),
    )


def overdraw(balance: Balance, extra: Sequence[LotAmount], rule: MineralRule) -> Overdraw | None:
    """The overdraw if ``extra`` were drawn on top of ``balance``: in the mineral's basis, in
    wet terms and (where known) dry, beyond the rule's weighing tolerance; None otherwise."""
    held = balance.holding.lot
    taken = total(held.lot_id, [balance.consumed, *extra])
    bases = [b for b in BASES if held.of(b) is not None and taken.of(b) is not None]
    exceeded = any(
        (taken.of(b) or 0.0) > rule.allowance(held.of(b) or 0.0)
        for b in bases
        if b in ("wet", "dry", rule.basis)
    )
    if not exceeded:
        return None
    excess = {b: round((taken.of(b) or 0) - (held.of(b) or 0), 1) for b in bases}
    return Overdraw(
        origin_id=balance.holding.origin_id,
        lot_id=held.lot_id,
        mineral=balance.holding.mineral,
        basis=balance.holding.basis,
        taken={b: taken.of(b) or 0.0 for b in bases},
        held={b: held.of(b) or 0.0 for b in bases},
        excess_kg={b: value for b, value in excess.items() if value > 0},
    )
