"""The JSON forms of accreditations, recognitions and flags (trust list entries, CLI --json).

Internal module, pure. ``*_claim`` functions write the trust list's entry shapes (see
:mod:`oretrust.registry.trust_list`); ``*_from_claim`` functions read them back and raise
``KeyError``/``TypeError``/``ValueError``/InputError on a malformed entry, which the loader
reports as ``TRUST_LIST_INVALID``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from oretrust.registry._model import (
    RISK_LEVELS,
    Accreditation,
    JurisdictionFlag,
    Recognition,
    Risk,
    Suspension,
    format_time,
    parse_time,
)

__all__ = [
    "accreditation_claim",
    "accreditation_from_claim",
    "flag_claim",
    "flag_from_claim",
    "recognition_claim",
    "recognition_from_claim",
]


def accreditation_claim(model: Accreditation, at: datetime) -> dict[str, Any]:
    """``{id, entity_id, action, resource, valid_from, valid_until, status (at ``at``),
    withdrawn_at, suspensions: [{from, until}]}``."""
    return {
        "id": model.id,
        "entity_id": model.entity_id,
        "action": model.action,
        "resource": model.resource,
        "valid_from": format_time(model.valid_from),
        "valid_until": _time_or_none(model.valid_until),
        "status": model.status(at),
        "withdrawn_at": _time_or_none(model.withdrawn_at),
        "suspensions": [
            {"from": format_time(s.start), "until": _time_or_none(s.end)} for s in model.suspensions
        ],
    }


def recognition_claim(model: Recognition) -> dict[str, Any]:
    """``{id, entity_id, action, resource, valid_from, valid_until, withdrawn_at}``."""
    return {
        "id": model.id,
        "entity_id": model.entity_id,
        "action": model.action,
        "resource": model.resource,
        "valid_from": format_time(model.valid_from),
        "valid_until": _time_or_none(model.valid_until),
        "withdrawn_at": _time_or_none(model.withdrawn_at),
    }


def flag_claim(model: JurisdictionFlag) -> dict[str, Any]:
    """``{code, risk, source, as_of, flagged_at}``."""
    return {
        "code": model.code,
        "risk": model.risk,
        "source": model.source,
        "as_of": model.as_of.isoformat(),
        "flagged_at": format_time(model.flagged_at),
    }


def accreditation_from_claim(item: dict[str, Any], authority: str) -> Accreditation:
    """Read an accreditation entry; one marked withdrawn must say since when."""
    withdrawn = _optional(item.get("withdrawn_at"))
    if withdrawn is None and item.get("status") == "withdrawn":
        raise ValueError(f"accreditation {item.get('id')} is withdrawn but names no withdrawn_at")
    return Accreditation(
        id=str(item.get("id") or f"{item['entity_id']}|{item['action']}|{item['resource']}"),
        authority_id=authority,
        entity_id=str(item["entity_id"]),
        action=str(item["action"]),
        resource=str(item["resource"]),
        valid_from=parse_time(item["valid_from"]),
        valid_until=_optional(item.get("valid_until")),
        withdrawn_at=withdrawn,
        suspensions=tuple(
            Suspension(parse_time(s["from"]), _optional(s.get("until")))
            for s in item.get("suspensions", [])
        ),
    )


def recognition_from_claim(item: dict[str, Any], authority: str) -> Recognition:
    """Read a recognition entry."""
    return Recognition(
        id=str(item.get("id") or item["entity_id"]),
        authority_id=authority,
        entity_id=str(item["entity_id"]),
        action=str(item["action"]),
        resource=str(item["resource"]),
        valid_from=parse_time(item["valid_from"]),
        valid_until=_optional(item.get("valid_until")),
        withdrawn_at=_optional(item.get("withdrawn_at")),
    )


def flag_from_claim(item: dict[str, Any]) -> JurisdictionFlag:
    """Read a high-risk jurisdiction entry (``flagged_at`` defaults to ``as_of``)."""
    if item["risk"] not in RISK_LEVELS:
        raise ValueError(f"risk {item['risk']!r} is not one of {', '.join(RISK_LEVELS)}")
    risk: Risk = "conflict" if item["risk"] == "conflict" else "high"
    as_of = date.fromisoformat(str(item["as_of"]))
    flagged_at = item.get("flagged_at")
    moment = (
        parse_time(flagged_at) if flagged_at else datetime.combine(as_of, datetime.min.time(), UTC)
    )
    return JurisdictionFlag(str(item["code"]), risk, str(item["source"]), as_of, moment)


def _time_or_none(value: datetime | None) -> str | None:
    return format_time(value) if value is not None else None


def _optional(value: Any) -> datetime | None:
    return None if value is None else parse_time(value)
