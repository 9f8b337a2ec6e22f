"""What the service publishes: DID documents, JWT VC issuer metadata, the signed trust list.

* did:web documents of the home's issuers and registry operator, each where the did:web spec
  says a resolver looks (:func:`did_document_at`): ``/.well-known/did.json`` for a DID
  without a path and ``/<path…>/did.json`` for one with path segments, chosen by the
  request's ``Host`` — one server answers for several domains, and a Host that hosts no such
  DID is a 404. ``/issuers/{name}/did.json`` is also a by-name address
  (:func:`issuer_did_document`), but only for a DID whose own location is a domain's
  ``/.well-known/did.json``: a path-based DID is served at its own Host and path only;
* ``/.well-known/jwt-vc-issuer`` metadata (SD-JWT VC): ``{"issuer", "jwks": {"keys"}}`` with
  each key's ``kid`` its RFC 7638 thumbprint; keys marked compromised are left out (a JWKS
  cannot say "valid until T" as the DID document's ``revoked`` does);
* the trust list, signed once per registry log head and re-signed at half its lifetime,
  kept in memory with its ETag between changes (a 10,000-accreditation list is ~3.6 MB);
  The token served is kept in the database (``published_trust_list``) and only ever replaced
  by one with a later ``iat``, so every worker serves the same list and a client never sees
  an older list after a newer one (which :func:`~oretrust.registry.load_trust_list` would
  refuse as a rollback).

:func:`cacheable` answers with ``Cache-Control``/``ETag`` and 304 for a matching
``If-None-Match``.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request, Response
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from oretrust.codes import Code
from oretrust.did import did_web_url
from oretrust.errors import NotFoundError
from oretrust.home import Home
from oretrust.hosted_dids import hosted_did_at, hosted_did_document
from oretrust.identities import find_issuer, list_keys
from oretrust.jwk import thumbprint
from oretrust.registry import head_of, registry_did_of, sign_trust_list
from oretrust.registry.trust_list import DEFAULT_LIFETIME
from oretrust.store.auth_models import PublishedTrustListRecord

__all__ = [
    "DOCUMENT_MAX_AGE",
    "ServedTrustList",
    "cacheable",
    "current_trust_list",
    "did_document_at",
    "issuer_did_document",
    "jwt_vc_issuer_metadata",
    "registry_did_document",
]

#: ``max-age`` of published documents (status lists use their own ``ttl``).
DOCUMENT_MAX_AGE = 300

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_SERVED_KEY = ("publication", "trust_list")
_SIGNING_KEY = ("publication", "trust_list_signing")


def did_document_at(home: Home, host: str | None, raw_path: bytes) -> dict[str, Any]:
    """The document of the DID hosted here whose did:web URL is ``https://<host><raw_path>``.

    ``host`` is the request's ``Host`` header (``:443`` is the default port and dropped);
    NotFoundError (``DID_NOT_FOUND``) when no DID hosted here lives at that URL.
    """
    document = None
    if host:
        authority = host.strip().lower().removesuffix(":443")
        try:
            document = hosted_did_at(home, f"https://{authority}{raw_path.decode('ascii')}")
        except UnicodeDecodeError:
            document = None
    if document is None:
        shown = f"{(host or '')[:80]}{raw_path[:200].decode('ascii', 'replace')}"
        raise NotFoundError(f"no DID document is hosted at {shown}", code=Code.DID_NOT_FOUND)
    return document


def issuer_did_document(home: Home, name: str) -> dict[str, Any]:
    """The DID document of the issuer called ``name``, by name; NotFoundError
    (``ISSUER_NOT_FOUND``) for an unknown issuer or one whose DID has a path.

    A path-based DID (``did:web:<domain>:issuers:<name>``) lives at its own Host and path
    (:func:`did_document_at`); answering for it on any other Host would serve it where no
    resolver looks for it. A DID without a path (an explicit ``did:web:mines.gouv.cd.example``,
    the registry operator) has no path of its own, so the by-name address stays an alias.
    """
    did = _issuer_did(home, name)
    if not did_web_url(did).endswith("/.well-known/did.json"):
        raise NotFoundError(
            f"{did} is served at {did_web_url(did)}, for its own Host only",
            code=Code.ISSUER_NOT_FOUND,
        )
    return _document(home, did)


def registry_did_document(home: Home) -> dict[str, Any]:
    """The registry operator's DID document; NotFoundError without a registry."""
    return _document(home, registry_did_of(home))


def jwt_vc_issuer_metadata(home: Home, name: str | None) -> dict[str, Any]:
    """SD-JWT VC issuer metadata of issuer ``name`` (None: the registry operator)."""
    if name is None:
        did, issuer_url = registry_did_of(home), home.base_url
    else:
        did, issuer_url = _issuer_did(home, name), f"{home.base_url}/issuers/{name}"
    keys = [
        {**key.public_jwk, "kid": thumbprint(key.public_jwk), "alg": key.algorithm, "use": "sig"}
        for key in list_keys(home, did)
        if key.compromised_at is None
    ]
    return {"issuer": issuer_url, "jwks": {"keys": keys}}


@dataclass(frozen=True)
class ServedTrustList:
    """The trust list being served: its bytes, ETag and the claims it is keyed by."""

    body: bytes
    etag: str
    iat: int
    exp: int
    log_seq: int
    log_hash: str

    def serves(self, head: tuple[int, str], moment: float) -> bool:
        """Still the list to serve for log ``head`` at ``moment`` (before half its life)?"""
        return (self.log_seq, self.log_hash) == head and (
            self.iat - 60 <= moment < (self.iat + self.exp) / 2
        )


def current_trust_list(home: Home, *, now: datetime) -> ServedTrustList:
    """The signed trust list to serve now (see the module docstring); NotFoundError without
    a registry.

    The home's own registry writes are the change notification: every write moves the log
    head, so one ``ORDER BY seq DESC LIMIT 1`` tells whether the list kept in memory
    (``Home.services``, with its ETag) still stands. Only when it does not is the stored
    list read, and only when that is stale too is a new one signed — once per change.
    """
    registry_did = registry_did_of(home)
    with home.session() as session:
        head = head_of(session)
    moment = now.timestamp()
    kept = home.services.get(_SERVED_KEY)
    if isinstance(kept, ServedTrustList) and kept.serves(head, moment):
        return kept
    lock = home.services.setdefault(_SIGNING_KEY, threading.Lock())
    with lock:  # a worker's threads asking at once after a change: one signs, the rest reuse
        kept = home.services.get(_SERVED_KEY)
        if isinstance(kept, ServedTrustList) and kept.serves(head, moment):
            return kept
        served = _stored_or_signed(home, registry_did, head, now)
        home.services[_SERVED_KEY] = served
        return served


def _stored_or_signed(
    home: Home, registry_did: str, head: tuple[int, str], now: datetime
) -> ServedTrustList:
    """The stored list if it still serves ``head`` at ``now``, else a newly signed one (kept
    only if no other worker stored a newer one meanwhile)."""
    moment = now.timestamp()
    with home.session() as session:
        stored = session.get(PublishedTrustListRecord, registry_did)
    if stored is None or not _served(stored).serves(head, moment):
        signed = sign_trust_list(home, now=now, lifetime=DEFAULT_LIFETIME)
        fresh = PublishedTrustListRecord(
            registry_did=registry_did,
            iat=signed.iat,
            exp=signed.exp,
            log_seq=signed.log_seq,
            log_hash=signed.log_hash,
            token=signed.token,
        )
        _store_if_newer(home, fresh)
        with home.session() as session:
            newest = session.get(PublishedTrustListRecord, registry_did)
        stored = newest if newest is not None and newest.iat >= fresh.iat else fresh
    return _served(stored)


def served_trust_list(home: Home) -> ServedTrustList | None:
    """The trust list this process keeps in memory, if it has served one (for metrics)."""
    kept = home.services.get(_SERVED_KEY)
    return kept if isinstance(kept, ServedTrustList) else None


def _served(record: PublishedTrustListRecord) -> ServedTrustList:
    body = record.token.encode()
    return ServedTrustList(
        body,
        hashlib.sha256(body).hexdigest()[:32],
        record.iat,
        record.exp,
        record.log_seq,
        record.log_hash,
    )


def _store_if_newer(home: Home, fresh: PublishedTrustListRecord) -> None:
    """Store ``fresh`` unless a list with the same or a later ``iat`` is stored.

    One conditional UPDATE (``WHERE iat < fresh.iat``), not a read then a write: a worker
    whose read predates another worker's newer list must not overwrite it (a rollback).
    """
    with home.session() as session:
        replaced = session.execute(
            update(PublishedTrustListRecord)
            .where(
                col(PublishedTrustListRecord.registry_did) == fresh.registry_did,
                col(PublishedTrustListRecord.iat) < fresh.iat,
            )
            .values(fresh.model_dump())
        )
        if replaced.rowcount == 0:  # type: ignore[attr-defined]
            if session.get(PublishedTrustListRecord, fresh.registry_did) is not None:
                return  # the same or a newer list is stored
            session.add(fresh)
        try:
            session.commit()
        except IntegrityError:  # another worker stored the first one; serve the newest
            session.rollback()


def cacheable(
    request: Request, body: bytes, *, media_type: str, max_age: int, etag: str | None = None
) -> Response:
    """``body`` with ``Cache-Control``/``ETag``; 304 when ``If-None-Match`` matches."""
    tag = f'"{etag or hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"Cache-Control": f"public, max-age={max_age}", "ETag": tag}
    if _matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def json_bytes(document: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def _matches(header: str | None, tag: str) -> bool:
    if not header:
        return False
    candidates = [item.strip() for item in header.split(",")]
    return "*" in candidates or any(c.removeprefix("W/") == tag for c in candidates)


def _issuer_did(home: Home, name: str) -> str:
    if not _NAME.match(name):
        raise NotFoundError(f"no issuer {name[:64]!r}", code=Code.ISSUER_NOT_FOUND)
    try:
        return find_issuer(home, name).did
    except NotFoundError:
        raise NotFoundError(f"no issuer {name!r}", code=Code.ISSUER_NOT_FOUND) from None


def _document(home: Home, did: str) -> dict[str, Any]:
    document = hosted_did_document(home, did)
    if document is None:
        raise NotFoundError(f"no DID document for {did}", code=Code.ISSUER_NOT_FOUND)
    return document
