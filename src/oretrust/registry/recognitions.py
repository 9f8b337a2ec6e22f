"""Recognition of other authorities (TRQP recognition): record, withdraw, list.

A regional registry recognising a national one for ``accredit:MineralOriginCertificate`` on
``CD`` says "what that authority accredits there, we accept". Each change is a signed,
hash-chained event, like every registry change (see :mod:`oretrust.registry.service`).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import col, select

from oretrust.errors import NotFoundError
from oretrust.home import Home
from oretrust.registry._events import grant_data
from oretrust.registry._log import registry_change
from oretrust.registry._model import (
    Recognition,
    check_action,
    check_did,
    check_jurisdiction,
    format_time,
    require_text,
)
from oretrust.registry._store import recognition_from_row, registry_did_of
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
    registry_did_of(home)  # a home without a registry is reported before bad input
    check_did(entity_id)
    check_action(action)
    check_jurisdiction(resource)
    data = grant_data(
        entity_id, action, resource, now=now, valid_from=valid_from, valid_until=valid_until
    )
    recognition_id = f"urn:uuid:{uuid.uuid4()}"
    with registry_change(home, recognition_id) as change:
        change.record("recognition.granted", data, reason=reason, actor=actor, now=now)
    return change.state.recognitions[recognition_id]


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
    with registry_change(home, recognition_id) as change:
        current = change.state.recognitions.get(recognition_id)
        if current is None:
            raise NotFoundError(f"no recognition {recognition_id}")
        data = {"entity_id": current.entity_id, "effective_at": format_time(effective)}
        change.record(
            "recognition.withdrawn", data, reason=require_text(reason), actor=actor, now=now
        )
    return change.state.recognitions[recognition_id]


def list_recognitions(home: Home, *, entity_id: str | None = None) -> list[Recognition]:
    """Every recognition recorded by this registry."""
    with home.session() as session:
        query = select(RecognitionRecord).order_by(col(RecognitionRecord.valid_from))
        if entity_id is not None:
            query = query.where(RecognitionRecord.entity_id == entity_id)
        return [recognition_from_row(row) for row in session.exec(query)]
