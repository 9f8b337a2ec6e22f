"""The rules a walked custody chain must keep: connected, in order, and in balance.

Pure functions over :class:`~oretrust.custody.links.Link` objects (already verified one by
one); each returns the problems it found as ``(code, link id, detail)`` so the report names
the link and the figure that breaks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from oretrust.codes import Code
from oretrust.custody.links import Link, LotAmount
from oretrust.custody.rules import Basis, MineralRule

__all__ = ["Problem", "balance_problems", "link_problems"]

Problem = tuple[str, str, str]
_BASES: tuple[Basis, ...] = ("wet", "dry", "contained")
_LEEWAY = timedelta(seconds=60)


def link_problems(
    link: Link, parents: Sequence[Link], rule: MineralRule, now: datetime
) -> list[Problem]:
    """What is wrong with one event against the links it derives from."""
    found: list[Problem] = []
    # A period account may run on past today (an interim statement); it may not start later.
    dated = link.period[0] if link.period is not None else link.time
    if dated > now + _LEEWAY:
        found.append(
            (
                Code.CUSTODY_DATES_OUT_OF_ORDER,
                link.id,
                f"event time {dated:%Y-%m-%dT%H:%M:%SZ} is in the future",
            )
        )
    for lot in link.inputs:
        parent = next((p for p in parents if p.output(lot.lot_id) is not None), None)
        if parent is None:
            found.append(
                (
                    Code.CUSTODY_LINK_BROKEN,
                    link.id,
                    f"lot {lot.lot_id} is no output of anything it derives from",
                )
            )
            continue
        if parent.mineral != link.mineral:
            found.append(
                (
                    Code.CUSTODY_LINK_BROKEN,
                    link.id,
                    f"lot {lot.lot_id} is {parent.mineral}, the event says {link.mineral}",
                )
            )
        if parent.holder != link.handler:
            found.append(
                (
                    Code.CUSTODY_SELLER_NEVER_HELD,
                    link.id,
                    f"{link.handler} hands on lot {lot.lot_id}, which {parent.label()} "
                    f"put in the hands of {parent.holder}",
                )
            )
        disorder = _out_of_order(link, parent)
        if disorder is not None:
            found.append((Code.CUSTODY_DATES_OUT_OF_ORDER, link.id, disorder))
    found.extend(_quantity_problems(link, rule))
    return found


def _out_of_order(link: Link, parent: Link) -> str | None:
    """Why ``link`` cannot follow ``parent`` in time, if it cannot. An event follows what it
    derives from; a period account takes in only what came during its period, and an event
    draws on an account only during the account's period (mass balance is kept per period,
    so what was drawn before an input arrived is balanced by it — never across periods)."""
    if link.period is not None:
        start, end = link.period
        if not start <= parent.time <= end:
            return (
                f"takes in {parent.label()} of {parent.time:%Y-%m-%d %H:%M}, outside its "
                f"period {start:%Y-%m-%d} to {end:%Y-%m-%d}"
            )
        return None
    if parent.period is not None:
        start, end = parent.period
        if not start <= link.time <= end:
            return (
                f"dated {link.time:%Y-%m-%d %H:%M}, outside the period "
                f"{start:%Y-%m-%d} to {end:%Y-%m-%d} of {parent.label()} it draws on"
            )
        return None
    if link.time < parent.time:
        return (
            f"dated {link.time:%Y-%m-%d %H:%M}, before {parent.label()} "
            f"({parent.time:%Y-%m-%d %H:%M}) it derives from"
        )
    return None


def _quantity_problems(link: Link, rule: MineralRule) -> list[Problem]:
    found: list[Problem] = []
    missing = [lot.lot_id for lot in (*link.inputs, *link.outputs) if lot.of(rule.basis) is None]
    if missing:
        return [
            (
                Code.CUSTODY_QUANTITY_MISSING,
                link.id,
                f"{rule.mineral} balances in {rule.basis} terms; lots {', '.join(missing)} "
                "lack the moisture or grade for it",
            )
        ]
    if link.kind == "TransformationEvent" or link.declared_yield is not None:
        declared = link.declared_yield or 0.0
        if declared > rule.max_yield:
            found.append(
                (
                    Code.YIELD_EXCEEDED,
                    link.id,
                    f"declared yield {declared:g}% is beyond the {rule.max_yield:g}% "
                    f"{rule.mineral} allows",
                )
            )
        into, out = _total(link.inputs, "contained"), _total(link.outputs, "contained")
        allowed = rule.allowance((into or 0.0) * declared / 100)
        if out is not None and out > allowed:
            found.append(
                (
                    Code.YIELD_EXCEEDED,
                    link.id,
                    f"{out:,.1f} kg contained {rule.mineral} out of {into or 0:,.1f} kg in "
                    f"is more than the declared {declared:g}% yield "
                    f"(+{out - allowed:,.1f} kg)",
                )
            )
        return found
    for basis in _BASES:
        into, out = _total(link.inputs, basis), _total(link.outputs, basis)
        if into is not None and out is not None and out > rule.allowance(into):
            found.append(
                (
                    Code.MASS_BALANCE_EXCEEDED,
                    link.id,
                    f"hands on {out:,.1f} kg {basis} of {into:,.1f} kg taken in "
                    f"(+{out - into:,.1f} kg)",
                )
            )
    return found


def balance_problems(
    links: Mapping[str, Link], children: Mapping[str, list[Link]], rules: Mapping[str, MineralRule]
) -> list[Problem]:
    """Every lot: what the chain draws from it, against what it held (within tolerance)."""
    found: list[Problem] = []
    for parent_id, parent in links.items():
        for lot in parent.outputs:
            drawn = [
                (child, amount)
                for child in children.get(parent_id, [])
                for amount in child.inputs
                if amount.lot_id == lot.lot_id
            ]
            if drawn:
                found.extend(_overdrawn(parent, lot, drawn, rules[parent.mineral]))
    return found


def _overdrawn(
    parent: Link, lot: LotAmount, drawn: list[tuple[Link, LotAmount]], rule: MineralRule
) -> list[Problem]:
    for basis in _BASES:
        held = lot.of(basis)
        taken = _total([amount for _, amount in drawn], basis)
        if held is not None and taken is not None and taken > rule.allowance(held):
            names = ", ".join(child.label() for child, _ in drawn)
            return [
                (
                    Code.MASS_BALANCE_EXCEEDED,
                    drawn[-1][0].id,
                    f"lot {lot.lot_id} of {parent.label()}: {taken:,.1f} kg {basis} handed "
                    f"on ({names}) of {held:,.1f} kg held — {taken - held:,.1f} kg more "
                    "than it covers",
                )
            ]
    return []


def _total(amounts: Iterable[LotAmount], basis: Basis) -> float | None:
    values = [amount.of(basis) for amount in amounts]
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)
