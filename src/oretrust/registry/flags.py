"""Conflict-affected and high-risk jurisdictions: flag, unflag, list, and the packaged seeds.

A flag is data with its source and date (``CD-NK is flagged conflict-affected (source, as of
2026-11-23)``), stored as a signed event and a ``jurisdiction_flag`` row, and published in the
trust list; :func:`oretrust.registry.policy.require_high_risk_evidence` then demands extra
evidence for origins there. ``data/high_risk_jurisdictions.yaml`` is the starting set
``registry init`` flags (skip with ``--no-default-flags``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any

import yaml
from sqlmodel import col, select

from oretrust.codes import Code
from oretrust.errors import InputError
from oretrust.home import Home
from oretrust.registry._log import registry_change
from oretrust.registry._model import (
    RISK_LEVELS,
    JurisdictionFlag,
    Risk,
    check_jurisdiction,
    require_text,
)
from oretrust.registry._store import flag_from_row, registry_did_of
from oretrust.store.registry_models import JurisdictionFlagRecord

__all__ = [
    "FlagSeed",
    "flag_jurisdiction",
    "list_flags",
    "load_flag_seeds",
    "packaged_flag_seeds",
    "unflag_jurisdiction",
]


def flag_jurisdiction(
    home: Home,
    code: str,
    *,
    risk: str,
    source: str,
    as_of: date,
    now: datetime,
    reason: str = "",
    actor: str | None = None,
) -> JurisdictionFlag:
    """Mark ``code`` conflict-affected (``conflict``) or high-risk (``high``), citing ``source``.

    Flagging again replaces the previous flag (the log keeps both).
    """
    registry_did_of(home)  # a home without a registry is reported before bad input
    check_jurisdiction(code)
    if risk not in RISK_LEVELS:
        raise InputError(
            f"risk must be one of {', '.join(RISK_LEVELS)}, got {risk!r}", code=Code.INVALID_RISK
        )
    data = {"risk": risk, "source": require_text(source, "source"), "as_of": as_of.isoformat()}
    with registry_change(home, code) as change:
        change.record("jurisdiction.flagged", data, reason=reason, actor=actor, now=now)
    return change.state.flags[code]


def unflag_jurisdiction(
    home: Home, code: str, *, now: datetime, reason: str, actor: str | None = None
) -> None:
    """Remove the flag on ``code``; raise NotFoundError if it is not flagged."""
    with registry_change(home, code) as change:
        change.record(
            "jurisdiction.unflagged", {}, reason=require_text(reason), actor=actor, now=now
        )


def list_flags(home: Home) -> list[JurisdictionFlag]:
    """Every flagged jurisdiction, by code."""
    with home.session() as session:
        rows = session.exec(
            select(JurisdictionFlagRecord).order_by(col(JurisdictionFlagRecord.code))
        )
        return [flag_from_row(row) for row in rows]


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
        raise InputError(
            f"flag file is not valid YAML: {exc}", code=Code.INVALID_FLAG_FILE
        ) from exc
    entries = document.get("flags") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise InputError("flag file needs a 'flags' list", code=Code.INVALID_FLAG_FILE)
    seeds = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or entry.get("risk") not in RISK_LEVELS:
            raise InputError(
                f"flags[{index}]: needs code, risk (high|conflict), source, as_of",
                code=Code.INVALID_FLAG_FILE,
            )
        as_of = entry.get("as_of")
        if not isinstance(as_of, date) or not str(entry.get("source", "")).strip():
            raise InputError(
                f"flags[{index}]: needs a source and an as_of date", code=Code.INVALID_FLAG_FILE
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
