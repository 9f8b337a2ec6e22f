"""Revoke, suspend, reinstate: the status changes an issuer makes, each logged and published.

State machine (per credential, starting VALID)::

    revoke     VALID | SUSPENDED -> REVOKED      REVOKED -> no-op (idempotent)
    suspend    VALID -> SUSPENDED                SUSPENDED -> no-op (idempotent)
                                                 REVOKED -> ConflictError CREDENTIAL_REVOKED
    reinstate  SUSPENDED -> VALID                REVOKED -> ConflictError CREDENTIAL_REVOKED
                                                 VALID -> ConflictError NOT_SUSPENDED

Revocation is permanent. Suspending a type that cannot be suspended (see
:mod:`oretrust.status.policy`) raises ConflictError ``SUSPENSION_NOT_ALLOWED``.

**Idempotency**: repeating a revoke (or a suspend) is not an error and writes **no** log
entry; the returned :class:`StatusChange` has ``changed=False`` and ``log_seq=None``. The log
therefore holds only real transitions, so replaying it reproduces every current status.

Each change commits, in one transaction: the entry's new status (a conditional update, so a
concurrent change of the same credential makes this one retry on the new state), the list's
``version + 1``, the log entry, and the list's documents re-signed at ``now`` by the issuer
(:func:`oretrust.status.publication.publish_in_session`: three signatures per change, one
list). The writer publishes, so readers never sign: once a call returns, the very next read
of the list shows the change, and a change that could not be published was not made.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from oretrust.codes import Code
from oretrust.errors import ConflictError, InputError, NotFoundError
from oretrust.formats.jws import JwsSigner
from oretrust.home import Home
from oretrust.identities import signer_for
from oretrust.status.log import append_log_entry
from oretrust.status.publication import publish_in_session
from oretrust.status.rules import (
    STATUS_NAMES,
    STATUS_REVOKED,
    STATUS_SUSPENDED,
    STATUS_VALID,
    DocumentKind,
    document_id,
    list_url,
    status_purposes,
)
from oretrust.store.db import as_utc
from oretrust.store.models import IssuedCredentialRecord
from oretrust.store.status_models import StatusEntryRecord, StatusListRecord

__all__ = [
    "Action",
    "CredentialStatus",
    "StatusChange",
    "change_status",
    "credential_status",
    "reinstate",
    "revoke",
    "suspend",
]

Action = Literal["revoke", "suspend", "reinstate"]

_MAX_REASON = 1000
_MAX_ACTOR = 256
_MAX_ATTEMPTS = 50


@dataclass(frozen=True)
class StatusChange:
    """The outcome of a status operation."""

    credential_id: str
    list_id: str
    index: int
    previous: str
    status: str
    changed: bool
    log_seq: int | None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


@dataclass(frozen=True)
class CredentialStatus:
    """A credential's current status and where it is published."""

    credential_id: str
    issuer: str
    type: str
    status: str
    list_id: str
    index: int
    status_list_urls: list[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


def revoke(
    home: Home, credential_id: str, *, reason: str, now: datetime, actor: str | None = None
) -> StatusChange:
    """Revoke permanently (idempotent). Raises NotFoundError, InputError (no reason)."""
    return change_status(home, credential_id, "revoke", reason=reason, now=now, actor=actor)


def suspend(
    home: Home, credential_id: str, *, reason: str, now: datetime, actor: str | None = None
) -> StatusChange:
    """Suspend (idempotent). Raises ConflictError if revoked or not suspendable, NotFoundError."""
    return change_status(home, credential_id, "suspend", reason=reason, now=now, actor=actor)


def reinstate(
    home: Home, credential_id: str, *, reason: str, now: datetime, actor: str | None = None
) -> StatusChange:
    """Lift a suspension. Raises ConflictError if revoked or not suspended, NotFoundError."""
    return change_status(home, credential_id, "reinstate", reason=reason, now=now, actor=actor)


def change_status(
    home: Home,
    credential_id: str,
    action: Action,
    *,
    reason: str,
    now: datetime,
    actor: str | None = None,
) -> StatusChange:
    """Apply ``action`` under the state machine above; see the module docstring.

    ``actor`` (who acts; default: the issuer's DID) and ``reason`` are logged. Raises
    InputError (empty/too long reason or actor), NotFoundError (unknown credential),
    ConflictError (refused transition, no status entry, or unresolvable contention).
    """
    reason = _text(reason, "reason", _MAX_REASON)
    base_url = home.base_url
    signer: JwsSigner | None = None
    for _ in range(_MAX_ATTEMPTS):
        with home.session() as session:
            entry = _entry(session, credential_id)
            who = _text(actor or entry.issuer_did, "actor", _MAX_ACTOR)
            target = _target(entry, action)
            if target is None:
                return _change(entry, entry.status, entry.status, None)
            # The key is loaded before the transaction's first write (it may be slow to decrypt).
            signer = signer or signer_for(home, entry.issuer_did)
            previous = entry.status  # the ORM update below also refreshes ``entry``
            seq = _commit_change(
                session,
                entry,
                _Transition(action, previous, target, reason, who, now),
                base_url=base_url,
                signer=signer,
            )
            if seq is not None:
                return _change(entry, previous, target, seq)
    raise ConflictError(
        f"{credential_id}: too many concurrent status changes, try again",
        code=Code.STATUS_CONTENDED,
    )


def credential_status(home: Home, credential_id: str) -> CredentialStatus:
    """The current status of ``credential_id``; raises NotFoundError / ConflictError."""
    with home.session() as session:
        entry = _entry(session, credential_id)
    kinds: list[DocumentKind] = [*status_purposes(entry.credential_type), "tsl"]
    urls = [list_url(home.base_url, document_id(entry.list_id, kind)) for kind in kinds]
    return CredentialStatus(
        entry.credential_id,
        entry.issuer_did,
        entry.credential_type,
        STATUS_NAMES[entry.status],
        entry.list_id,
        entry.list_index,
        urls,
    )


# ---------------------------------------------------------------------- internals
@dataclass(frozen=True)
class _Transition:
    """One status change as it is applied and logged."""

    action: Action
    previous: int
    target: int
    reason: str
    actor: str
    now: datetime


def _commit_change(
    session: Session,
    entry: StatusEntryRecord,
    change: _Transition,
    *,
    base_url: str,
    signer: JwsSigner,
) -> int | None:
    """Apply ``change`` in one transaction and commit it; return its log ``seq``.

    Status, list version, log entry and the list's re-signed documents commit together or
    not at all. None (rolled back) when a concurrent change got there first — the entry moved,
    or the log position or a document was taken — for the caller to retry on the new state.
    """
    moved = session.execute(
        update(StatusEntryRecord)
        .where(
            col(StatusEntryRecord.id) == entry.id,
            col(StatusEntryRecord.status) == change.previous,
        )
        .values(status=change.target, updated_at=as_utc(change.now))
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]  # changed concurrently
        session.rollback()
        return None
    try:
        session.execute(
            update(StatusListRecord)
            .where(col(StatusListRecord.id) == entry.list_id)
            .values(version=col(StatusListRecord.version) + 1)
        )
        record = append_log_entry(
            session,
            entry,
            action=change.action,
            previous=change.previous,
            new=change.target,
            reason=change.reason,
            actor=change.actor,
            now=change.now,
        )
        publish_in_session(session, entry.list_id, base_url=base_url, signer=signer, now=change.now)
        session.commit()
    except IntegrityError:  # another change took this log position (or a document): again
        session.rollback()
        return None
    return record.seq


def _entry(session: Any, credential_id: str) -> StatusEntryRecord:
    entry: StatusEntryRecord | None = session.exec(
        select(StatusEntryRecord).where(StatusEntryRecord.credential_id == credential_id)
    ).first()
    if entry is not None:
        return entry
    if session.get(IssuedCredentialRecord, credential_id) is not None:
        raise ConflictError(
            f"{credential_id} was issued without a status entry and cannot change status",
            code=Code.NO_STATUS_ENTRY,
        )
    raise NotFoundError(
        f"no credential {credential_id!r} in this home", code=Code.CREDENTIAL_NOT_FOUND
    )


def _target(entry: StatusEntryRecord, action: Action) -> int | None:
    """The new status, or None for an idempotent repeat; raises ConflictError if refused."""
    current = entry.status
    if action == "revoke":
        return None if current == STATUS_REVOKED else STATUS_REVOKED
    if action == "suspend" and not entry.suspendable:
        raise ConflictError(
            f"{entry.credential_type} credentials cannot be suspended, only revoked",
            code=Code.SUSPENSION_NOT_ALLOWED,
        )
    if current == STATUS_REVOKED:
        raise ConflictError(
            f"{entry.credential_id} is revoked; revocation is permanent",
            code=Code.CREDENTIAL_REVOKED,
        )
    if action == "suspend":
        return None if current == STATUS_SUSPENDED else STATUS_SUSPENDED
    if current != STATUS_SUSPENDED:
        raise ConflictError(
            f"{entry.credential_id} is not suspended; only a suspension can be lifted",
            code=Code.NOT_SUSPENDED,
        )
    return STATUS_VALID


def _change(entry: StatusEntryRecord, previous: int, new: int, seq: int | None) -> StatusChange:
    return StatusChange(
        entry.credential_id,
        entry.list_id,
        entry.list_index,
        STATUS_NAMES[previous],
        STATUS_NAMES[new],
        seq is not None,
        seq,
    )


def _text(value: str | None, what: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise InputError(f"a {what} is required", code=f"{what.upper()}_REQUIRED")
    if len(text) > limit:
        raise InputError(f"{what} is longer than {limit} characters", code=Code.INVALID_INPUT)
    return text
