"""SQLModel tables of the trust registry: the signed event log and the state it produces.

``registry_event`` is the source of truth: an append-only, hash-chained list of events, each
a JWS signed by the registry operator. ``accreditation``, ``recognition`` and
``jurisdiction_flag`` are projections of that log, kept in the same transaction as the event
that changed them so queries need not replay the log; ``oretrust registry verify-log``
replays it and compares. Times are naive UTC (see :func:`oretrust.store.db.as_utc`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

__all__ = [
    "AccreditationRecord",
    "JurisdictionFlagRecord",
    "RecognitionRecord",
    "RegistryEventRecord",
]


class RegistryEventRecord(SQLModel, table=True):
    """One signed registry event; ``seq`` is its place in the chain (1 = genesis)."""

    __tablename__ = "registry_event"
    seq: int = Field(primary_key=True)
    kind: str = Field(index=True, max_length=64)
    subject: str = Field(index=True, max_length=512)
    entity_id: str | None = Field(default=None, index=True, max_length=2048)
    recorded_at: datetime
    prev_hash: str = Field(max_length=64)
    hash: str = Field(unique=True, max_length=64)
    jws: str = Field(sa_column=Column(Text, nullable=False))


class AccreditationRecord(SQLModel, table=True):
    """An authority's accreditation of an entity for an action on a jurisdiction."""

    __tablename__ = "accreditation"
    id: str = Field(primary_key=True, max_length=128)
    authority_id: str = Field(index=True, max_length=512)
    entity_id: str = Field(index=True, max_length=2048)
    action: str = Field(index=True, max_length=128)
    resource: str = Field(max_length=16)
    valid_from: datetime
    valid_until: datetime | None = None
    withdrawn_at: datetime | None = None
    suspensions: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )


class RecognitionRecord(SQLModel, table=True):
    """An authority's recognition of another authority for an action on a jurisdiction."""

    __tablename__ = "recognition"
    id: str = Field(primary_key=True, max_length=128)
    authority_id: str = Field(index=True, max_length=512)
    entity_id: str = Field(index=True, max_length=2048)
    action: str = Field(max_length=128)
    resource: str = Field(max_length=16)
    valid_from: datetime
    valid_until: datetime | None = None
    withdrawn_at: datetime | None = None


class JurisdictionFlagRecord(SQLModel, table=True):
    """A jurisdiction the registry operator marks conflict-affected or high-risk."""

    __tablename__ = "jurisdiction_flag"
    code: str = Field(primary_key=True, max_length=16)
    risk: str = Field(max_length=16)
    source: str = Field(max_length=1024)
    as_of: date
    flagged_at: datetime
