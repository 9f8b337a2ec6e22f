"""API bearer tokens: create, list, revoke, authenticate. Only SHA-256 hashes are stored.

A token reads ``ort_<id>_<secret>``: ``id`` (12 hex digits) names the row, ``secret`` is 256
random bits. The database keeps the SHA-256 of the whole token, compared in constant time
(:func:`hmac.compare_digest`); the token itself is shown once, by ``oretrust token create``.
Every token has a role, an expiry and can be revoked; an ``issuer`` token is bound to one
issuer DID of the home, a ``holder`` token to one holder DID of the home (the column
``issuer_did`` keeps the DID a token is scoped to: the issuer's, or the holder's).

Roles::

    registry-admin   accredit, suspend, withdraw, recognise; read history and logs
    issuer           issue, revoke, suspend, reinstate — its own issuer's credentials only
    auditor          read the registry history and the revocation log
    holder           open its own holder's wallet page (``/wallet``); no API route

:func:`authenticate` fails with one :class:`AuthenticationError` whatever the reason (unknown,
malformed, expired, revoked), so a caller cannot learn which tokens exist.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, cast

from sqlmodel import col, select

from oretrust.api.auth import ROLES, AuthenticationError, Principal, Role
from oretrust.codes import Code
from oretrust.errors import InputError, NotFoundError
from oretrust.home import Home
from oretrust.identities import find_holder, find_issuer
from oretrust.store.auth_models import ApiTokenRecord
from oretrust.store.db import as_utc

__all__ = [
    "MAX_LIFETIME",
    "TokenPublic",
    "authenticate",
    "create_token",
    "list_tokens",
    "parse_lifetime",
    "revoke_token",
]

MAX_LIFETIME: Final = timedelta(days=366)
MAX_TOKEN_LENGTH: Final = 128

_PREFIX = "ort_"
_TOKEN = re.compile(r"^ort_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
_LIFETIME = re.compile(r"^([1-9][0-9]{0,6})([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_DUMMY_HASH = hashlib.sha256(b"no such token").hexdigest()


@dataclass(frozen=True)
class TokenPublic:
    """What may be shown about a token: never its secret or hash."""

    id: str
    role: str
    issuer: str | None
    label: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    holder: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form (times as ISO 8601)."""
        return {
            "id": self.id,
            "role": self.role,
            "issuer": self.issuer,
            "label": self.label,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "holder": self.holder,
        }


def parse_lifetime(text: str) -> timedelta:
    """``30d``, ``12h``, ``90m``, ``3600s`` → a timedelta of at most a year; InputError else."""
    match = _LIFETIME.match(text.strip())
    if match is None:
        raise InputError(
            f"{text[:40]!r} is not a lifetime such as 30d, 12h, 90m", code=Code.INVALID_LIFETIME
        )
    lifetime = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    if lifetime > MAX_LIFETIME:
        raise InputError("a token may live at most 366 days", code=Code.INVALID_LIFETIME)
    return lifetime


def create_token(
    home: Home,
    *,
    role: str,
    now: datetime,
    expires_in: timedelta,
    issuer: str | None = None,
    label: str = "",
    holder: str | None = None,
) -> tuple[TokenPublic, str]:
    """Create a token; return its public facts and the token (the only time it is known).

    ``issuer`` (a name or DID of this home) is required for, and only for, the ``issuer``
    role, ``holder`` (a holder name or DID of this home) for and only for the ``holder``
    role. Raises InputError (role, scope, lifetime, label), NotFoundError (issuer, holder).
    """
    if role not in ROLES:
        raise InputError(f"role must be one of {', '.join(ROLES)}", code=Code.INVALID_ROLE)
    if (role == "issuer") != (issuer is not None):
        raise InputError(
            "--issuer is required for, and only for, the issuer role", code=Code.INVALID_SCOPE
        )
    if (role == "holder") != (holder is not None):
        raise InputError(
            "--holder is required for, and only for, the holder role", code=Code.INVALID_SCOPE
        )
    if not timedelta(0) < expires_in <= MAX_LIFETIME:
        raise InputError("a token must expire within 366 days", code=Code.INVALID_LIFETIME)
    if len(label) > 256:
        raise InputError("the label is longer than 256 characters", code=Code.INVALID_INPUT)
    issuer_did = find_issuer(home, issuer).did if issuer is not None else None
    if holder is not None:
        issuer_did = find_holder(home, holder).did  # the column keeps the token's scope DID
    token_id = secrets.token_hex(6)
    token = f"{_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
    record = ApiTokenRecord(
        id=token_id,
        token_hash=_hash(token),
        role=role,
        issuer_did=issuer_did,
        label=label,
        created_at=now,
        expires_at=now + expires_in,
    )
    with home.session() as session:
        session.add(record)
        session.commit()
    return _public(record), token


def list_tokens(home: Home) -> list[TokenPublic]:
    """Every token (revoked and expired ones too), oldest first."""
    with home.session() as session:
        rows = session.exec(select(ApiTokenRecord).order_by(col(ApiTokenRecord.created_at)))
        return [_public(row) for row in rows]


def revoke_token(home: Home, token_id: str, *, now: datetime) -> TokenPublic:
    """Revoke a token from ``now`` on (repeating it changes nothing); NotFoundError if unknown."""
    with home.session() as session:
        record = session.get(ApiTokenRecord, token_id)
        if record is None:
            raise NotFoundError(f"no token {token_id[:40]!r}", code=Code.TOKEN_NOT_FOUND)
        if record.revoked_at is None:
            record.revoked_at = now
            session.add(record)
            session.commit()
        return _public(record)


def authenticate(home: Home, token: str, *, now: datetime) -> Principal:
    """The principal of a valid, unexpired, unrevoked ``token``; AuthenticationError else."""
    match = _TOKEN.match(token) if len(token) <= MAX_TOKEN_LENGTH else None
    record = None
    if match is not None:
        with home.session() as session:
            record = session.get(ApiTokenRecord, match.group(1))
    expected = record.token_hash if record is not None else _DUMMY_HASH
    if not hmac.compare_digest(expected, _hash(token)) or record is None:
        raise AuthenticationError()
    if record.revoked_at is not None or now >= as_utc(record.expires_at):
        raise AuthenticationError()
    if record.role == "holder":
        return Principal(record.id, "holder", holder_did=record.issuer_did)
    return Principal(record.id, cast(Role, record.role), record.issuer_did)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _public(record: ApiTokenRecord) -> TokenPublic:
    holder = record.role == "holder"
    return TokenPublic(
        record.id,
        record.role,
        None if holder else record.issuer_did,
        record.label,
        as_utc(record.created_at),
        as_utc(record.expires_at),
        as_utc(record.revoked_at) if record.revoked_at else None,
        record.issuer_did if holder else None,
    )
