"""Publishing status lists as signed documents: the writer signs, readers only read.

A list has three documents (see :mod:`oretrust.status.rules`): two W3C
``BitstringStatusListCredential`` secured as ``vc+jwt`` (revocation, suspension) and one IETF
``statuslist+jwt`` token with 2-bit entries. Each is signed by the list's issuer with its
active key and stored (table ``status_list_document``) with the list ``version``, URL and key
it shows.

**Who signs: the revocation side, at its own clock.**

* A status change (:mod:`oretrust.status.operations`) bumps the list's ``version`` and
  re-signs the list's documents in the same transaction (:func:`publish_in_session`): the
  change and the documents showing it commit together, so an acknowledged revocation is in
  the very next read, and a crash cannot leave one without the other.
* Issuance (:mod:`oretrust.status.allocation`) publishes a list it has just opened — and any
  list it allocates in whose documents are stale (:func:`refresh_status_list`).
* The scheduled refresh (:func:`refresh_status_lists`; ``oretrust status publish`` and the
  HTTP service's background task run it) re-signs every list with a stale document: signed at
  an older version, for another URL or key, dated in the future, or past half its validity —
  so documents are replaced well before they expire.

**Readers never sign.** :func:`stored_status_list` returns what was stored and writes
nothing; the verifier uses nothing else, so verifying "as of" any time, however far ahead or
back, leaves the database as it was. A stored document past its validity fails the
verifier's status check (``STATUS_LIST_EXPIRED``, reported as ``STATUS_RETRIEVAL_ERROR``):
never a silent pass. The one reader that may sign is the issuer's own publisher endpoint,
``GET /status/{id}`` (:func:`served_status_list`): a list with *no* document stored for its
current URL (a database from before the writer published, or a changed domain) is signed
once there, at the server's clock — never at a time a caller chose.

A stored document is replaced only by one signed at the same or a newer version (a
conditional update), so racing writers never roll a list back. The ``build_*`` functions are
pure (the time is a parameter).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from oretrust.codes import Code
from oretrust.credentials import xsd_datetime
from oretrust.errors import ConflictError, IntegrityViolationError, NotFoundError, OreTrustError
from oretrust.formats.jws import JwsSigner, sign_compact
from oretrust.formats.vc_jwt import CREDENTIALS_V2_CONTEXT, VC_JWT_MEDIA_TYPE, sign_credential
from oretrust.home import Home
from oretrust.identities import signer_for
from oretrust.status.bitstring import MIN_BITSTRING_ENTRIES, BitstringStatusList, encode_bitstring
from oretrust.status.log import logged_statuses
from oretrust.status.rules import (
    DOCUMENT_KINDS,
    STATUS_REVOKED,
    STATUS_SUSPENDED,
    TSL_BITS,
    Purpose,
    document_id,
    list_url,
    split_document_id,
)
from oretrust.status.token_status_list import TokenStatusList, encode_status_list
from oretrust.store.db import as_utc
from oretrust.store.models import KeyRecord
from oretrust.store.status_models import (
    StatusEntryRecord,
    StatusListDocumentRecord,
    StatusListRecord,
)

__all__ = [
    "DEFAULT_TTL",
    "DEFAULT_VALIDITY",
    "STATUS_LIST_JWT_MEDIA_TYPE",
    "PublishedStatusList",
    "build_bitstring_status_list_credential",
    "build_status_list_token_claims",
    "publish_all",
    "publish_in_session",
    "publish_status_list",
    "refresh_status_list",
    "refresh_status_lists",
    "served_status_list",
    "status_document_ids",
    "stored_status_list",
]

STATUS_LIST_JWT_MEDIA_TYPE = "application/statuslist+jwt"
#: How long a signed list stays valid (``validUntil`` / ``exp``); re-signed at half of it.
DEFAULT_VALIDITY = timedelta(days=1)
#: How long verifiers may cache a list (``ttl``: milliseconds in BSL, seconds in TSL).
DEFAULT_TTL = timedelta(minutes=5)
_CLOCK_SKEW = timedelta(seconds=60)
_STORE_ATTEMPTS = 8  # a concurrent first insert of the same document makes us update instead

log = logging.getLogger(__name__)


class PublishedStatusList(NamedTuple):
    """A document as served: media type, compact JWS, and the list version it shows."""

    media_type: str
    token: str
    version: int


# ---------------------------------------------------------------------- readers
def stored_status_list(home: Home, published_id: str) -> PublishedStatusList:
    """The document the writer stored for ``published_id`` (e.g. ``"<list>-revocation"``).

    Read-only — the verifier's only source for the home's own lists, so verification never
    signs or writes. Raises InputError for a malformed id, NotFoundError
    (``STATUS_LIST_NOT_FOUND``) for an unknown list or one with no document stored for its
    current URL (``oretrust status publish`` signs it).
    """
    stored = _stored(home, published_id)
    if stored is None:
        raise NotFoundError(
            f"status list {published_id!r} has no signed document for this home's URL yet; "
            "run 'oretrust status publish'",
            code=Code.STATUS_LIST_NOT_FOUND,
        )
    return stored


def served_status_list(home: Home, published_id: str, *, now: datetime) -> PublishedStatusList:
    """What ``GET /status/{id}`` serves: the stored document, as :func:`stored_status_list`.

    The publisher endpoint of the issuer's own home may sign, once, a list that has no
    document stored for its current URL (a database from before the writer published, a
    changed domain), at ``now`` — the server's clock, never a caller's. Stale or expired
    documents are served as stored: replacing them is the scheduled refresh's job.
    """
    stored = _stored(home, published_id)
    if stored is not None:
        return stored
    list_id, _ = split_document_id(published_id)
    publish_status_list(home, list_id, now=now)
    return stored_status_list(home, published_id)


def status_document_ids(home: Home) -> list[str]:
    """Every published id of every list in this home, oldest list first."""
    return [document_id(list_id, kind) for list_id in _list_ids(home) for kind in DOCUMENT_KINDS]


# ---------------------------------------------------------------------- writers
def publish_in_session(
    session: Session,
    list_id: str,
    *,
    base_url: str,
    signer: JwsSigner,
    now: datetime,
    validity: timedelta = DEFAULT_VALIDITY,
    ttl: timedelta = DEFAULT_TTL,
) -> int:
    """Re-sign ``list_id``'s documents inside the caller's (uncommitted) transaction.

    For a status change: the documents read the list as the transaction sees it, so they
    commit with the change, or not at all. ``signer`` is the list issuer's (loaded before
    the transaction writes: loading a key may be slow). Returns the version they show; an
    IntegrityError (a concurrent first insert of a document) is the caller's to retry.
    """
    state = _list_state(session, list_id)
    documents = _sign_documents(state, base_url, signer, now, validity, ttl)
    _write_documents(session, documents)
    return state.version


def publish_status_list(
    home: Home,
    list_id: str,
    *,
    now: datetime,
    signer: JwsSigner | None = None,
    validity: timedelta = DEFAULT_VALIDITY,
    ttl: timedelta = DEFAULT_TTL,
) -> int:
    """Sign ``list_id``'s three documents at ``now`` and store them; return their version.

    For writers that are not changing the list (a new list, a refresh): the state is read,
    then signed outside any transaction, then stored conditionally. ``signer`` defaults to
    the issuer's active key. Raises NotFoundError for an unknown list or an issuer without
    an active key.
    """
    base_url = home.base_url
    with home.session() as session:
        state = _list_state(session, list_id)
    documents = _sign_documents(
        state, base_url, signer or signer_for(home, state.issuer_did), now, validity, ttl
    )
    for _ in range(_STORE_ATTEMPTS):
        with home.session() as session:
            try:
                _write_documents(session, documents)
                session.commit()
                return state.version
            except IntegrityError:  # another writer inserted a document first: update it
                session.rollback()
    raise ConflictError(
        f"status list {list_id}: could not store its documents", code=Code.STATUS_CONTENDED
    )


def refresh_status_list(
    home: Home,
    list_id: str,
    *,
    now: datetime,
    validity: timedelta = DEFAULT_VALIDITY,
    ttl: timedelta = DEFAULT_TTL,
    signers: dict[str, JwsSigner] | None = None,
) -> bool:
    """Re-sign ``list_id`` when any of its documents is stale (see the module docstring).

    Returns whether it signed. ``signers`` caches issuers' keys across lists (a refresh of
    many lists loads each key once).
    """
    issuer_did = _stale_list_issuer(home, list_id, now, validity)
    if issuer_did is None:
        return False
    keys = signers if signers is not None else {}
    if issuer_did not in keys:
        keys[issuer_did] = signer_for(home, issuer_did)
    publish_status_list(home, list_id, now=now, signer=keys[issuer_did], validity=validity, ttl=ttl)
    return True


def refresh_status_lists(
    home: Home,
    *,
    now: datetime,
    validity: timedelta = DEFAULT_VALIDITY,
    ttl: timedelta = DEFAULT_TTL,
) -> list[str]:
    """Re-sign every list of the home with a stale document; return the ids re-signed.

    What the revocation side runs on a schedule (``oretrust status publish``, the HTTP
    service's background task) so documents never reach their expiry; fresh lists cost a
    read, no signature. A list that cannot be signed (its issuer has no active key) does not
    stop the others: each failure is logged, and the first is raised once all were tried.
    """
    signed: list[str] = []
    failures: list[OreTrustError] = []
    signers: dict[str, JwsSigner] = {}
    for list_id in _list_ids(home):
        try:
            if refresh_status_list(
                home, list_id, now=now, validity=validity, ttl=ttl, signers=signers
            ):
                signed.append(list_id)
        except OreTrustError as exc:
            log.warning("status list %s was not re-signed: %s: %s", list_id, exc.code, exc.detail)
            failures.append(exc)
    if failures:
        raise failures[0]
    return signed


def publish_all(home: Home, folder: Path, *, now: datetime) -> list[Path]:
    """Refresh every list (:func:`refresh_status_lists`), then write every stored document as
    ``<folder>/<published id>.jwt`` — exactly what the home serves; return the paths."""
    refresh_status_lists(home, now=now)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for published_id in status_document_ids(home):
        path = folder / f"{published_id}.jwt"
        path.write_text(stored_status_list(home, published_id).token + "\n", encoding="utf-8")
        written.append(path)
    return written


# ---------------------------------------------------------------------- documents
def build_bitstring_status_list_credential(
    *,
    issuer: str,
    url: str,
    purpose: Purpose,
    status_list: BitstringStatusList,
    now: datetime,
    validity: timedelta = DEFAULT_VALIDITY,
    ttl: timedelta = DEFAULT_TTL,
) -> dict[str, Any]:
    """The unsigned ``BitstringStatusListCredential`` whose ``id`` is ``url``."""
    return {
        "@context": [CREDENTIALS_V2_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": xsd_datetime(now),
        "validUntil": xsd_datetime(now + validity, "validUntil"),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode_bitstring(status_list),
            "ttl": int(ttl.total_seconds() * 1000),
        },
    }


def build_status_list_token_claims(
    *,
    issuer: str,
    url: str,
    status_list: TokenStatusList,
    now: datetime,
    validity: timedelta = DEFAULT_VALIDITY,
    ttl: timedelta = DEFAULT_TTL,
) -> dict[str, Any]:
    """The claims of a ``statuslist+jwt`` whose ``sub`` is ``url``."""
    issued_at = int(now.timestamp())
    return {
        "iss": issuer,
        "sub": url,
        "iat": issued_at,
        "exp": issued_at + int(validity.total_seconds()),
        "ttl": int(ttl.total_seconds()),
        "status_list": dict(encode_status_list(status_list)),
    }


# ---------------------------------------------------------------------- internals
@dataclass(frozen=True)
class _ListState:
    """A list as one read saw it: what its documents are signed from."""

    list_id: str
    issuer_did: str
    size: int
    version: int
    statuses: list[tuple[int, int]]  # (index, status) of every entry that is not VALID


def _list_ids(home: Home) -> list[str]:
    """Every list of the home, oldest first."""
    with home.session() as session:
        return list(
            session.exec(
                select(StatusListRecord.id).order_by(
                    col(StatusListRecord.created_at), col(StatusListRecord.seq)
                )
            )
        )


def _list_state(session: Session, list_id: str) -> _ListState:
    """The list's issuer, size, version and non-VALID entries; NotFoundError if unknown.

    The version is read before the entries, so a change committed in between makes the
    documents show more than their version says, never less (and that change re-signs).
    Columns, not ORM objects, so a row cached in the session cannot hide an update.

    The entries must say what the revocation log says of the list (each index's last logged
    status, or VALID when none is logged): a status written to the table without its log
    entry — a database write that bypassed oretrust — would otherwise be signed with the
    issuer's own key. A change committed between the reads moves the version and is read
    again; a mismatch that stays raises IntegrityViolationError ``STATUS_LOG_MISMATCH``.
    """
    for _attempt in range(3):
        state = _read_list_state(session, list_id)
        if logged_statuses(session, list_id) == dict(state.statuses):
            return state
        if _version(session, list_id) == state.version:
            break
    raise IntegrityViolationError(
        f"status list {list_id}: its entries disagree with the revocation log; refusing to "
        "sign it (run 'oretrust status verify-log' and restore from a verified backup)",
        code=Code.STATUS_LOG_MISMATCH,
    )


def _read_list_state(session: Session, list_id: str) -> _ListState:
    row = session.exec(
        select(StatusListRecord.issuer_did, StatusListRecord.size, StatusListRecord.version).where(
            StatusListRecord.id == list_id
        )
    ).first()
    if row is None:
        raise NotFoundError(f"no status list {list_id!r}", code=Code.STATUS_LIST_NOT_FOUND)
    issuer_did, size, version = row
    changed = session.exec(
        select(StatusEntryRecord.list_index, StatusEntryRecord.status).where(
            StatusEntryRecord.list_id == list_id, col(StatusEntryRecord.status) > 0
        )
    )
    statuses = [(int(index), int(status)) for index, status in changed]
    return _ListState(list_id, issuer_did, size, version, statuses)


def _version(session: Session, list_id: str) -> int | None:
    version = session.exec(
        select(StatusListRecord.version).where(StatusListRecord.id == list_id)
    ).first()
    return None if version is None else int(version)


def _stored(home: Home, published_id: str) -> PublishedStatusList | None:
    """The stored document for the current URL, None if there is none; NotFoundError for an
    unknown list, InputError for a malformed id."""
    list_id, _ = split_document_id(published_id)
    url = list_url(home.base_url, published_id)
    with home.session() as session:
        if session.get(StatusListRecord, list_id) is None:
            raise NotFoundError(f"no status list {published_id!r}", code=Code.STATUS_LIST_NOT_FOUND)
        stored = session.get(StatusListDocumentRecord, published_id)
    if stored is None or stored.url != url:
        return None
    return PublishedStatusList(stored.media_type, stored.token, stored.version)


def _stale_list_issuer(home: Home, list_id: str, now: datetime, validity: timedelta) -> str | None:
    """The list's issuer if any of its documents needs signing at ``now``, else None."""
    base_url = home.base_url
    with home.session() as session:
        row = session.exec(
            select(StatusListRecord.issuer_did, StatusListRecord.version).where(
                StatusListRecord.id == list_id
            )
        ).first()
        if row is None:
            raise NotFoundError(f"no status list {list_id!r}", code=Code.STATUS_LIST_NOT_FOUND)
        issuer_did, version = row
        active_kid = session.exec(
            select(KeyRecord.kid).where(
                KeyRecord.owner_did == issuer_did, col(KeyRecord.active).is_(True)
            )
        ).first()
        stored = {
            document.id: document
            for document in session.exec(
                select(StatusListDocumentRecord).where(StatusListDocumentRecord.list_id == list_id)
            )
        }
    for kind in DOCUMENT_KINDS:
        published_id = document_id(list_id, kind)
        document = stored.get(published_id)
        if (
            document is None
            or document.version != version
            or (document.url, document.kid) != (list_url(base_url, published_id), active_kid)
            or not _fresh(document, now, validity)
        ):
            return str(issuer_did)
    return None


def _sign_documents(
    state: _ListState,
    base_url: str,
    signer: JwsSigner,
    now: datetime,
    validity: timedelta,
    ttl: timedelta,
) -> list[StatusListDocumentRecord]:
    """The list's three documents, signed at ``now`` (pure but for the signature)."""
    size = max(state.size, MIN_BITSTRING_ENTRIES)
    documents: list[StatusListDocumentRecord] = []
    for kind in DOCUMENT_KINDS:
        published_id = document_id(state.list_id, kind)
        url = list_url(base_url, published_id)
        if kind == "tsl":
            media_type = STATUS_LIST_JWT_MEDIA_TYPE
            token = _sign_tsl(
                state.issuer_did, url, size, state.statuses, signer, now, validity, ttl
            )
        else:
            media_type = VC_JWT_MEDIA_TYPE
            token = _sign_bsl(
                state.issuer_did, url, kind, size, state.statuses, signer, now, validity, ttl
            )
        documents.append(
            StatusListDocumentRecord(
                id=published_id,
                list_id=state.list_id,
                kind=kind,
                url=url,
                kid=signer.kid,
                media_type=media_type,
                version=state.version,
                token=token,
                issued_at=as_utc(now),
                expires_at=as_utc(now + validity),
            )
        )
    return documents


def _write_documents(session: Session, documents: list[StatusListDocumentRecord]) -> None:
    """Store ``documents`` in ``session``'s transaction, each replacing only a document of the
    same or an older version (a newer one stays: its writer saw a later change).

    A conditional UPDATE, then an INSERT when there was no row at all; a concurrent first
    INSERT raises IntegrityError, for the caller to retry (the row then exists).
    """
    table = StatusListDocumentRecord
    for document in documents:
        values = document.model_dump()
        moved = session.execute(
            update(table)
            .where(col(table.id) == document.id, col(table.version) <= document.version)
            .values(**values)
        )
        if moved.rowcount == 1:  # type: ignore[attr-defined]
            continue
        if session.exec(select(table.id).where(table.id == document.id)).first() is None:
            session.execute(insert(table).values(**values))


def _sign_bsl(
    issuer: str,
    url: str,
    purpose: Purpose,
    size: int,
    statuses: list[tuple[int, int]],
    signer: JwsSigner,
    now: datetime,
    validity: timedelta,
    ttl: timedelta,
) -> str:
    wanted = STATUS_REVOKED if purpose == "revocation" else STATUS_SUSPENDED
    bits = BitstringStatusList(size)
    for index, status in statuses:
        if status == wanted:
            bits.set(index)
    document = build_bitstring_status_list_credential(
        issuer=issuer,
        url=url,
        purpose=purpose,
        status_list=bits,
        now=now,
        validity=validity,
        ttl=ttl,
    )
    return sign_credential(document, signer, now=now)


def _sign_tsl(
    issuer: str,
    url: str,
    size: int,
    statuses: list[tuple[int, int]],
    signer: JwsSigner,
    now: datetime,
    validity: timedelta,
    ttl: timedelta,
) -> str:
    values = TokenStatusList(size, bits=TSL_BITS)
    for index, status in statuses:
        values.set(index, status)
    claims = build_status_list_token_claims(
        issuer=issuer, url=url, status_list=values, now=now, validity=validity, ttl=ttl
    )
    payload = json.dumps(claims, separators=(",", ":")).encode()
    return sign_compact({"typ": "statuslist+jwt"}, payload, signer)


def _fresh(stored: StatusListDocumentRecord, now: datetime, validity: timedelta) -> bool:
    """Signed no later than ``now`` (give or take the clock skew) and not past half its
    validity: a document the refresh may leave alone."""
    issued, expires = as_utc(stored.issued_at), as_utc(stored.expires_at)
    return issued - _CLOCK_SKEW <= now < expires - validity / 2
