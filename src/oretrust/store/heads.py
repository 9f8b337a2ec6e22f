"""What a home has acknowledged, summed up: the heads a restore is compared against.

A backup restored over a live home is only safe if it holds everything the home ever told
anyone: every revocation a verifier saw in a published status list, every issuance a holder
received, every registry event a subscriber's trust list counted. :func:`read_heads` sums a
database up as a small JSON-able dict, read in one transaction (one snapshot):

* ``revocation_log`` / ``registry_log`` — ``{"seq", "hash"}`` of the last entry of each
  hash-chained log (``seq`` 0 for an empty log);
* ``issued`` — credentials issued per issuer DID (never deleted, so the count only grows);
* ``status_lists`` — per list: issuer, ``version`` (bumped by every status change),
  ``allocated`` entries, the ``revoked`` and ``suspended`` indices, and ``published_at`` (the
  newest signed document's time).

``oretrust backup`` stores the heads of its snapshot beside it; ``oretrust heads`` prints a
live home's, for an operator to keep *outside* the database (another site, the object store
of the backups): a later restore is refused when the backup is behind them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from oretrust.store.db import as_utc
from oretrust.store.models import IssuedCredentialRecord
from oretrust.store.registry_models import RegistryEventRecord
from oretrust.store.status_models import (
    RevocationLogRecord,
    StatusEntryRecord,
    StatusListDocumentRecord,
    StatusListRecord,
)

__all__ = ["HEADS_FORMAT", "read_heads"]

#: The ``format`` member of a heads document; a reader refuses others.
HEADS_FORMAT = "oretrust-heads/1"
_REVOKED, _SUSPENDED = 1, 2  # status_entry.status (Token Status List values)


def read_heads(connection: Connection, *, now: datetime) -> dict[str, Any]:
    """The heads of the database behind ``connection``, as of its current transaction.

    The caller picks the snapshot: a plain connection reads the committed state, one inside
    ``pg_export_snapshot``'s transaction reads exactly what ``pg_dump --snapshot`` dumps.
    ``now`` is only recorded (``taken_at``).
    """
    with Session(bind=connection) as session:
        revocation = session.exec(
            select(RevocationLogRecord.seq, RevocationLogRecord.entry_hash)
            .order_by(col(RevocationLogRecord.seq).desc())
            .limit(1)
        ).first()
        registry = session.exec(
            select(RegistryEventRecord.seq, RegistryEventRecord.hash)
            .order_by(col(RegistryEventRecord.seq).desc())
            .limit(1)
        ).first()
        issued = session.exec(
            select(IssuedCredentialRecord.issuer_did, func.count()).group_by(
                col(IssuedCredentialRecord.issuer_did)
            )
        ).all()
        lists = _status_lists(session)
    return {
        "format": HEADS_FORMAT,
        "taken_at": as_utc(now).isoformat(),
        "revocation_log": _head(revocation),
        "registry_log": _head(registry),
        "issued": {issuer: int(count) for issuer, count in sorted(issued)},
        "status_lists": lists,
    }


def _head(row: Any) -> dict[str, Any]:
    return {"seq": int(row[0]), "hash": str(row[1])} if row else {"seq": 0, "hash": ""}


def _status_lists(session: Session) -> dict[str, dict[str, Any]]:
    """Every list with its version, allocation count and non-VALID indices."""
    marked: dict[str, dict[int, list[int]]] = defaultdict(lambda: {_REVOKED: [], _SUSPENDED: []})
    allocated: dict[str, int] = defaultdict(int)
    for list_id, index, status in session.exec(
        select(StatusEntryRecord.list_id, StatusEntryRecord.list_index, StatusEntryRecord.status)
    ):
        allocated[list_id] += 1
        if status in (_REVOKED, _SUSPENDED):
            marked[list_id][status].append(int(index))
    published = dict(
        session.exec(
            select(
                StatusListDocumentRecord.list_id, func.max(StatusListDocumentRecord.issued_at)
            ).group_by(col(StatusListDocumentRecord.list_id))
        ).all()
    )
    lists: dict[str, dict[str, Any]] = {}
    for record in session.exec(select(StatusListRecord).order_by(col(StatusListRecord.id))):
        statuses = marked[record.id]
        when = published.get(record.id)
        lists[record.id] = {
            "issuer": record.issuer_did,
            "version": record.version,
            "allocated": allocated[record.id],
            "revoked": sorted(statuses[_REVOKED]),
            "suspended": sorted(statuses[_SUSPENDED]),
            "published_at": as_utc(when).isoformat() if when is not None else None,
        }
    return lists
