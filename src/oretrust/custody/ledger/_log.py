"""The mass ledger as an append-only hash chain, verifiable like the revocation log.

Each entry's ``entry_hash`` is SHA-256 over the canonical JSON (sorted keys, no whitespace)
of its content — sequence number, kind, origin id and digest, source id and digest, lot,
mineral, country, basis, the three masses, time — together with ``prev_hash``, the previous
entry's hash (64 zeros for the first). Editing, deleting or reordering an entry breaks the
chain from there on; :func:`verify_ledger` names the first broken one.

A chain alone cannot show that its newest entries were cut off, so :func:`verify_ledger` also
replays it — every draw after its origin's entry, no origin drawn beyond what it held — and
compares the customs declarations kept beside it with their ``export`` entries. The head
(:func:`ledger_head`) is what an offline bundle or an operator keeps elsewhere.

Writers hold the ledger's write lock (:func:`lock_ledger`) from before they read a balance
until they commit, so concurrent registrations queue instead of both spending the same
remainder (PostgreSQL advisory lock, SQLite ``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from oretrust.custody.ledger._draws import Draw, Holding, amounts_dict
from oretrust.custody.links import LotAmount
from oretrust.custody.rules import mineral_rules
from oretrust.encoding import canonical_json
from oretrust.home import Home
from oretrust.status.log import LogVerification, chain_problem
from oretrust.store.db import as_utc
from oretrust.store.ledger_models import (
    GENESIS_HASH,
    LedgerEntryRecord,
    LedgerExportRecord,
    ledger_head_in,
)
from oretrust.store.write_lock import lock_for_writing

__all__ = [
    "GENESIS_HASH",
    "LedgerVerification",
    "append_entry",
    "entry_hash",
    "export_digest",
    "ledger_head",
    "list_ledger",
    "lock_ledger",
    "verify_ledger",
]

_LOCK = "ledger_entry"


def lock_ledger(session: Session) -> None:
    """Hold the ledger's write lock until ``session``'s transaction ends (take it first)."""
    lock_for_writing(session, _LOCK)


def entry_hash(record: LedgerEntryRecord) -> str:
    """The hash an entry must carry: SHA-256 of its canonical content and ``prev_hash``."""
    content = {
        "seq": record.seq,
        "kind": record.kind,
        "origin_id": record.origin_id,
        "origin_sha256": record.origin_sha256,
        "source_id": record.source_id,
        "source_sha256": record.source_sha256,
        "lot_id": record.lot_id,
        "mineral": record.mineral,
        "country": record.country,
        "basis": record.basis,
        "wet_kg": record.wet_kg,
        "dry_kg": record.dry_kg,
        "contained_kg": record.contained_kg,
        "recorded_at": as_utc(record.recorded_at).isoformat(),
        "prev_hash": record.prev_hash,
    }
    return hashlib.sha256(canonical_json(content)).hexdigest()


def export_digest(export: LedgerExportRecord) -> str:
    """The SHA-256 binding a customs declaration to its ``export`` entry: of its canonical
    content (declaration, HS code, seals, importer, mass, origin, recorder, time)."""
    content = {
        "id": export.id,
        "declaration_number": export.declaration_number,
        "origin_id": export.origin_id,
        "hs_code": export.hs_code,
        "seals": list(export.seals),
        "importer": export.importer,
        "wet_kg": export.wet_kg,
        "recorded_by": export.recorded_by,
        "recorded_at": as_utc(export.recorded_at).isoformat(),
    }
    return hashlib.sha256(canonical_json(content)).hexdigest()


def _head(session: Session) -> LedgerEntryRecord | None:
    return session.exec(
        select(LedgerEntryRecord).order_by(col(LedgerEntryRecord.seq).desc()).limit(1)
    ).first()


def append_entry(
    session: Session, holding: Holding, draw: Draw | None, *, now: datetime
) -> LedgerEntryRecord:
    """Stage the next entry (``holding``'s own entry when ``draw`` is None) in the caller's
    transaction, which holds :func:`lock_ledger`; the caller commits."""
    head = _head(session)
    amount = holding.lot if draw is None else draw.amount
    record = LedgerEntryRecord(
        seq=(head.seq + 1) if head else 1,
        kind="origin" if draw is None else draw.kind,
        origin_id=holding.origin_id,
        origin_sha256=holding.origin_sha256,
        source_id=holding.origin_id if draw is None else draw.source_id,
        source_sha256=holding.origin_sha256 if draw is None else draw.source_sha256,
        lot_id=holding.lot.lot_id,
        mineral=holding.mineral,
        country=holding.country,
        basis=holding.basis,
        wet_kg=amount.wet,
        dry_kg=amount.dry,
        contained_kg=amount.contained,
        recorded_at=as_utc(now),
        prev_hash=head.entry_hash if head else GENESIS_HASH,
        entry_hash="",
    )
    record.entry_hash = entry_hash(record)
    session.add(record)
    session.flush()  # the next append in this transaction reads this one as the head
    return record


def ledger_head(home: Home) -> dict[str, Any]:
    """``{"seq", "hash"}`` of the last entry (``seq`` 0, hash of zeros for an empty ledger)."""
    with home.session() as session:
        return ledger_head_in(session)


def entry_dict(record: LedgerEntryRecord) -> dict[str, Any]:
    """JSON form of one entry (``ledger log --json``): digests and masses, no parties."""
    amount = LotAmount(record.lot_id, record.wet_kg, record.dry_kg, record.contained_kg)
    return {
        "seq": record.seq,
        "kind": record.kind,
        "origin": record.origin_id,
        "origin_sha256": record.origin_sha256,
        "source": record.source_id,
        "source_sha256": record.source_sha256,
        "lot": record.lot_id,
        "mineral": record.mineral,
        "basis": record.basis,
        **amounts_dict(amount),
        "recorded_at": as_utc(record.recorded_at).isoformat().replace("+00:00", "Z"),
        "prev_hash": record.prev_hash,
        "entry_hash": record.entry_hash,
    }


def list_ledger(home: Home, origin_id: str | None = None) -> list[dict[str, Any]]:
    """The ledger, oldest first (only ``origin_id``'s entries when given)."""
    query = select(LedgerEntryRecord).order_by(col(LedgerEntryRecord.seq))
    if origin_id is not None:
        query = query.where(LedgerEntryRecord.origin_id == origin_id)
    with home.session() as session:
        return [entry_dict(record) for record in session.exec(query)]


#: The outcome of :func:`verify_ledger`, shaped as the revocation log's.
LedgerVerification = LogVerification


def verify_ledger(home: Home) -> LedgerVerification:
    """Check the chain, replay it, and compare the export declarations; never raises for
    tampering. ``first_broken`` is the ``seq`` of the first bad entry (None when the chain
    holds but the replay or the declarations disagree with it)."""
    with home.session() as session:
        records = list(session.exec(select(LedgerEntryRecord).order_by(col(LedgerEntryRecord.seq))))
        exports = list(session.exec(select(LedgerExportRecord)))
    previous = GENESIS_HASH
    replay = _Replay()
    for position, record in enumerate(records, start=1):
        problem = chain_problem(record, position, previous, entry_hash(record)) or replay.step(
            record
        )
        if problem is not None:
            return LedgerVerification(
                False, len(records), record.seq, f"entry {record.seq} {problem}"
            )
        previous = record.entry_hash
    problem = _exports_problem(records, exports)
    if problem is not None:
        return LedgerVerification(False, len(records), None, problem)
    return LedgerVerification(True, len(records), None, f"{len(records)} entries, chain intact")


class _Replay:
    """Every draw follows its origin's entry and keeps within what the origin held."""

    def __init__(self) -> None:
        self.origins: dict[str, LedgerEntryRecord] = {}
        self.drawn: dict[str, list[LotAmount]] = {}

    def step(self, record: LedgerEntryRecord) -> str | None:
        if record.kind == "origin":
            if record.origin_id in self.origins:
                return f"records origin {record.origin_id} a second time"
            self.origins[record.origin_id] = record
            return None
        origin = self.origins.get(record.origin_id)
        if origin is None or origin.origin_sha256 != record.origin_sha256:
            return f"draws on {record.origin_id}, which no earlier entry records"
        amounts = self.drawn.setdefault(record.origin_id, [])
        amounts.append(LotAmount(record.lot_id, record.wet_kg, record.dry_kg, record.contained_kg))
        return _beyond(origin, amounts)


def _beyond(origin: LedgerEntryRecord, amounts: Sequence[LotAmount]) -> str | None:
    rule = mineral_rules().get(origin.mineral)
    if rule is None:
        return f"names mineral {origin.mineral!r}, which has no balancing rule"
    held = {"wet": origin.wet_kg, "dry": origin.dry_kg, "contained": origin.contained_kg}
    for basis, value in held.items():
        drawn = [a.of(basis) for a in amounts]  # type: ignore[arg-type]
        if value is None or any(d is None for d in drawn):
            continue
        if sum(d for d in drawn if d is not None) > rule.allowance(value):
            return f"draws {origin.origin_id} beyond the {value:,.1f} kg {basis} it held"
    return None


def _exports_problem(
    records: Sequence[LedgerEntryRecord], exports: Sequence[LedgerExportRecord]
) -> str | None:
    entries = {r.source_id: r for r in records if r.kind == "export"}
    for export in exports:
        entry = entries.pop(export.id, None)
        if entry is None:
            return f"export {export.id} ({export.declaration_number}) has no ledger entry"
        if entry.source_sha256 != export_digest(export) or entry.wet_kg != export.wet_kg:
            return f"export {export.id} was altered: it no longer matches its ledger entry"
    if entries:
        return f"ledger entry for export {next(iter(entries))} has no declaration on record"
    return None
