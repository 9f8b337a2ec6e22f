"""Service layer for the identities a home keeps: issuers (did:web), holders (did:jwk), keys.

Owns the transactions; callers get ``…Public`` dataclasses, never table rows.
Key rotation: a new key becomes active and the old one stays published (retired) so that
credentials it signed keep verifying. A key marked *compromised as of* a time stays
published with that time, and a verifier rejects what it signed from then on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from oretrust.codes import Code
from oretrust.did import create_did_jwk
from oretrust.errors import ConflictError, InputError, NotFoundError
from oretrust.home import Home
from oretrust.jwk import public_jwk
from oretrust.keys import LocalSigner, Signer
from oretrust.store.db import as_utc
from oretrust.store.models import HolderRecord, IssuerRecord, KeyRecord

__all__ = [
    "HolderPublic",
    "IssuerPublic",
    "KeyPublic",
    "add_holder",
    "add_issuer",
    "check_signing_keys",
    "find_holder",
    "find_issuer",
    "list_holders",
    "list_issuers",
    "list_keys",
    "mark_key_compromised",
    "rotate_key",
    "signer_for",
]

_Identity = TypeVar("_Identity", IssuerRecord, HolderRecord)
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_DID_WEB = re.compile(r"^did:web:[A-Za-z0-9.%-]+(:[A-Za-z0-9._%-]+)*$")


@dataclass(frozen=True)
class IssuerPublic:
    """An issuer as callers see it."""

    name: str
    did: str
    display_name: str
    role: str


@dataclass(frozen=True)
class HolderPublic:
    """A holder as callers see it."""

    name: str
    did: str
    display_name: str


@dataclass(frozen=True)
class KeyPublic:
    """A key's public facts (never the private key)."""

    kid: str
    algorithm: str
    active: bool
    public_jwk: dict[str, Any]
    created_at: datetime
    compromised_at: datetime | None


def add_issuer(
    home: Home,
    name: str,
    *,
    display_name: str,
    now: datetime,
    did: str | None = None,
    algorithm: str = "EdDSA",
    role: str = "issuer",
) -> IssuerPublic:
    """Register an issuer with a fresh key (DID default: ``did:web:<domain>:issuers:<name>``)."""
    _check_name(name)
    did = did or f"did:web:{home.domain}:issuers:{name}"
    if not _DID_WEB.match(did):
        raise InputError(
            f"issuer DID must be a did:web identifier, got {did!r}", code=Code.INVALID_DID
        )
    record = IssuerRecord(
        name=name, did=did, display_name=display_name, role=role, created_at=as_utc(now)
    )
    with home.session() as session:
        session.add(record)
        try:
            session.flush()
        except IntegrityError as exc:
            raise ConflictError(
                f"an issuer named {name!r} or with DID {did} already exists"
            ) from exc
        _new_key(home, session, did, f"{did}#key-1", algorithm, now)
        session.commit()
    return IssuerPublic(name, did, display_name, role)


def add_holder(
    home: Home, name: str, *, display_name: str, now: datetime, algorithm: str = "EdDSA"
) -> HolderPublic:
    """Register a holder with a fresh key; its DID is the key's did:jwk."""
    _check_name(name)
    key_ref, jwk = _create_key(home, algorithm)
    did = create_did_jwk(jwk)
    with home.session() as session:
        session.add(
            HolderRecord(name=name, did=did, display_name=display_name, created_at=as_utc(now))
        )
        _add_key(session, did, f"{did}#0", key_ref, jwk, algorithm, now)
        try:
            session.commit()
        except IntegrityError as exc:
            raise ConflictError(f"a holder named {name!r} already exists") from exc
    return HolderPublic(name, did, display_name)


def find_issuer(home: Home, name_or_did: str) -> IssuerPublic:
    """Look an issuer up by name or DID; raise NotFoundError."""
    record = _find(home, IssuerRecord, name_or_did, "issuer")
    return IssuerPublic(record.name, record.did, record.display_name, record.role)


def list_issuers(home: Home) -> list[IssuerPublic]:
    """Every issuer in this home, by name."""
    with home.session() as session:
        rows = session.exec(select(IssuerRecord).order_by(IssuerRecord.name))
        return [IssuerPublic(r.name, r.did, r.display_name, r.role) for r in rows]


def find_holder(home: Home, name_or_did: str) -> HolderPublic:
    """Look a holder up by name or DID; raise NotFoundError."""
    record = _find(home, HolderRecord, name_or_did, "holder")
    return HolderPublic(record.name, record.did, record.display_name)


def list_holders(home: Home) -> list[HolderPublic]:
    """Every holder in this home, by name."""
    with home.session() as session:
        rows = session.exec(select(HolderRecord).order_by(HolderRecord.name))
        return [HolderPublic(r.name, r.did, r.display_name) for r in rows]


def _find(home: Home, table: type[_Identity], name_or_did: str, kind: str) -> _Identity:
    """The ``table`` row named (or with the DID) ``name_or_did``; raise NotFoundError."""
    column = table.did if name_or_did.startswith("did:") else table.name
    with home.session() as session:
        record = session.exec(select(table).where(column == name_or_did)).first()
    if record is None:
        raise NotFoundError(f"no {kind} {name_or_did!r} in this home (see 'oretrust {kind} list')")
    return record


def list_keys(home: Home, did: str) -> list[KeyPublic]:
    """Every key (active, retired, compromised) of a DID, oldest first."""
    with home.session() as session:
        rows = session.exec(
            select(KeyRecord).where(KeyRecord.owner_did == did).order_by(KeyRecord.id)  # type: ignore[arg-type]
        )
        return [
            KeyPublic(r.kid, r.algorithm, r.active, r.public_jwk, r.created_at, r.compromised_at)
            for r in rows
        ]


def signer_for(home: Home, did: str) -> Signer:
    """A signer over the active key of ``did``; raise NotFoundError if it has none."""
    with home.session() as session:
        record = session.exec(
            select(KeyRecord).where(KeyRecord.owner_did == did, KeyRecord.active == True)  # noqa: E712
        ).first()
    if record is None:
        raise NotFoundError(f"no active signing key for {did}")
    return LocalSigner(home.keys.load(record.key_ref), record.kid)


def check_signing_keys(home: Home) -> list[str]:
    """Load every issuer's active key now; return the ``kid`` of each one stored unencrypted.

    ``oretrust serve`` runs this before it starts, so a missing or wrong
    ``ORETRUST_KEY_PASSPHRASE`` stops the start (KeyStoreError ``KEY_PASSPHRASE_REQUIRED`` /
    ``KEY_DECRYPTION_FAILED``) instead of a ready service whose issuance fails later.
    """
    with home.session() as session:
        rows = session.exec(
            select(KeyRecord)
            .join(IssuerRecord, IssuerRecord.did == KeyRecord.owner_did)  # type: ignore[arg-type]
            .where(KeyRecord.active == True)  # noqa: E712
            .order_by(KeyRecord.id)  # type: ignore[arg-type]
        ).all()
    return [row.kid for row in rows if not home.keys.is_encrypted(row.key_ref)]


def rotate_key(
    home: Home, name_or_did: str, *, now: datetime, algorithm: str = "EdDSA"
) -> KeyPublic:
    """Make a new key active for an issuer; older keys stay published for verification."""
    issuer = find_issuer(home, name_or_did)
    with home.session() as session:
        existing = list(session.exec(select(KeyRecord).where(KeyRecord.owner_did == issuer.did)))
        for record in existing:
            if record.active:
                record.active = False
                record.retired_at = as_utc(now)
                session.add(record)
        record = _new_key(home, session, issuer.did, _next_kid(session, issuer.did), algorithm, now)
        session.commit()
        return KeyPublic(record.kid, record.algorithm, True, record.public_jwk, now, None)


def mark_key_compromised(home: Home, kid: str, *, as_of: datetime, now: datetime) -> KeyPublic:
    """Mark a key compromised as of ``as_of``; it can no longer sign.

    When it was an issuer's active key, a new key (created ``now``) becomes active in the
    same transaction: the issuer is never left unable to sign its status lists or issue
    (and the lists its stolen key signed are re-signed with the new one at once). A
    holder's key is its did:jwk, so a holder gets no replacement. Raises NotFoundError.
    """
    with home.session() as session:
        record = session.exec(select(KeyRecord).where(KeyRecord.kid == kid)).first()
        if record is None:
            raise NotFoundError(f"no key {kid!r} in this home")
        replace = record.active and _is_issuer(session, record.owner_did)
        record.compromised_at = as_utc(as_of)
        record.active = False
        session.add(record)
        if replace:
            did = record.owner_did
            _new_key(home, session, did, _next_kid(session, did), record.algorithm, now)
        session.commit()
        return KeyPublic(
            record.kid, record.algorithm, False, record.public_jwk, record.created_at, as_of
        )


def _is_issuer(session: Session, did: str) -> bool:
    return session.exec(select(IssuerRecord.did).where(IssuerRecord.did == did)).first() is not None


def _next_kid(session: Session, did: str) -> str:
    """``<did>#key-<n>``: the issuer's next key number (its keys are never deleted)."""
    count = len(session.exec(select(KeyRecord.id).where(KeyRecord.owner_did == did)).all())
    return f"{did}#key-{count + 1}"


def _new_key(
    home: Home, session: Session, did: str, kid: str, algorithm: str, now: datetime
) -> KeyRecord:
    key_ref, jwk = _create_key(home, algorithm)
    return _add_key(session, did, kid, key_ref, jwk, algorithm, now)


def _create_key(home: Home, algorithm: str) -> tuple[str, dict[str, Any]]:
    """A new private key in the key store: its reference and public JWK."""
    key_ref, private_key = home.keys.create(algorithm)
    return key_ref, public_jwk(private_key.public_key())


def _add_key(
    session: Session,
    did: str,
    kid: str,
    key_ref: str,
    jwk: dict[str, Any],
    algorithm: str,
    now: datetime,
) -> KeyRecord:
    record = KeyRecord(
        owner_did=did,
        kid=kid,
        key_ref=key_ref,
        algorithm=algorithm,
        public_jwk=jwk,
        created_at=as_utc(now),
    )
    session.add(record)
    return record


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise InputError(
            f"invalid name {name!r}: use 1-63 lowercase letters, digits and hyphens",
            code=Code.INVALID_NAME,
        )
