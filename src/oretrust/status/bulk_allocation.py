"""Many status indices in one transaction, for bulk issuance (``oretrust issue --batch``).

:func:`~oretrust.status.allocation.allocate_index` commits each index on its own, which is
right for one credential (its retry under contention needs it) but makes a bulk issuance
pay one commit per credential for the index alone. :func:`allocate_many` instead inserts a
whole batch's entries in the caller's session, so the batch's indices and its issuance
records are committed together, or not at all.

The draw is the same as the one-by-one allocator's: random candidates from the CSPRNG,
checked in one indexed query per round of at most :data:`_QUERY_CHUNK`, the free ones kept
in draw order (rejection sampling: uniform over the free slots, so an index still says
nothing about when or in what order a credential was issued). It only runs while the
issuer's current list has at least twice the batch's size free; closer to the end of a list
it returns None and the caller falls back to the one-by-one allocator, whose cost stays
flat to the last slot and which opens the next list. The database's unique
``(list_id, list_index)`` constraint still decides a race with a concurrent issuer: the
caller's flush fails and it retries the batch.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, func, select

from oretrust.status.allocation import Allocation, Randbelow
from oretrust.status.rules import can_suspend, status_purposes
from oretrust.store.bulk import insert_rows
from oretrust.store.db import as_utc
from oretrust.store.status_models import StatusEntryRecord, StatusListRecord

__all__ = ["allocate_many"]

_QUERY_CHUNK = 500  # candidates per "which are taken" query (bound parameters stay few)
_MAX_ROUNDS = 16  # rounds of draws before giving up to the one-by-one allocator


def allocate_many(
    session: Session,
    *,
    issuer_did: str,
    credentials: Sequence[tuple[str, str]],
    now: datetime,
    randbelow: Randbelow = secrets.randbelow,
) -> list[Allocation] | None:
    """Insert (not commit) one fresh random index per ``(credential_id, type_name)`` in
    ``issuer_did``'s current list, in ``session``; return them in order.

    Returns None, having written nothing, when the issuer has no open list or fewer than
    twice ``len(credentials)`` free slots in it (the caller then allocates one by one). A
    lost race surfaces as an IntegrityError from the session's flush or commit.
    """
    current = session.exec(
        select(StatusListRecord)
        .where(StatusListRecord.issuer_did == issuer_did)
        .order_by(col(StatusListRecord.seq).desc())
        .limit(1)
    ).first()
    if current is None or current.full or not credentials:
        return None if credentials else []
    taken_count = session.exec(
        select(func.count()).where(col(StatusEntryRecord.list_id) == current.id)
    ).one()
    if current.size - taken_count < 2 * len(credentials):
        return None
    indices = _draw_free(session, current, len(credentials), randbelow)
    if indices is None:
        return None
    rows = [
        {
            "list_id": current.id, "list_index": index, "credential_id": credential_id,
            "credential_type": type_name, "issuer_did": issuer_did,
            "suspendable": can_suspend(type_name), "status": 0,
            "allocated_at": as_utc(now), "updated_at": as_utc(now),
        }
        for index, (credential_id, type_name) in zip(indices, credentials, strict=True)
    ]  # fmt: skip
    insert_rows(session, "status_entry", rows)
    return [
        Allocation(credential_id, issuer_did, current.id, index, status_purposes(type_name))
        for index, (credential_id, type_name) in zip(indices, credentials, strict=True)
    ]


def _draw_free(
    session: Session, current: StatusListRecord, count: int, randbelow: Randbelow
) -> list[int] | None:
    """``count`` distinct free indices of ``current``, uniform over its free slots, or None."""
    chosen: list[int] = []
    seen: set[int] = set()
    for _ in range(_MAX_ROUNDS):
        need = count - len(chosen)
        if need == 0:
            return chosen
        draws: list[int] = []
        while len(draws) < need + need // 4 + 4 and len(seen) < current.size:
            index = randbelow(current.size)
            if index not in seen:
                seen.add(index)
                draws.append(index)
        taken: set[int] = set()
        for start in range(0, len(draws), _QUERY_CHUNK):
            chunk = draws[start : start + _QUERY_CHUNK]
            taken.update(
                session.exec(
                    select(StatusEntryRecord.list_index).where(
                        col(StatusEntryRecord.list_id) == current.id,
                        col(StatusEntryRecord.list_index).in_(chunk),
                    )
                )
            )
        chosen.extend([index for index in draws if index not in taken][:need])
    return chosen if len(chosen) == count else None
