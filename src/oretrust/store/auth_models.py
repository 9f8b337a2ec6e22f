"""Tables of the HTTP service: API tokens, the audit log, the published trust list.

* :class:`ApiTokenRecord` — a bearer token. Only the SHA-256 of the secret is stored; the
  secret itself is printed once by ``oretrust token create`` and never kept. A token has a
  role (``registry-admin``, ``issuer``, ``auditor``), an issuer DID for the ``issuer`` role,
  an expiry and, once revoked, its revocation time.
* :class:`AuditRecord` — one authenticated mutating HTTP call: who (token id, role, issuer),
  what (method, path, target) and the outcome (HTTP status, problem code).
* :class:`PublishedTrustListRecord` — the signed trust list currently served at
  ``GET /trust-list``, shared by every worker so they all serve the same, never older, list.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Text
from sqlmodel import Field, SQLModel

__all__ = ["ApiTokenRecord", "AuditRecord", "PublishedTrustListRecord"]


class ApiTokenRecord(SQLModel, table=True):
    """A bearer token of the HTTP API: its public id, secret hash, role, scope and lifetime."""

    __tablename__ = "api_token"
    id: str = Field(primary_key=True, max_length=32)
    token_hash: str = Field(unique=True, max_length=64)
    role: str = Field(max_length=32)
    issuer_did: str | None = Field(default=None, max_length=512)
    label: str = Field(default="", max_length=256)
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None


class AuditRecord(SQLModel, table=True):
    """One authenticated mutating API call and its outcome."""

    __tablename__ = "api_audit"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    token_id: str = Field(index=True, max_length=32)
    role: str = Field(max_length=32)
    issuer_did: str | None = Field(default=None, max_length=512)
    method: str = Field(max_length=8)
    path: str = Field(max_length=512)
    target: str | None = Field(default=None, max_length=512)
    status: int
    code: str = Field(max_length=64)


class PublishedTrustListRecord(SQLModel, table=True):
    """The trust list served now for one registry, with the log head and ``iat`` it has."""

    __tablename__ = "published_trust_list"
    registry_did: str = Field(primary_key=True, max_length=512)
    # NumericDates outlive 2038: 64-bit columns.
    iat: int = Field(sa_column=Column(BigInteger, nullable=False))
    exp: int = Field(sa_column=Column(BigInteger, nullable=False))
    log_seq: int
    log_hash: str = Field(max_length=64)
    token: str = Field(sa_column=Column(Text, nullable=False))
