"""Exporting a bundle from a home (internal): the shell side, at the office, online.

Two kinds of home export:

* a **registry home** (the platform) signs a fresh trust list and the bundle with its
  registry operator key, and carries its own issuers' DID documents and the status lists it
  stores — the registry vouches for everything in it;
* a **verifier home** that subscribes to registries (``oretrust trust add-registry``)
  carries the registry-signed lists it stored, the DID documents of the accredited issuers
  (resolved now, as an online verification would) and the status lists named by
  ``status_urls`` (fetched now); it signs with one of its own keys (``signer``), which the
  border post pins (``--bundle-key``). The trust list and status lists still verify against
  their writers' signatures offline; only the DID documents rest on the exporter.

Each status list is verified before it goes in (so a broken one is noticed at the office,
not at the border) and anything that could not be had is listed in ``missing``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import select

from oretrust.bundle._format import BUNDLE_TYP, BUNDLE_VERSION, DEFAULT_VALIDITY
from oretrust.codes import Code
from oretrust.credentials import CREDENTIAL_TYPES
from oretrust.did import DefaultDidResolver, DidResolver, StaticDidResolver
from oretrust.errors import InputError, NotFoundError, OreTrustError
from oretrust.formats.jws import parse_compact, sign_compact
from oretrust.home import Home
from oretrust.hosted_dids import did_resolver, hosted_did_document
from oretrust.identities import find_holder, find_issuer, signer_for
from oretrust.jwk import thumbprint
from oretrust.registry import export_trust_list, load_trust_list, registry_did_of
from oretrust.registry.trust_list import VerifiedTrustList
from oretrust.status.list_tokens import verify_bitstring_status_list, verify_status_list_token
from oretrust.status.publication import status_document_ids, stored_status_list
from oretrust.status.resolver import HttpsStatusListResolver, StatusListResolver
from oretrust.status.rules import list_url
from oretrust.store.ledger_models import ledger_head_in
from oretrust.store.trust_models import TrustSubscriptionRecord

__all__ = ["ExportedBundle", "export_bundle", "export_bundle_file"]


@dataclass(frozen=True)
class ExportedBundle:
    """A signed bundle and what went into it."""

    token: str
    signer: str
    key_thumbprint: str
    issued_at: datetime
    expires_at: datetime
    registries: tuple[str, ...]
    did_documents: int
    status_lists: int
    missing: tuple[str, ...]
    ledger: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form ``oretrust bundle export --json`` prints."""
        return {
            "signer": self.signer,
            "key_thumbprint": self.key_thumbprint,
            "iat": self.issued_at.isoformat().replace("+00:00", "Z"),
            "exp": self.expires_at.isoformat().replace("+00:00", "Z"),
            "registries": list(self.registries),
            "did_documents": self.did_documents,
            "status_lists": self.status_lists,
            "bytes": len(self.token),
            "missing": list(self.missing),
            "ledger": self.ledger,
        }


def export_bundle(
    home: Home,
    *,
    now: datetime,
    validity: timedelta = DEFAULT_VALIDITY,
    signer: str | None = None,
    status_urls: tuple[str, ...] = (),
    resolver: DidResolver | None = None,
    fetcher: StatusListResolver | None = None,
) -> ExportedBundle:
    """Sign a bundle of ``home``'s trust data at ``now``, valid for ``validity`` at most.

    ``signer`` (an issuer or holder of the home, by name or DID) defaults to the registry
    operator of a registry home. DID documents are resolved with ``resolver`` and lists at
    ``status_urls`` fetched with ``fetcher`` (default: the home's resolver and HTTPS, the
    network seams tests replace). Raises InputError (``INVALID_LIFETIME``, a home with no
    registry and no subscription, no signer) and NotFoundError for an unknown signer.
    """
    if validity <= timedelta(0):
        raise InputError("a bundle's validity must be positive", code=Code.INVALID_LIFETIME)
    registries, documents = _registries(home, now)
    if not registries:
        raise InputError(
            f"the home at {home.path} runs no registry and subscribes to none: nothing to "
            "anchor a bundle in",
            code=Code.BUNDLE_PIN_REQUIRED,
        )
    signer_did = _signer_did(home, signer)
    missing = _issuer_documents(resolver or did_resolver(home), registries, documents)
    if signer_did.startswith("did:web:"):
        own = hosted_did_document(home, signer_did)
        if own is not None:
            documents[signer_did] = own
    lists, expiries, list_missing = _status_lists(
        home, documents, status_urls, fetcher or HttpsStatusListResolver(), now
    )
    expires = min([now + validity, *expiries, *(tl.expires_at for _, tl in registries)])
    ledger = _ledger_head(home)
    iat, exp = int(now.timestamp()), int(expires.timestamp())
    payload = {
        "version": BUNDLE_VERSION,
        "iss": signer_did,
        "iat": iat,
        "exp": exp,
        "registries": [
            {"did": tl.registry_did, "root": root, "trust_list": tl.token}
            for root, tl in registries
        ],
        "did_documents": dict(sorted(documents.items())),
        "status_lists": dict(sorted(lists.items())),
        "schemas": {name: known.json_schema() for name, known in CREDENTIAL_TYPES.items()},
        "ledger": ledger,
    }
    key = signer_for(home, signer_did)
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    token = sign_compact({"typ": BUNDLE_TYP}, body, key)
    return ExportedBundle(
        token,
        signer_did,
        thumbprint(key.public_jwk),
        datetime.fromtimestamp(iat, tz=UTC),
        datetime.fromtimestamp(exp, tz=UTC),
        tuple(tl.registry_did for _, tl in registries),
        len(documents),
        len(lists),
        tuple(missing + list_missing),
        ledger,
    )


def export_bundle_file(
    home: Home | Path, out: Path, *, now: datetime, **options: Any
) -> ExportedBundle:
    """:func:`export_bundle`, written to ``out`` (the compact JWS and a newline); ``home``
    may be a folder, opened for this export and closed after it."""
    if isinstance(home, Path):
        opened = Home.open(home)
        try:
            return export_bundle_file(opened, out, now=now, **options)
        finally:
            opened.engine.dispose()
    exported = export_bundle(home, now=now, **options)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(exported.token + "\n", encoding="utf-8")
    return exported


def _registries(
    home: Home, now: datetime
) -> tuple[list[tuple[bool, VerifiedTrustList]], dict[str, dict[str, Any]]]:
    """The home's own registry (a freshly signed list) and its subscribed lists, each
    verified, with the registries' DID documents."""
    found: list[tuple[bool, VerifiedTrustList]] = []
    documents: dict[str, dict[str, Any]] = {}
    try:
        own = registry_did_of(home)
    except NotFoundError:
        own = None
    if own is not None:
        document = hosted_did_document(home, own)
        if document is None:
            raise NotFoundError(f"the registry {own} has no DID document here")
        token = export_trust_list(home, now=now)
        found.append((True, _verified(token, own, document, now)))
        documents[own] = document
    with home.session() as session:
        records = list(session.exec(select(TrustSubscriptionRecord)))
    for record in sorted(records, key=lambda r: r.registry_did):
        if record.registry_did in documents:
            continue
        verified = _verified(record.token, record.registry_did, record.did_document, now)
        found.append((record.root, verified))
        documents[record.registry_did] = record.did_document
    return found, documents


def _verified(token: str, did: str, document: dict[str, Any], now: datetime) -> VerifiedTrustList:
    return load_trust_list(
        token, registry_did=did, resolver=StaticDidResolver({did: document}), now=now
    )


def _signer_did(home: Home, signer: str | None) -> str:
    if signer is None:
        try:
            return registry_did_of(home)
        except NotFoundError as exc:
            raise InputError(
                "this home runs no registry: name the issuer or holder whose key signs the "
                "bundle (--signer)",
                code=Code.BUNDLE_PIN_REQUIRED,
            ) from exc
    try:
        return find_issuer(home, signer).did
    except NotFoundError:
        return find_holder(home, signer).did


def _issuer_documents(
    resolver: DidResolver,
    registries: list[tuple[bool, VerifiedTrustList]],
    documents: dict[str, dict[str, Any]],
) -> list[str]:
    """Add the DID document of every entity the lists accredit; return what failed."""
    missing: list[str] = []
    entities = sorted({a.entity_id for _, tl in registries for a in tl.accreditations})
    for entity in entities:
        if entity in documents:
            continue
        try:
            documents[entity] = resolver.resolve(entity)
        except OreTrustError as exc:
            missing.append(f"DID document of {entity}: {exc.code}: {exc.detail}")
    return missing


def _status_lists(
    home: Home,
    documents: dict[str, dict[str, Any]],
    status_urls: tuple[str, ...],
    fetcher: StatusListResolver,
    now: datetime,
) -> tuple[dict[str, str], list[datetime], list[str]]:
    """The home's own stored lists and those at ``status_urls`` (fetched now), each verified
    against the bundled DID documents; their expiries; what could not be had."""
    tokens: dict[str, str] = {}
    missing: list[str] = []
    for published_id in status_document_ids(home):
        try:
            tokens[list_url(home.base_url, published_id)] = stored_status_list(
                home, published_id
            ).token
        except OreTrustError as exc:
            missing.append(f"status list {published_id}: {exc.code}: {exc.detail}")
    for url in status_urls:
        try:
            tokens[url] = fetcher.fetch(url)
        except OreTrustError as exc:
            missing.append(f"status list {url}: {exc.code}: {exc.detail}")
    resolver = DefaultDidResolver(local=documents)
    kept: dict[str, str] = {}
    expiries: list[datetime] = []
    for url, token in tokens.items():
        try:
            typ = parse_compact(token).unverified_header.get("typ")
            verify = (
                verify_status_list_token
                if typ in ("statuslist+jwt", "application/statuslist+jwt")
                else verify_bitstring_status_list
            )
            verified = verify(token, url=url, did_resolver=resolver, now=now)
        except OreTrustError as exc:
            missing.append(f"status list {url}: {exc.code}: {exc.detail}")
            continue
        kept[url] = token
        if verified.expires_at is not None:
            expiries.append(verified.expires_at)
    return kept, expiries, missing


def _ledger_head(home: Home) -> dict[str, Any] | None:
    """The head of the home's mass ledger (``seq``, ``hash``) when it keeps one, else None:
    a border post compares it with what the registry publishes to see how old its view is."""
    with home.session() as session:
        head = ledger_head_in(session)
    return head if head["seq"] else None
