"""Allocating status-list indices: random, never reused, safe under concurrent issuers.

Each credential issued with status gets one uniformly random index in its issuer's current
list (herd privacy: an index says nothing about when or in what order a credential was
issued). Safety does not depend on the allocator being alone:

* the database's unique ``(list_id, list_index)`` constraint decides; an insert that loses a
  race fails with an integrity error and the allocator draws again;
* after a few collisions (the list is filling up) it reads the free indices and draws one of
  those; when none is left it marks the list full and the next list (``seq + 1``, unique per
  issuer) is opened — again by whichever process inserts it first.

The list is published by the writer, not by its first reader: once an index is taken,
:func:`~oretrust.status.publication.refresh_status_list` signs the list's documents if it has
none yet (a list just opened) or they are stale, before the credential that points into it
exists — so its very first verification finds them (and never has to sign).

Randomness is a parameter (``randbelow``, default :func:`secrets.randbelow`), so tests can
force collisions deterministically. :func:`credential_status_entries` and
:func:`token_status_reference` turn an :class:`Allocation` into what a vc+jwt or an SD-JWT VC
carries.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from oretrust.codes import Code
from oretrust.errors import ConflictError
from oretrust.home import Home
from oretrust.status.publication import refresh_status_list
from oretrust.status.rules import (
    LIST_SIZE,
    Purpose,
    can_suspend,
    document_id,
    list_url,
    status_purposes,
)
from oretrust.store.db import as_utc
from oretrust.store.status_models import StatusEntryRecord, StatusListRecord

__all__ = [
    "Allocation",
    "Randbelow",
    "allocate_index",
    "credential_status_entries",
    "find_allocation",
    "token_status_reference",
]

#: ``randbelow(n)`` returns an integer in ``[0, n)``; must be a CSPRNG outside tests.
Randbelow = Callable[[int], int]

_RANDOM_TRIES = 8  # draws before falling back to reading the free indices
_MAX_ROUNDS = 64  # bound on retries under contention (each round re-reads the state)


@dataclass(frozen=True)
class Allocation:
    """Where one credential's status lives: list, index, and the purposes it carries."""

    credential_id: str
    issuer_did: str
    list_id: str
    index: int
    purposes: tuple[Purpose, ...]


def allocate_index(
    home: Home,
    *,
    issuer_did: str,
    credential_id: str,
    type_name: str,
    now: datetime,
    randbelow: Randbelow = secrets.randbelow,
    list_size: int = LIST_SIZE,
) -> Allocation:
    """Give ``credential_id`` a fresh random index in ``issuer_did``'s current list.

    ``list_size`` is for tests of list roll-over only (published lists need 131,072).
    The list's documents are signed at ``now`` if it has none or they are stale (see the
    module docstring). Raises ConflictError ``STATUS_ALREADY_ALLOCATED`` if the credential
    already has an index, ``STATUS_ALLOCATION_FAILED`` if contention never let an insert
    through; NotFoundError if the issuer has no active key to sign its list with.
    """
    for _ in range(_MAX_ROUNDS):
        current = _current_list(home, issuer_did, list_size, now, randbelow)
        for _ in range(_RANDOM_TRIES):
            index = randbelow(current.size)
            if _try_insert(home, current, index, credential_id, type_name, now):
                return _published(home, current, index, credential_id, type_name, now)
        free_index = _pick_free(home, current, randbelow)
        if free_index is None:
            _mark_full(home, current.id)
            continue
        if _try_insert(home, current, free_index, credential_id, type_name, now):
            return _published(home, current, free_index, credential_id, type_name, now)
    raise ConflictError(
        f"could not allocate a status index for {credential_id}", code=Code.STATUS_ALLOCATION_FAILED
    )


def find_allocation(home: Home, credential_id: str) -> Allocation | None:
    """The allocation recorded for ``credential_id``, or None."""
    with home.session() as session:
        entry = session.exec(
            select(StatusEntryRecord).where(StatusEntryRecord.credential_id == credential_id)
        ).first()
    if entry is None:
        return None
    return _allocation(
        entry.credential_id,
        entry.issuer_did,
        entry.list_id,
        entry.list_index,
        entry.credential_type,
    )


def credential_status_entries(allocation: Allocation, base_url: str) -> list[dict[str, Any]]:
    """The ``credentialStatus`` array of a vc+jwt: one BitstringStatusListEntry per purpose."""
    entries: list[dict[str, Any]] = []
    for purpose in allocation.purposes:
        url = list_url(base_url, document_id(allocation.list_id, purpose))
        entries.append(
            {
                "id": f"{url}#{allocation.index}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose,
                "statusListIndex": str(allocation.index),
                "statusListCredential": url,
            }
        )
    return entries


def token_status_reference(allocation: Allocation, base_url: str) -> dict[str, Any]:
    """The SD-JWT VC ``status`` claim: ``{"status_list": {"idx": i, "uri": <tsl url>}}``."""
    url = list_url(base_url, document_id(allocation.list_id, "tsl"))
    return {"status_list": {"idx": allocation.index, "uri": url}}


# ---------------------------------------------------------------------- internals
def _published(
    home: Home,
    current: StatusListRecord,
    index: int,
    credential_id: str,
    type_name: str,
    now: datetime,
) -> Allocation:
    """The allocation, once the list it points into is published (signed if new or stale)."""
    refresh_status_list(home, current.id, now=now)
    return _allocation(credential_id, current.issuer_did, current.id, index, type_name)


def _allocation(
    credential_id: str, issuer_did: str, list_id: str, index: int, type_name: str
) -> Allocation:
    return Allocation(credential_id, issuer_did, list_id, index, status_purposes(type_name))


def _current_list(
    home: Home, issuer_did: str, list_size: int, now: datetime, randbelow: Randbelow
) -> StatusListRecord:
    """The issuer's newest list that is not full, opening list ``seq + 1`` if needed."""
    while True:
        with home.session() as session:
            newest = session.exec(
                select(StatusListRecord)
                .where(StatusListRecord.issuer_did == issuer_did)
                .order_by(col(StatusListRecord.seq).desc())
                .limit(1)
            ).first()
            if newest is not None and not newest.full:
                return newest
            record = StatusListRecord(
                id=secrets.token_hex(8),  # list names never come from the injectable index source
                issuer_did=issuer_did,
                seq=(newest.seq + 1) if newest else 1,
                size=list_size,
                created_at=as_utc(now),
            )
            session.add(record)
            try:
                session.commit()
            except IntegrityError:  # another process opened it first (or an id clash): re-read
                session.rollback()
                continue
            return record


def _try_insert(
    home: Home,
    current: StatusListRecord,
    index: int,
    credential_id: str,
    type_name: str,
    now: datetime,
) -> bool:
    with home.session() as session:
        session.add(
            StatusEntryRecord(
                list_id=current.id,
                list_index=index,
                credential_id=credential_id,
                credential_type=type_name,
                issuer_did=current.issuer_did,
                suspendable=can_suspend(type_name),
                allocated_at=as_utc(now),
                updated_at=as_utc(now),
            )
        )
        try:
            session.commit()
            return True
        except IntegrityError:
            session.rollback()
    if find_allocation(home, credential_id) is not None:
        raise ConflictError(
            f"{credential_id} already has a status index", code=Code.STATUS_ALREADY_ALLOCATED
        )
    return False


def _pick_free(home: Home, current: StatusListRecord, randbelow: Randbelow) -> int | None:
    """A uniformly random index among those not yet taken, or None when the list is full."""
    with home.session() as session:
        taken = sorted(
            set(
                session.exec(
                    select(StatusEntryRecord.list_index).where(
                        StatusEntryRecord.list_id == current.id
                    )
                )
            )
        )
    free = current.size - len(taken)
    if free <= 0:
        return None
    index = randbelow(free)  # the index-th free slot: step over every taken slot at or below it
    for slot in taken:
        if slot > index:
            break
        index += 1
    return index


def _mark_full(home: Home, list_id: str) -> None:
    with home.session() as session:
        session.execute(
            update(StatusListRecord).where(col(StatusListRecord.id) == list_id).values(full=True)
        )
        session.commit()
