"""SQLModel tables of the mass ledger: what each origin certificate held, and what was drawn.

``ledger_entry`` is the ledger: an append-only, hash-chained list (like the revocation log).
An ``origin`` entry records what a certificate's lot held when the ledger first saw it; an
``event`` entry what a registered custody event drew from it; an ``export`` entry what
customs recorded leaving the country under it. Entries carry digests and masses only — no
party, price or declaration — so the ledger's balance can be published.

``ledger_export`` keeps the customs declaration behind an ``export`` entry (number, HS code,
seals, importer): the registry's own record, read by auditors, bound to its entry by the
SHA-256 of its canonical form. Times are naive UTC (see :func:`oretrust.store.db.as_utc`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

__all__ = ["GENESIS_HASH", "LedgerEntryRecord", "LedgerExportRecord", "ledger_head_in"]

#: The ``prev_hash`` of the first entry, and the head of an empty ledger.
GENESIS_HASH = "0" * 64


class LedgerEntryRecord(SQLModel, table=True):
    """One entry of the mass ledger; ``seq`` is its place in the chain (1 = first)."""

    __tablename__ = "ledger_entry"
    __table_args__ = (UniqueConstraint("origin_id", "kind", "source_sha256", "lot_id"),)
    seq: int = Field(primary_key=True)
    kind: str = Field(max_length=16)  #: ``origin``, ``event`` or ``export``
    origin_id: str = Field(index=True, max_length=512)
    origin_sha256: str = Field(max_length=64)
    source_id: str = Field(max_length=512)  #: the origin, event or export id
    source_sha256: str = Field(max_length=64)
    lot_id: str = Field(max_length=256)
    mineral: str = Field(max_length=64)
    country: str = Field(max_length=8)  #: the origin's country (whose customs may export)
    basis: str = Field(max_length=16)
    wet_kg: float
    dry_kg: float | None = None
    contained_kg: float | None = None
    recorded_at: datetime
    prev_hash: str = Field(max_length=64)
    entry_hash: str = Field(unique=True, max_length=64)


class LedgerExportRecord(SQLModel, table=True):
    """A customs export declaration recorded against an origin certificate (auditors only)."""

    __tablename__ = "ledger_export"
    id: str = Field(primary_key=True, max_length=128)
    declaration_number: str = Field(unique=True, max_length=128)
    origin_id: str = Field(index=True, max_length=512)
    hs_code: str = Field(max_length=16)
    seals: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    importer: str = Field(max_length=512)
    wet_kg: float
    recorded_by: str = Field(max_length=512)
    recorded_at: datetime
    sha256: str = Field(max_length=64)


def ledger_head_in(session: Session) -> dict[str, Any]:
    """``{"seq", "hash"}`` of the ledger's last entry (``seq`` 0 and the genesis hash for an
    empty ledger): what others keep to notice a ledger cut short or rewritten."""
    head = session.exec(
        select(LedgerEntryRecord).order_by(col(LedgerEntryRecord.seq).desc()).limit(1)
    ).first()
    return {"seq": head.seq, "hash": head.entry_hash} if head else {"seq": 0, "hash": GENESIS_HASH}
