"""SQLModel tables. Table models never leave ``store/`` and the service layer.

Private key material is never stored here: a key row holds only a reference to the file in
the home's ``keys/`` folder and the public JWK.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

__all__ = [
    "HolderRecord",
    "HomeSetting",
    "IssuedCredentialRecord",
    "IssuerRecord",
    "KeyRecord",
    "WalletEntry",
]


class HomeSetting(SQLModel, table=True):
    """Key/value settings of a home (e.g. its public domain for did:web)."""

    __tablename__ = "home_setting"
    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=512)


class IssuerRecord(SQLModel, table=True):
    """An institution whose keys this home holds: an issuer or the registry operator."""

    __tablename__ = "issuer"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=64)
    did: str = Field(index=True, unique=True, max_length=512)
    display_name: str = Field(max_length=256)
    role: str = Field(default="issuer", max_length=32)
    created_at: datetime


class HolderRecord(SQLModel, table=True):
    """A holder (mine operator, trader, refinery…) whose did:jwk key this home keeps."""

    __tablename__ = "holder"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=64)
    did: str = Field(index=True, unique=True, max_length=2048)
    display_name: str = Field(max_length=256)
    created_at: datetime


class KeyRecord(SQLModel, table=True):
    """A signing key: its DID URL, public JWK, file reference and lifecycle times."""

    __tablename__ = "signing_key"
    id: int | None = Field(default=None, primary_key=True)
    owner_did: str = Field(index=True, max_length=2048)
    kid: str = Field(unique=True, max_length=2600)
    key_ref: str = Field(max_length=64)
    algorithm: str = Field(max_length=16)
    public_jwk: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    active: bool = True
    created_at: datetime
    retired_at: datetime | None = None
    compromised_at: datetime | None = None


class IssuedCredentialRecord(SQLModel, table=True):
    """What an issuer issued: never the credential itself, only its identity and hash."""

    __tablename__ = "issued_credential"
    id: str = Field(primary_key=True, max_length=128)
    type: str = Field(index=True, max_length=128)
    format: str = Field(max_length=32)
    issuer_did: str = Field(index=True, max_length=512)
    holder_did: str | None = Field(default=None, index=True, max_length=2048)
    issued_at: datetime
    valid_from: datetime
    valid_until: datetime | None = None
    sha256: str = Field(max_length=64)


class WalletEntry(SQLModel, table=True):
    """A credential kept in a holder's wallet."""

    __tablename__ = "wallet_credential"
    __table_args__ = (UniqueConstraint("holder_did", "credential_id"),)
    id: int | None = Field(default=None, primary_key=True)
    holder_did: str = Field(index=True, max_length=2048)
    credential_id: str = Field(max_length=128)
    type: str = Field(max_length=128)
    format: str = Field(max_length=32)
    issuer_did: str = Field(max_length=512)
    token: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime
