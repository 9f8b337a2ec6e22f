"""Registry events: their JSON shape, canonical bytes, hash chain, and how they change state.

Every change to the registry is one event (who, what, when, why)::

    {"seq": 7, "prev": "<sha-256 hex of event 6>", "type": "accreditation.withdrawn",
     "authority_id": "did:web:registry.example", "actor": "j.mukendi",
     "recorded_at": "2026-11-23T12:00:00Z", "subject": "urn:uuid:…",
     "data": {"entity_id": "did:web:…", "effective_at": "2026-10-01T00:00:00Z"},
     "reason": "licences sold for bribes (inquiry 2026/114)"}

Its canonical form (sorted keys, no spaces, UTF-8) is what the registry operator signs and
what ``hash`` is the SHA-256 of; each event names the previous event's hash in ``prev``
(the genesis event names 64 zeros). :func:`apply_event` is the one place the lifecycle rules
live: the service applies an event before it is stored, and ``verify-log`` replays them all.
Pure: no clock, no I/O.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from oretrust.codes import Code
from oretrust.encoding import canonical_json
from oretrust.errors import ConflictError, InputError, NotFoundError
from oretrust.registry._model import (
    RISK_LEVELS,
    Accreditation,
    JurisdictionFlag,
    Recognition,
    Risk,
    Suspension,
    format_time,
    parse_time,
    whole_seconds,
)

__all__ = [
    "EVENT_KINDS",
    "GENESIS_PREV",
    "RegistryState",
    "apply_event",
    "canonical_bytes",
    "event_hash",
    "grant_data",
    "new_event",
]

GENESIS_PREV = "0" * 64

EVENT_KINDS = (
    "registry.initialised",
    "accreditation.granted",
    "accreditation.suspended",
    "accreditation.reinstated",
    "accreditation.withdrawn",
    "accreditation.renewed",
    "recognition.granted",
    "recognition.withdrawn",
    "jurisdiction.flagged",
    "jurisdiction.unflagged",
)


@dataclass
class RegistryState:
    """What the events so far say: the operator and every accreditation, recognition, flag."""

    authority_id: str | None = None
    display_name: str | None = None
    accreditations: dict[str, Accreditation] = field(default_factory=dict)
    recognitions: dict[str, Recognition] = field(default_factory=dict)
    flags: dict[str, JurisdictionFlag] = field(default_factory=dict)


def canonical_bytes(event: dict[str, Any]) -> bytes:
    """The bytes that are signed and hashed: sorted keys, no whitespace, UTF-8."""
    return canonical_json(event)


def event_hash(payload: bytes) -> str:
    """Lower-case hex SHA-256 of an event's canonical bytes."""
    return hashlib.sha256(payload).hexdigest()


def new_event(
    *,
    seq: int,
    prev: str,
    kind: str,
    authority_id: str,
    recorded_at: str,
    subject: str,
    data: dict[str, Any],
    reason: str = "",
    actor: str | None = None,
) -> dict[str, Any]:
    """An event dict in the shape above (``actor`` left out when unknown)."""
    if kind not in EVENT_KINDS:
        raise InputError(f"unknown registry event type {kind!r}", code=Code.INVALID_EVENT)
    event: dict[str, Any] = {
        "seq": seq,
        "prev": prev,
        "type": kind,
        "authority_id": authority_id,
        "recorded_at": recorded_at,
        "subject": subject,
        "data": data,
        "reason": reason,
    }
    if actor:
        event["actor"] = actor
    return event


def grant_data(
    entity_id: str,
    action: str,
    resource: str,
    *,
    now: datetime,
    valid_from: datetime | None,
    valid_until: datetime | None,
) -> dict[str, Any]:
    """The data of a ``*.granted`` event; ``valid_from`` defaults to ``now``, None until is open.

    Raises InputError ``INVALID_VALIDITY_PERIOD`` unless the period ends after it starts.
    """
    start = whole_seconds(valid_from or now)
    until = whole_seconds(valid_until) if valid_until is not None else None
    if until is not None and until <= start:
        raise InputError("valid_until must be after valid_from", code=Code.INVALID_VALIDITY_PERIOD)
    return {
        "entity_id": entity_id,
        "action": action,
        "resource": resource,
        "valid_from": format_time(start),
        "valid_until": format_time(until) if until else None,
    }


def apply_event(state: RegistryState, event: dict[str, Any]) -> None:
    """Change ``state`` as ``event`` says; raise ConflictError if the lifecycle forbids it.

    Raises NotFoundError for an event about an unknown accreditation or recognition, and
    InputError for a malformed event.
    """
    try:
        kind = event["type"]
        subject = event["subject"]
        data = event["data"]
        handler = _HANDLERS[kind]
    except (KeyError, TypeError) as exc:
        raise InputError(f"malformed registry event: {exc}", code=Code.INVALID_EVENT) from exc
    try:
        handler(state, event, subject, data)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"malformed {kind} event: {exc!r}", code=Code.INVALID_EVENT) from exc


# ---------------------------------------------------------------------------- handlers
def _initialised(
    state: RegistryState, event: dict[str, Any], _s: str, data: dict[str, Any]
) -> None:
    if state.authority_id is not None:
        raise ConflictError("the registry is already initialised")
    state.authority_id = str(data["did"])
    state.display_name = str(data["display_name"])


def _granted(
    state: RegistryState, event: dict[str, Any], subject: str, data: dict[str, Any]
) -> None:
    if subject in state.accreditations:
        raise ConflictError(f"accreditation {subject} already exists")
    state.accreditations[subject] = Accreditation(**_grant_fields(event, subject, data))


def _accreditation(state: RegistryState, subject: str) -> Accreditation:
    try:
        return state.accreditations[subject]
    except KeyError:
        raise NotFoundError(f"no accreditation {subject}") from None


def _suspended(
    state: RegistryState, event: dict[str, Any], subject: str, data: dict[str, Any]
) -> None:
    current = _accreditation(state, subject)
    start = parse_time(data["effective_at"])
    if current.withdrawn_at is not None:
        raise ConflictError(f"accreditation {subject} is withdrawn; it cannot be suspended")
    last = current.suspensions[-1] if current.suspensions else None
    if last is not None and last.end is None:
        raise ConflictError(
            f"accreditation {subject} is already suspended (since {format_time(last.start)})"
        )
    if last is not None and last.end is not None and start < last.end:
        raise ConflictError("a suspension cannot start before the previous one ended")
    suspensions = (*current.suspensions, Suspension(start))
    state.accreditations[subject] = replace(current, suspensions=suspensions)


def _reinstated(
    state: RegistryState, event: dict[str, Any], subject: str, data: dict[str, Any]
) -> None:
    current = _accreditation(state, subject)
    end = parse_time(data["effective_at"])
    if current.withdrawn_at is not None:
        raise ConflictError(f"accreditation {subject} is withdrawn; it cannot be reinstated")
    if not current.suspensions or current.suspensions[-1].end is not None:
        raise ConflictError(f"accreditation {subject} is not suspended")
    last = current.suspensions[-1]
    if end < last.start:
        raise ConflictError(
            f"reinstatement cannot precede the suspension ({format_time(last.start)})"
        )
    suspensions = (*current.suspensions[:-1], Suspension(last.start, end))
    state.accreditations[subject] = replace(current, suspensions=suspensions)


def _withdrawn(
    state: RegistryState, event: dict[str, Any], subject: str, data: dict[str, Any]
) -> None:
    current = _accreditation(state, subject)
    effective = parse_time(data["effective_at"])
    if current.withdrawn_at is not None and effective >= current.withdrawn_at:
        raise ConflictError(
            f"accreditation {subject} is already withdrawn "
            f"as of {format_time(current.withdrawn_at)}"
        )
    state.accreditations[subject] = replace(current, withdrawn_at=effective)


def _renewed(
    state: RegistryState, event: dict[str, Any], subject: str, data: dict[str, Any]
) -> None:
    current = _accreditation(state, subject)
    until = parse_time(data["valid_until"])
    recorded = parse_time(event["recorded_at"])
    if current.withdrawn_at is not None:
        raise ConflictError(f"accreditation {subject} is withdrawn; accredit anew instead")
    if current.valid_until is None:
        raise ConflictError(f"accreditation {subject} is open-ended; there is nothing to renew")
    if recorded >= current.valid_until:
        raise ConflictError(
            f"accreditation {subject} expired at {format_time(current.valid_until)}; accredit anew"
        )
    if until <= current.valid_until:
        raise InputError(
            "a renewal must extend the validity period", code=Code.INVALID_VALIDITY_PERIOD
        )
    state.accreditations[subject] = replace(current, valid_until=until)


def _recognition_granted(
    state: RegistryState, event: dict[str, Any], subject: str, data: dict[str, Any]
) -> None:
    if subject in state.recognitions:
        raise ConflictError(f"recognition {subject} already exists")
    state.recognitions[subject] = Recognition(**_grant_fields(event, subject, data))


def _grant_fields(event: dict[str, Any], subject: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": subject,
        "authority_id": str(event["authority_id"]),
        "entity_id": str(data["entity_id"]),
        "action": str(data["action"]),
        "resource": str(data["resource"]),
        "valid_from": parse_time(data["valid_from"]),
        "valid_until": _optional_time(data.get("valid_until")),
    }


def _recognition_withdrawn(
    state: RegistryState, event: dict[str, Any], subject: str, data: dict[str, Any]
) -> None:
    try:
        current = state.recognitions[subject]
    except KeyError:
        raise NotFoundError(f"no recognition {subject}") from None
    effective = parse_time(data["effective_at"])
    if current.withdrawn_at is not None and effective >= current.withdrawn_at:
        raise ConflictError(f"recognition {subject} is already withdrawn")
    state.recognitions[subject] = replace(current, withdrawn_at=effective)


def _flagged(
    state: RegistryState, event: dict[str, Any], subject: str, data: dict[str, Any]
) -> None:
    risk = data["risk"]
    if risk not in RISK_LEVELS:
        raise InputError(f"risk must be one of {', '.join(RISK_LEVELS)}", code=Code.INVALID_RISK)
    level: Risk = "conflict" if risk == "conflict" else "high"
    state.flags[subject] = JurisdictionFlag(
        code=subject,
        risk=level,
        source=str(data["source"]),
        as_of=date.fromisoformat(data["as_of"]),
        flagged_at=parse_time(event["recorded_at"]),
    )


def _unflagged(
    state: RegistryState, event: dict[str, Any], subject: str, data: dict[str, Any]
) -> None:
    if state.flags.pop(subject, None) is None:
        raise NotFoundError(f"{subject} is not flagged")


def _optional_time(value: Any) -> datetime | None:
    return None if value is None else parse_time(value)


_HANDLERS = {
    "registry.initialised": _initialised,
    "accreditation.granted": _granted,
    "accreditation.suspended": _suspended,
    "accreditation.reinstated": _reinstated,
    "accreditation.withdrawn": _withdrawn,
    "accreditation.renewed": _renewed,
    "recognition.granted": _recognition_granted,
    "recognition.withdrawn": _recognition_withdrawn,
    "jurisdiction.flagged": _flagged,
    "jurisdiction.unflagged": _unflagged,
}
