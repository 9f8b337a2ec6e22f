"""Tables of the revocation registry: status lists, allocated entries, signed documents, log.

* :class:`StatusListRecord` — one issuer's list of 131,072 slots. ``(issuer_did, seq)`` is
  unique, so two processes that both find the current list full cannot both open list
  ``seq + 1``. ``version`` increases with every status change in the list.
* :class:`StatusEntryRecord` — one credential's slot. ``(list_id, list_index)`` is unique:
  the database, not the allocator, guarantees that an index is never handed out twice.
  ``(list_id, status, list_index)`` is indexed so a list is rebuilt after a revocation from
  its non-zero entries alone (a range of the index, not a scan of the list's 131,072 rows).
* :class:`StatusListDocumentRecord` — the signed document currently published for one of the
  list's URLs, with the list ``version``, URL and key it was signed at/with (re-signed when
  any of them is no longer current).
* :class:`RevocationLogRecord` — the append-only, hash-chained history of status changes.
  ``seq`` (primary key) and ``prev_hash`` are both unique, so two concurrent appends cannot
  fork the chain: the second one fails and retries on top of the first.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

__all__ = [
    "RevocationLogRecord",
    "StatusEntryRecord",
    "StatusListDocumentRecord",
    "StatusListRecord",
]


class StatusListRecord(SQLModel, table=True):
    """A status list of one issuer: the slots that credentials' status indices point into."""

    __tablename__ = "status_list"
    __table_args__ = (UniqueConstraint("issuer_did", "seq", name="uq_status_list_issuer_seq"),)
    id: str = Field(primary_key=True, max_length=64)
    issuer_did: str = Field(index=True, max_length=512)
    seq: int
    size: int
    full: bool = False
    version: int = 0
    created_at: datetime


class StatusEntryRecord(SQLModel, table=True):
    """The slot allocated to one credential, and that credential's current status."""

    __tablename__ = "status_entry"
    __table_args__ = (
        UniqueConstraint("list_id", "list_index", name="uq_status_entry_list_index"),
        Index("ix_status_entry_list_status_index", "list_id", "status", "list_index"),
    )
    id: int | None = Field(default=None, primary_key=True)
    list_id: str = Field(foreign_key="status_list.id", max_length=64)
    list_index: int
    credential_id: str = Field(unique=True, max_length=128)
    credential_type: str = Field(max_length=128)
    issuer_did: str = Field(max_length=512)
    suspendable: bool = False
    status: int = 0  # Token Status List values: 0 VALID, 1 INVALID (revoked), 2 SUSPENDED
    allocated_at: datetime
    updated_at: datetime


class StatusListDocumentRecord(SQLModel, table=True):
    """The signed document served at one status-list URL, and the list version it shows."""

    __tablename__ = "status_list_document"
    id: str = Field(primary_key=True, max_length=96)
    list_id: str = Field(foreign_key="status_list.id", index=True, max_length=64)
    kind: str = Field(max_length=16)
    url: str = Field(max_length=600)
    kid: str = Field(max_length=2600)
    media_type: str = Field(max_length=64)
    version: int
    token: str = Field(sa_column=Column(Text, nullable=False))
    issued_at: datetime
    expires_at: datetime


class RevocationLogRecord(SQLModel, table=True):
    """One status change; ``entry_hash`` covers the content and ``prev_hash``."""

    __tablename__ = "revocation_log"
    __table_args__ = (Index("ix_revocation_log_list_seq", "list_id", "seq"),)
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    credential_id: str = Field(index=True, max_length=128)
    list_id: str = Field(max_length=64)
    list_index: int
    action: str = Field(max_length=16)
    previous_status: str = Field(max_length=16)
    new_status: str = Field(max_length=16)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    actor: str = Field(max_length=512)
    at: datetime
    prev_hash: str = Field(unique=True, max_length=64)
    entry_hash: str = Field(max_length=64)
