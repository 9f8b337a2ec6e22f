"""Per-mineral balancing rules (``data/minerals.yaml``): the basis a balance is kept in, the
assay analyte that gives the grade, the weighing tolerance and the highest believable yield.

Rules are data so a scheme operator tunes them without code; they are read and checked once.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any, Literal

import yaml

from oretrust.codes import Code
from oretrust.credentials import Mineral
from oretrust.errors import InputError

__all__ = ["Basis", "MineralRule", "mineral_rule", "mineral_rules"]

Basis = Literal["wet", "dry", "contained"]
_BASES = ("wet", "dry", "contained")


@dataclass(frozen=True)
class MineralRule:
    """How a mineral's chain balances."""

    mineral: str
    basis: Basis
    analyte: str
    tolerance: float  #: percent by which what is handed on may exceed what was received
    max_yield: float  #: percent: contained metal out ÷ in of a transformation, at most

    def allowance(self, received: float) -> float:
        """The most that may be handed on from ``received`` (weighing and sampling error)."""
        return received * (1 + self.tolerance / 100)


def _rule(mineral: str, entry: Any) -> MineralRule:
    if not isinstance(entry, dict) or entry.get("basis") not in _BASES:
        raise InputError(
            f"minerals.yaml: {mineral} needs a basis of {_BASES}", code=Code.INVALID_INPUT
        )
    tolerance, max_yield = entry.get("tolerance"), entry.get("max_yield")
    if not isinstance(tolerance, int | float) or not 0 <= tolerance < 10:
        raise InputError(
            f"minerals.yaml: {mineral} tolerance must be 0-10 %", code=Code.INVALID_INPUT
        )
    if not isinstance(max_yield, int | float) or not 0 < max_yield <= 100:
        raise InputError(
            f"minerals.yaml: {mineral} max_yield must be 0-100 %", code=Code.INVALID_INPUT
        )
    return MineralRule(
        mineral, entry["basis"], str(entry["analyte"]), float(tolerance), float(max_yield)
    )


@functools.cache
def mineral_rules() -> Mapping[str, MineralRule]:
    """Every mineral's rule; a mineral the credentials know but the data omits is an error."""
    text = resources.files("oretrust.custody").joinpath("data/minerals.yaml").read_text("utf-8")
    document = yaml.safe_load(text)
    rules = {str(name): _rule(str(name), entry) for name, entry in document.items()}
    missing = sorted(set(Mineral) - set(rules))
    if missing:
        raise InputError(
            f"minerals.yaml has no rule for {', '.join(missing)}", code=Code.INVALID_INPUT
        )
    return MappingProxyType(rules)


def mineral_rule(mineral: str) -> MineralRule:
    """The rule of ``mineral``; InputError ``INVALID_INPUT`` for an unknown one."""
    try:
        return mineral_rules()[mineral]
    except KeyError:
        raise InputError(
            f"no balancing rule for mineral {mineral!r}", code=Code.INVALID_INPUT
        ) from None
