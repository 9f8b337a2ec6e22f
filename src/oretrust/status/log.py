"""The revocation log: an append-only, hash-chained record of every status change.

Each entry's ``entry_hash`` is SHA-256 over the canonical JSON (sorted keys, no whitespace)
of its content — sequence number, credential, list and index, action, previous and new
status, reason, actor, time — together with ``prev_hash``, the previous entry's hash (64
zeros for the first). Editing, deleting or reordering any entry breaks the chain from that
entry on; :func:`verify_log` names the first broken one.

A chain alone cannot show that its newest entries were cut off, so :func:`verify_log` also
replays the log and compares the result with every credential's current status: a status
that changed with no log entry (or whose entry was deleted) is reported too.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlmodel import Session, col, select

from oretrust.encoding import canonical_json
from oretrust.home import Home
from oretrust.status.rules import STATUS_NAMES, STATUS_VALID
from oretrust.store.db import as_utc
from oretrust.store.status_models import RevocationLogRecord, StatusEntryRecord

__all__ = [
    "GENESIS_HASH",
    "ChainedEntry",
    "LogEntry",
    "LogVerification",
    "append_log_entry",
    "chain_problem",
    "entry_hash",
    "list_log",
    "logged_statuses",
    "verify_log",
]

_STATUS_BY_NAME = {name: value for value, name in STATUS_NAMES.items()}

#: ``prev_hash`` of the first entry.
GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class LogEntry:
    """One status change as callers see it."""

    seq: int
    credential_id: str
    list_id: str
    index: int
    action: str
    previous_status: str
    new_status: str
    reason: str
    actor: str
    at: datetime
    prev_hash: str
    entry_hash: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``at`` as ISO 8601 UTC)."""
        result = asdict(self)
        result["at"] = self.at.isoformat().replace("+00:00", "Z")
        return result


@dataclass(frozen=True)
class LogVerification:
    """The outcome of :func:`verify_log`: intact, or where the history was tampered with."""

    intact: bool
    entries: int
    first_broken: int | None
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


def entry_hash(record: RevocationLogRecord) -> str:
    """The hash an entry must carry: SHA-256 of its canonical content and ``prev_hash``."""
    content = {
        "seq": record.seq,
        "credential_id": record.credential_id,
        "list_id": record.list_id,
        "index": record.list_index,
        "action": record.action,
        "previous_status": record.previous_status,
        "new_status": record.new_status,
        "reason": record.reason,
        "actor": record.actor,
        "at": as_utc(record.at).isoformat(),
        "prev_hash": record.prev_hash,
    }
    return hashlib.sha256(canonical_json(content)).hexdigest()


def append_log_entry(
    session: Session,
    entry: StatusEntryRecord,
    *,
    action: str,
    previous: int,
    new: int,
    reason: str,
    actor: str,
    now: datetime,
) -> RevocationLogRecord:
    """Add the next entry to the chain inside the caller's transaction (not committed).

    Two concurrent appends pick the same ``seq``/``prev_hash``; the unique constraints make the
    later commit fail, and the caller retries.
    """
    head = session.exec(
        select(RevocationLogRecord).order_by(col(RevocationLogRecord.seq).desc()).limit(1)
    ).first()
    record = RevocationLogRecord(
        seq=(head.seq + 1) if head else 1,
        credential_id=entry.credential_id,
        list_id=entry.list_id,
        list_index=entry.list_index,
        action=action,
        previous_status=STATUS_NAMES[previous],
        new_status=STATUS_NAMES[new],
        reason=reason,
        actor=actor,
        at=as_utc(now),
        prev_hash=head.entry_hash if head else GENESIS_HASH,
        entry_hash="",
    )
    record.entry_hash = entry_hash(record)
    session.add(record)
    return record


def list_log(home: Home, credential_id: str | None = None) -> list[LogEntry]:
    """The log, oldest first (only ``credential_id``'s entries when given)."""
    query = select(RevocationLogRecord).order_by(col(RevocationLogRecord.seq))
    if credential_id is not None:
        query = query.where(RevocationLogRecord.credential_id == credential_id)
    with home.session() as session:
        return [_public(record) for record in session.exec(query)]


def verify_log(home: Home) -> LogVerification:
    """Check the hash chain and replay it against current statuses; never raises for tampering.

    ``first_broken`` is the ``seq`` of the first entry whose hash, link or sequence number
    is wrong (None when the chain holds but a current status disagrees with it).
    """
    with home.session() as session:
        records = list(
            session.exec(select(RevocationLogRecord).order_by(col(RevocationLogRecord.seq)))
        )
        statuses = {
            entry.credential_id: entry.status for entry in session.exec(select(StatusEntryRecord))
        }
    previous_hash = GENESIS_HASH
    replayed: dict[str, str] = {}
    for position, record in enumerate(records, start=1):
        problem = chain_problem(record, position, previous_hash, entry_hash(record))
        before = replayed.get(record.credential_id, STATUS_NAMES[STATUS_VALID])
        if problem is None and before != record.previous_status:
            problem = (
                f"says {record.credential_id} was {record.previous_status}, but the log before "
                f"it leaves it {before}"
            )
        if problem is not None:
            return LogVerification(False, len(records), record.seq, f"entry {record.seq} {problem}")
        replayed[record.credential_id] = record.new_status
        previous_hash = record.entry_hash
    for credential_id, status in statuses.items():
        expected = STATUS_NAMES.get(status, str(status))
        logged = replayed.get(credential_id, STATUS_NAMES[STATUS_VALID])
        if expected != logged:
            return LogVerification(
                False,
                len(records),
                None,
                f"{credential_id} is {expected} but the log leaves it {logged} "
                "(an entry was removed or the status changed outside the log)",
            )
    return LogVerification(True, len(records), None, f"{len(records)} entries, chain intact")


class ChainedEntry(Protocol):
    """An entry of a hash-chained log (the revocation log, the mass ledger)."""

    @property
    def seq(self) -> int: ...

    @property
    def prev_hash(self) -> str: ...

    @property
    def entry_hash(self) -> str: ...


def chain_problem(
    record: ChainedEntry, position: int, previous_hash: str, expected_hash: str
) -> str | None:
    """What breaks the chain at ``record`` (the ``position``-th entry, after one hashing to
    ``previous_hash``; its content hashes to ``expected_hash``), or None."""
    if record.seq != position:
        return f"has sequence number {record.seq}, expected {position} (an entry is missing)"
    if record.prev_hash != previous_hash:
        return "does not link to the previous entry's hash"
    if record.entry_hash != expected_hash:
        return "was altered: its content no longer matches its hash"
    return None


def _public(record: RevocationLogRecord) -> LogEntry:
    return LogEntry(
        seq=record.seq,
        credential_id=record.credential_id,
        list_id=record.list_id,
        index=record.list_index,
        action=record.action,
        previous_status=record.previous_status,
        new_status=record.new_status,
        reason=record.reason,
        actor=record.actor,
        at=as_utc(record.at),
        prev_hash=record.prev_hash,
        entry_hash=record.entry_hash,
    )


def logged_statuses(session: Session, list_id: str) -> dict[int, int]:
    """Each index of ``list_id`` whose last logged status is not VALID, with that status (an
    unknown status name as -1, which no entry matches): what the list's entries must say."""
    logged: dict[int, int] = {}
    rows = session.exec(
        select(RevocationLogRecord.list_index, RevocationLogRecord.new_status)
        .where(RevocationLogRecord.list_id == list_id)
        .order_by(col(RevocationLogRecord.seq))
    )
    for index, new_status in rows:
        logged[int(index)] = _STATUS_BY_NAME.get(new_status, -1)
    return {index: status for index, status in logged.items() if status != STATUS_VALID}
