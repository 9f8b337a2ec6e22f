"""The verifier side of the trust registry: the registries a home subscribes to.

:class:`TrustSubscriptionRecord` — one registry whose signed trust list this home follows
(``oretrust trust add-registry``): where the list comes from, the registry's DID document and
the key thumbprints pinned at subscription time, the newest verified list itself (its
``iat``/``exp``/digest, so an older list is refused as a rollback) and the HTTP cache state
(``ETag``, ``max-age``) of the last fetch. Times are NumericDates (64-bit integers).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Text
from sqlmodel import Field, SQLModel

__all__ = ["TrustSubscriptionRecord"]


class TrustSubscriptionRecord(SQLModel, table=True):
    """A subscribed registry and its newest verified trust list."""

    __tablename__ = "trust_subscription"
    registry_did: str = Field(primary_key=True, max_length=512)
    source: str = Field(sa_column=Column(Text, nullable=False))
    root: bool = True
    pinned_thumbprints: list[str] = Field(sa_column=Column(JSON, nullable=False))
    did_document: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    token: str = Field(sa_column=Column(Text, nullable=False))
    iat: int = Field(sa_column=Column(BigInteger, nullable=False))
    exp: int = Field(sa_column=Column(BigInteger, nullable=False))
    sha256: str = Field(max_length=64)
    etag: str | None = Field(default=None, max_length=256)
    max_age: int | None = None
    fetched_at: int = Field(sa_column=Column(BigInteger, nullable=False))
    added_at: int = Field(sa_column=Column(BigInteger, nullable=False))
