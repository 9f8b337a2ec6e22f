"""The registry's signed, hash-chained event log: append, read, verify.

Internal module. :func:`append_event` signs an event with the registry operator's active key
(a compact JWS, ``typ: registry-event+jws``, whose payload is the event's canonical bytes)
and stores it after the current head; :func:`registry_change` wraps one event and the rows it
changes in one transaction. :func:`verify_log` re-checks everything a stored log
claims: contiguous ``seq``, each ``prev`` equal to the previous event's hash, each hash equal
to the SHA-256 of the signed payload, each signature made by the operator's DID key (and not
after that key was marked compromised), and that replaying the events yields exactly the
accreditations, recognitions and flags in the tables.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from oretrust.codes import Code
from oretrust.did import DidResolver, signing_method
from oretrust.errors import ConflictError, InputError, OreTrustError
from oretrust.formats.dates import parse_datetime
from oretrust.formats.jws import UnverifiedJws, parse_compact, sign_compact, verify_signature
from oretrust.home import Home
from oretrust.hosted_dids import did_resolver
from oretrust.identities import signer_for
from oretrust.keys import Signer
from oretrust.registry._events import (
    GENESIS_PREV,
    RegistryState,
    apply_event,
    canonical_bytes,
    event_hash,
    new_event,
)
from oretrust.registry._model import format_time, parse_time
from oretrust.registry._store import load_state, load_subject, registry_did_of, store_subject
from oretrust.store.db import as_utc
from oretrust.store.registry_models import RegistryEventRecord
from oretrust.store.write_lock import lock_for_writing

__all__ = [
    "EVENT_TYP",
    "HISTORY_DEFAULT_LIMIT",
    "HISTORY_MAX_LIMIT",
    "LogVerification",
    "RegistryChange",
    "RegistryEvent",
    "append_event",
    "compromised_as_of",
    "head_of",
    "history",
    "lock_log",
    "registry_change",
    "verify_log",
]

EVENT_TYP = "registry-event+jws"


@dataclass(frozen=True)
class RegistryEvent:
    """One event of the log, as stored (run :func:`verify_log` to check signatures)."""

    seq: int
    hash: str
    prev: str
    kind: str
    authority_id: str
    recorded_at: datetime
    subject: str
    data: dict[str, Any]
    reason: str
    actor: str | None
    jws: str = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``history --json``)."""
        return {
            "seq": self.seq,
            "hash": self.hash,
            "prev": self.prev,
            "type": self.kind,
            "authority_id": self.authority_id,
            "actor": self.actor,
            "recorded_at": format_time(self.recorded_at),
            "subject": self.subject,
            "data": self.data,
            "reason": self.reason,
            "jws": self.jws,
        }


@dataclass
class LogVerification:
    """The outcome of :func:`verify_log`: ``ok`` only when ``problems`` is empty."""

    events: int
    head: str | None
    problems: list[str] = field(default_factory=list)
    #: What the signed events replay to (accreditations, recognitions, flags), when every
    #: event could be read; never the tables.
    state: RegistryState | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """True when the chain, every signature and the tables all agree."""
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``verify-log --json``)."""
        return {"ok": self.ok, "events": self.events, "head": self.head, "problems": self.problems}


def head_of(session: Session) -> tuple[int, str]:
    """``(seq, hash)`` of the last event, or ``(0, GENESIS_PREV)`` for an empty log.

    One row by the primary key (``ORDER BY seq DESC LIMIT 1``): without the LIMIT a driver
    that buffers results (psycopg) carried every event to the client on each write.
    """
    row = session.exec(
        select(RegistryEventRecord.seq, RegistryEventRecord.hash)
        .order_by(col(RegistryEventRecord.seq).desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else (0, GENESIS_PREV)


def lock_log(session: Session) -> None:
    """Hold the event log's write lock for the rest of ``session``'s transaction.

    Every writer takes it before reading the head or the subject's rows, so concurrent
    changes queue instead of racing for the next ``seq`` (see :mod:`oretrust.store.write_lock`).
    """
    lock_for_writing(session, "registry_event")


def append_event(
    home: Home,
    session: Session,
    state: RegistryState,
    *,
    authority_id: str,
    kind: str,
    subject: str,
    data: dict[str, Any],
    reason: str,
    actor: str | None,
    now: datetime,
    head: tuple[int, str] | None = None,
    signer: Signer | None = None,
) -> tuple[int, str]:
    """Apply an event to ``state`` (raising if the lifecycle forbids it), sign and stage it;
    return the new head ``(seq, hash)``.

    The caller holds the log's lock (:func:`lock_log`), writes the changed projection rows and
    commits; a writer that took the same ``seq`` anyway (a database with no lock) makes the
    write fail, which :func:`registry_change` and :func:`commit` turn into ConflictError.
    A caller staging many events in one transaction passes the ``head`` it was last given
    and one ``signer`` (bulk import), so neither is read again per event.
    """
    seq, prev = head if head is not None else head_of(session)
    event = new_event(
        seq=seq + 1,
        prev=prev,
        kind=kind,
        authority_id=authority_id,
        recorded_at=format_time(now),
        subject=subject,
        data=data,
        reason=reason,
        actor=actor,
    )
    apply_event(state, event)
    payload = canonical_bytes(event)
    digest = event_hash(payload)
    token = sign_compact({"typ": EVENT_TYP}, payload, signer or signer_for(home, authority_id))
    session.add(
        RegistryEventRecord(
            seq=seq + 1,
            kind=kind,
            subject=subject,
            entity_id=data.get("entity_id"),
            recorded_at=as_utc(now),
            prev_hash=prev,
            hash=digest,
            jws=token,
        )
    )
    return seq + 1, digest


def commit(session: Session) -> None:
    """Commit, reporting a lost race for the next ``seq`` as ConflictError."""
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise _lost_race() from exc


def _lost_race() -> ConflictError:
    return ConflictError("another registry change was recorded at the same time; retry")


@dataclass
class RegistryChange:
    """One change about ``subject`` inside its transaction (see :func:`registry_change`)."""

    home: Home
    session: Session
    authority_id: str
    subject: str
    state: RegistryState

    def record(
        self, kind: str, data: dict[str, Any], *, reason: str, actor: str | None, now: datetime
    ) -> None:
        """Apply, sign and stage the event, and the rows of ``subject`` it changes."""
        append_event(
            self.home,
            self.session,
            self.state,
            authority_id=self.authority_id,
            kind=kind,
            subject=self.subject,
            data=data,
            reason=reason,
            actor=actor,
            now=now,
        )
        store_subject(self.session, self.state, self.subject)


@contextmanager
def registry_change(home: Home, subject: str) -> Iterator[RegistryChange]:
    """A transaction for one event about ``subject``, committed when the block ends.

    The log's lock is taken first (:func:`lock_log`), so ``change.state`` starts with what the
    tables hold under ``subject`` once every earlier change committed, and the lifecycle rules
    of :func:`~oretrust.registry._events.apply_event` judge the event against it; rules the
    block checks itself (no duplicate grant) are judged under the same lock. Raises
    NotFoundError if the home has no registry, ConflictError if a write in the block or the
    commit broke a unique constraint (never a bare IntegrityError).
    """
    authority = registry_did_of(home)
    with home.session() as session:
        lock_log(session)
        state = load_subject(session, authority, subject)
        try:
            yield RegistryChange(home, session, authority, subject, state)
            session.flush()
        except IntegrityError as exc:  # raised by an autoflush inside the block
            session.rollback()
            raise _lost_race() from exc
        commit(session)


#: ``history`` returns at most this many events unless asked for fewer or more.
HISTORY_DEFAULT_LIMIT = 100
#: The most events one ``history`` page may hold (a page of signed events is ~1.5 KB each).
HISTORY_MAX_LIMIT = 1000
_MAX_SEQ = 2**31 - 1


def history(
    home: Home,
    *,
    entity_id: str | None = None,
    subject: str | None = None,
    after: int = 0,
    limit: int | None = None,
) -> list[RegistryEvent]:
    """Events with ``seq > after`` in order, at most ``limit`` (None: all, for exports and
    the CLI's ``--all``), optionally only those about ``entity_id`` or ``subject``.

    A page is one indexed range read (``seq`` is the primary key): the next page starts
    after the last ``seq`` returned, so paging stays stable while events are appended.
    Raises InputError for a negative ``after`` or a ``limit`` outside 1..HISTORY_MAX_LIMIT.
    """
    if after < 0 or (limit is not None and not 1 <= limit <= HISTORY_MAX_LIMIT):
        raise InputError(
            f"history needs after >= 0 and 1 <= limit <= {HISTORY_MAX_LIMIT}",
            code=Code.INVALID_QUERY,
        )
    after = min(after, _MAX_SEQ)  # seq is a 32-bit column: PostgreSQL refuses a larger bound
    with home.session() as session:
        query = (
            select(RegistryEventRecord)
            .where(col(RegistryEventRecord.seq) > after)
            .order_by(col(RegistryEventRecord.seq))
        )
        if entity_id is not None:
            query = query.where(
                (RegistryEventRecord.entity_id == entity_id)
                | (RegistryEventRecord.subject == entity_id)
            )
        if subject is not None:
            query = query.where(RegistryEventRecord.subject == subject)
        if limit is not None:
            query = query.limit(limit)
        rows = list(session.exec(query))
    return [_event_of(row) for row in rows]


def _event_of(row: RegistryEventRecord) -> RegistryEvent:
    event = json.loads(parse_compact(row.jws).unverified_payload_bytes)
    return RegistryEvent(
        seq=row.seq,
        hash=row.hash,
        prev=row.prev_hash,
        kind=row.kind,
        authority_id=str(event.get("authority_id")),
        recorded_at=as_utc(row.recorded_at),
        subject=row.subject,
        data=dict(event.get("data") or {}),
        reason=str(event.get("reason", "")),
        actor=event.get("actor"),
        jws=row.jws,
    )


def verify_log(home: Home, *, resolver: DidResolver | None = None) -> LogVerification:
    """Check the whole log and the tables against it; never raises for a bad log."""
    registry_did = registry_did_of(home)
    resolver = resolver or did_resolver(home, allow_network=False)
    with home.session() as session:
        rows = list(
            session.exec(select(RegistryEventRecord).order_by(col(RegistryEventRecord.seq)))
        )
        tables = load_state(session, registry_did)
    result = LogVerification(events=len(rows), head=rows[-1].hash if rows else None)
    problems = result.problems
    try:
        document = resolver.resolve(registry_did)
    except OreTrustError as exc:
        problems.append(f"cannot resolve the registry DID {registry_did}: {exc.detail}")
        return result
    state = RegistryState()
    prev = GENESIS_PREV
    for expected_seq, row in enumerate(rows, start=1):
        where = f"event {row.seq}"
        if row.seq != expected_seq:
            problems.append(f"{where}: expected seq {expected_seq} (an event is missing)")
        event = _verified_event(row, document, registry_did, problems)
        if event is not None:
            if event.get("seq") != row.seq:
                problems.append(
                    f"{where}: signed seq {event.get('seq')} differs from the stored one"
                )
            if event.get("prev") != prev or row.prev_hash != prev:
                problems.append(
                    f"{where}: chain broken (prev does not match the previous event's hash)"
                )
            if (event.get("type"), event.get("subject")) != (row.kind, row.subject):
                problems.append(f"{where}: stored columns differ from the signed event")
            try:
                apply_event(state, event)
            except OreTrustError as exc:
                problems.append(f"{where}: cannot be replayed: {exc.detail}")
        prev = row.hash
    _compare(state, tables, problems)
    result.state = state
    return result


def _verified_event(
    row: RegistryEventRecord, document: dict[str, Any], registry_did: str, problems: list[str]
) -> dict[str, Any] | None:
    where = f"event {row.seq}"
    try:
        unverified: UnverifiedJws = parse_compact(row.jws)
        kid = str(unverified.unverified_header.get("kid", ""))
        if kid.split("#", 1)[0] != registry_did:
            problems.append(
                f"{where}: signed by {kid or 'no kid'}, not the registry {registry_did}"
            )
            return None
        method = signing_method(document, kid, "assertionMethod")
        payload = verify_signature(unverified, method["publicKeyJwk"])
    except OreTrustError as exc:
        problems.append(f"{where}: signature rejected: {exc.detail}")
        return None
    if event_hash(payload) != row.hash:
        problems.append(f"{where}: stored hash is not the hash of the signed event")
    event = json.loads(payload)
    if not isinstance(event, dict) or canonical_bytes(event) != payload:
        problems.append(f"{where}: signed payload is not a canonical event")
        return None
    if event.get("authority_id") != registry_did:
        problems.append(f"{where}: names authority {event.get('authority_id')}, not {registry_did}")
    _check_key_not_compromised(method, kid, event, problems, where)
    return event


def compromised_as_of(method: dict[str, Any], signed_at: datetime) -> str | None:
    """The verification method's ``revoked`` time when that is at or before ``signed_at`` (or
    unreadable): a signature its controller no longer vouches for. None otherwise."""
    revoked = method.get("revoked")
    if not isinstance(revoked, str):
        return None
    compromised = parse_datetime(revoked)
    return revoked if compromised is None or signed_at >= compromised else None


def _check_key_not_compromised(
    method: dict[str, Any], kid: str, event: dict[str, Any], problems: list[str], where: str
) -> None:
    try:
        recorded = parse_time(str(event.get("recorded_at")))
    except OreTrustError:
        problems.append(f"{where}: unreadable recorded_at")
        return
    revoked = compromised_as_of(method, recorded)
    if revoked is not None:
        problems.append(f"{where}: signed with {kid}, compromised as of {revoked}")


def _compare(replayed: RegistryState, tables: RegistryState, problems: list[str]) -> None:
    for name in ("accreditations", "recognitions", "flags"):
        expected: dict[str, Any] = getattr(replayed, name)
        stored: dict[str, Any] = getattr(tables, name)
        for key in sorted(set(expected) | set(stored)):
            if key not in stored:
                problems.append(f"{name[:-1]} {key} is in the log but missing from the tables")
            elif key not in expected:
                problems.append(f"{name[:-1]} {key} is in the tables but not in the log")
            elif expected[key] != stored[key]:
                problems.append(f"{name[:-1]} {key} in the tables differs from the log")
