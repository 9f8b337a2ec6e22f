"""Publishing status lists as signed documents, re-signed only when a list has changed.

A list has three documents (see :mod:`oretrust.status.policy`): two W3C
``BitstringStatusListCredential`` secured as ``vc+jwt`` (revocation, suspension) and one IETF
``statuslist+jwt`` token with 2-bit entries. Each is signed by the list's issuer with its
active key.

**Re-signing is lazy.** A status change bumps the list's ``version`` in the same transaction
as the change. :func:`published_status_list` returns the stored document when it was signed
at the current version and is not past half its validity; otherwise it rebuilds the list from
the entries, signs it and stores it with that version. So a revocation is visible to the very
next read after it is acknowledged, and a burst of revocations costs one signature per list
read, not one per revocation. Two readers racing to re-sign both produce a correct document;
the stored one is never replaced by one signed at an older version.

The ``build_*`` functions are pure (the time is a parameter).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from oretrust.credentials import xsd_datetime
from oretrust.errors import NotFoundError
from oretrust.formats.jws import JwsSigner, sign_compact
from oretrust.formats.vc_jwt import CREDENTIALS_V2_CONTEXT, VC_JWT_MEDIA_TYPE, sign_credential
from oretrust.home import Home
from oretrust.identities import signer_for
from oretrust.status.bitstring import MIN_BITSTRING_ENTRIES, BitstringStatusList, encode_bitstring
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
    "published_status_list",
    "status_document_ids",
]

STATUS_LIST_JWT_MEDIA_TYPE = "application/statuslist+jwt"
#: How long a signed list stays valid (``validUntil`` / ``exp``); re-signed at half of it.
DEFAULT_VALIDITY = timedelta(days=1)
#: How long verifiers may cache a list (``ttl``: milliseconds in BSL, seconds in TSL).
DEFAULT_TTL = timedelta(minutes=5)
_CLOCK_SKEW = timedelta(seconds=60)


class PublishedStatusList(NamedTuple):
    """A document as served: media type, compact JWS, and the list version it shows."""

    media_type: str
    token: str
    version: int


def published_status_list(
    home: Home,
    published_id: str,
    *,
    now: datetime,
    validity: timedelta = DEFAULT_VALIDITY,
    ttl: timedelta = DEFAULT_TTL,
) -> PublishedStatusList:
    """The current signed document for ``published_id`` (e.g. ``"<list>-revocation"``).

    Re-signs (and stores) it when the list changed since it was signed, when it is past half
    its validity, when ``now`` is before it was issued, or when the home's URL or the issuer's
    active key changed. Raises InputError for a malformed
    id, NotFoundError (``STATUS_LIST_NOT_FOUND``) for an unknown list.
    """
    list_id, kind = split_document_id(published_id)
    url = list_url(home.base_url, published_id)
    with home.session() as session:
        status_list = session.get(StatusListRecord, list_id)
        if status_list is None:
            raise NotFoundError(f"no status list {published_id!r}", code="STATUS_LIST_NOT_FOUND")
        stored = session.get(StatusListDocumentRecord, published_id)
        active_kid = session.exec(
            select(KeyRecord.kid).where(
                KeyRecord.owner_did == status_list.issuer_did, col(KeyRecord.active).is_(True)
            )
        ).first()
        if (
            stored is not None
            and stored.version == status_list.version
            and (stored.url, stored.kid) == (url, active_kid)
            and _fresh(stored, now, validity)
        ):
            return PublishedStatusList(stored.media_type, stored.token, stored.version)
        version = status_list.version  # read before the entries: a later change re-signs again
        changed = list(
            session.exec(
                select(StatusEntryRecord.list_index, StatusEntryRecord.status).where(
                    StatusEntryRecord.list_id == list_id, col(StatusEntryRecord.status) != 0
                )
            )
        )
    signer = signer_for(home, status_list.issuer_did)
    size = max(status_list.size, MIN_BITSTRING_ENTRIES)
    statuses = [(int(index), int(status)) for index, status in changed]
    if kind == "tsl":
        media_type, token = (
            STATUS_LIST_JWT_MEDIA_TYPE,
            _sign_tsl(status_list.issuer_did, url, size, statuses, signer, now, validity, ttl),
        )
    else:
        media_type, token = (
            VC_JWT_MEDIA_TYPE,
            _sign_bsl(
                status_list.issuer_did, url, kind, size, statuses, signer, now, validity, ttl
            ),
        )
    document = StatusListDocumentRecord(
        id=published_id,
        list_id=list_id,
        kind=kind,
        url=url,
        kid=signer.kid,
        media_type=media_type,
        version=version,
        token=token,
        issued_at=as_utc(now),
        expires_at=as_utc(now + validity),
    )
    _store(home, document)
    return PublishedStatusList(media_type, token, version)


def status_document_ids(home: Home) -> list[str]:
    """Every published id of every list in this home, oldest list first."""
    with home.session() as session:
        lists = list(
            session.exec(
                select(StatusListRecord).order_by(
                    col(StatusListRecord.created_at), col(StatusListRecord.seq)
                )
            )
        )
    return [document_id(record.id, kind) for record in lists for kind in DOCUMENT_KINDS]


def publish_all(home: Home, folder: Path, *, now: datetime) -> list[Path]:
    """Write every list document as ``<folder>/<published id>.jwt``; return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for published_id in status_document_ids(home):
        path = folder / f"{published_id}.jwt"
        path.write_text(
            published_status_list(home, published_id, now=now).token + "\n", encoding="utf-8"
        )
        written.append(path)
    return written


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
    issued, expires = as_utc(stored.issued_at), as_utc(stored.expires_at)
    return issued - _CLOCK_SKEW <= now < expires - validity / 2


def _store(home: Home, document: StatusListDocumentRecord) -> None:
    with home.session() as session:
        stored = session.get(StatusListDocumentRecord, document.id)
        if stored is not None and stored.version > document.version:
            return  # a reader that saw a newer version got there first
        session.merge(document)
        try:
            session.commit()
        except IntegrityError:  # a concurrent reader inserted it first; theirs is as good
            session.rollback()
