"""The packaged starting set of high-risk / conflict-affected jurisdictions (data, not code).

Internal module. ``data/high_risk_jurisdictions.yaml`` lists entries with their source and
review date; ``registry init`` records each as a signed ``jurisdiction.flagged`` event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

import yaml

from oretrust.errors import InputError
from oretrust.registry._model import RISK_LEVELS, Risk, check_jurisdiction

__all__ = ["FlagSeed", "load_flag_seeds", "packaged_flag_seeds"]


@dataclass(frozen=True)
class FlagSeed:
    """One entry of a flag file: jurisdiction, risk, source and the date it was reviewed."""

    code: str
    risk: Risk
    source: str
    as_of: date


def load_flag_seeds(text: str) -> list[FlagSeed]:
    """Parse a flag file (YAML ``{flags: [{code, risk, source, as_of}]}``); raise InputError."""
    try:
        document: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"flag file is not valid YAML: {exc}", code="INVALID_FLAG_FILE") from exc
    entries = document.get("flags") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise InputError("flag file needs a 'flags' list", code="INVALID_FLAG_FILE")
    seeds = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or entry.get("risk") not in RISK_LEVELS:
            raise InputError(
                f"flags[{index}]: needs code, risk (high|conflict), source, as_of",
                code="INVALID_FLAG_FILE",
            )
        as_of = entry.get("as_of")
        if not isinstance(as_of, date) or not str(entry.get("source", "")).strip():
            raise InputError(
                f"flags[{index}]: needs a source and an as_of date", code="INVALID_FLAG_FILE"
            )
        risk: Risk = "conflict" if entry["risk"] == "conflict" else "high"
        seeds.append(
            FlagSeed(check_jurisdiction(str(entry.get("code"))), risk, str(entry["source"]), as_of)
        )
    return seeds


def packaged_flag_seeds() -> list[FlagSeed]:
    """The starting set shipped with oretrust."""
    text = (
        resources.files("oretrust.registry")
        .joinpath("data/high_risk_jurisdictions.yaml")
        .read_text("utf-8")
    )
    return load_flag_seeds(text)
