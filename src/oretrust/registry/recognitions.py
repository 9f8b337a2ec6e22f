"""Recognition of other authorities (TRQP recognition): record, withdraw, list.

A regional registry recognising a national one for ``accredit:MineralOriginCertificate`` on
``CD`` says "what that authority accredits there, we accept". Each change is a signed,
hash-chained event, like every registry change (see :mod:`oretrust.registry.service`).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import col, select

from oretrust.errors import InputError, NotFoundError
from oretrust.home import Home
from oretrust.registry._events import RegistryState
from oretrust.registry._log import append_event, commit
from oretrust.registry._model import (
    Recognition,
    check_action,
    check_did,
    check_jurisdiction,
    format_time,
    whole_seconds,
)
from oretrust.registry._store import recognition_from_row, recognition_row, registry_did_of
from oretrust.store.registry_models import RecognitionRecord

__all__ = ["list_recognitions", "recognise", "withdraw_recognition"]


def recognise(
    home: Home,
    entity_id: str,
    action: str,
    resource: str,
    *,
    now: datetime,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    reason: str = "",
    actor: str | None = None,
) -> Recognition:
    """Record that this registry recognises authority ``entity_id`` for ``action`` on ``resource``.

    E.g. a regional registry recognising a national one for ``accredit:MineralOriginCertificate``
    on ``CD``. Raises InputError for a malformed DID, action or jurisdiction.
    """
    authority = registry_did_of(home)
    check_did(entity_id)
    check_action(action)
    check_jurisdiction(resource)
    start = whole_seconds(valid_from or now)
    until = whole_seconds(valid_until) if valid_until is not None else None
    if until is not None and until <= start:
        raise InputError("valid_until must be after valid_from", code="INVALID_VALIDITY_PERIOD")
    recognition_id = f"urn:uuid:{uuid.uuid4()}"
    data = {
        "entity_id": entity_id,
        "action": action,
        "resource": resource,
        "valid_from": format_time(start),
        "valid_until": format_time(until) if until else None,
    }
    with home.session() as session:
        state = RegistryState(authority_id=authority)
        append_event(
            home,
            session,
            state,
            authority_id=authority,
            kind="recognition.granted",
            subject=recognition_id,
            data=data,
            reason=reason,
            actor=actor,
            now=now,
        )
        session.add(recognition_row(state.recognitions[recognition_id]))
        commit(session)
    return state.recognitions[recognition_id]


def withdraw_recognition(
    home: Home,
    recognition_id: str,
    *,
    effective: datetime,
    reason: str,
    now: datetime,
    actor: str | None = None,
) -> Recognition:
    """Withdraw a recognition as of ``effective``; ``reason`` is required."""
    authority = registry_did_of(home)
    with home.session() as session:
        row = session.get(RecognitionRecord, recognition_id)
        if row is None:
            raise NotFoundError(f"no recognition {recognition_id}")
        current = recognition_from_row(row)
        state = RegistryState(authority_id=authority, recognitions={current.id: current})
        append_event(
            home,
            session,
            state,
            authority_id=authority,
            kind="recognition.withdrawn",
            subject=current.id,
            data={"entity_id": current.entity_id, "effective_at": format_time(effective)},
            reason=_required(reason),
            actor=actor,
            now=now,
        )
        session.merge(recognition_row(state.recognitions[current.id]))
        commit(session)
    return state.recognitions[current.id]


def list_recognitions(home: Home, *, entity_id: str | None = None) -> list[Recognition]:
    """Every recognition recorded by this registry."""
    with home.session() as session:
        query = select(RecognitionRecord).order_by(col(RecognitionRecord.valid_from))
        if entity_id is not None:
            query = query.where(RecognitionRecord.entity_id == entity_id)
        return [recognition_from_row(row) for row in session.exec(query)]


def _required(value: str) -> str:
    if not value or not value.strip():
        raise InputError("a reason is required", code="REASON_REQUIRED")
    return value.strip()
