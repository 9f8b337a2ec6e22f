"""A verifier's subscriptions to trust registries: fetch, verify, pin, store, refresh.

``oretrust trust add-registry`` subscribes a home to a registry's signed trust list
(:mod:`oretrust.registry.trust_list`); the verifier then judges ``issuer_accredited`` against
the stored lists (:func:`subscribed_trust_lists`, :mod:`oretrust.registry.chains`).

Where a list comes from (``source``):

* a did:web registry DID → ``GET https://<its host>/trust-list``, its document at
  :func:`~oretrust.did.did_web_url` (a host mapped by ``ORETRUST_DID_WEB_HOSTS`` is fetched
  at its mapped base URL, as DID documents are);
* an ``https://`` URL → that URL (the registry DID is ``--did``, else the list's ``iss``);
* ``http://`` only to a loopback address (``127.0.0.1``, ``::1``, ``localhost``): a registry
  served on this machine (tests, a laboratory); the DID document is then read from the same
  origin at the DID's path;
* a file path (air-gapped sites): the list as ``oretrust registry export`` wrote it, with the
  registry's DID document given as a file, or resolved by the home.

HTTPS goes through the SSRF-hardened :class:`~oretrust.did.HttpsFetcher` (no private
addresses, no redirects, size and time limits); the loopback-http path keeps the same limits.

**Pinning (a design decision).** At subscription time the registry DID is pinned (a later
list must have ``iss`` = that DID and a ``kid`` of its document) and so is the thumbprint of
the key that signed the list (``--key-thumbprint`` names it explicitly: the list must be
signed by that key, else the first list's key is trusted on first use). A later list must be
signed by a *pinned* key that the registry's current DID document still lists in
``assertionMethod`` and does not mark compromised as of the list's ``iat``. A registry that
rotates its key is therefore re-pinned by its subscribers on purpose (``add-registry`` again
with ``--key-thumbprint``): a DID document served by a compromised web host cannot introduce
a new key on its own.

**Refresh.** ``If-None-Match`` with the stored ``ETag``; a 304 keeps the stored list. A list
is not fetched again before ``Cache-Control: max-age`` has passed unless forced. A list with
an older ``iat`` than the stored one (or the same ``iat`` and other content) is refused as a
rollback, an expired one as expired; the stored list stays as it was.

Verification never fetches: :func:`subscribed_trust_lists` re-verifies the stored lists
against the stored documents and pins, reads only, and leaves expiry to the check's ``now``.
"""

from __future__ import annotations

import ipaddress
import json
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import httpx
from sqlmodel import select

from oretrust.codes import Code
from oretrust.did import (
    HttpsFetcher,
    StaticDidResolver,
    did_web_url,
    parse_did_web_hosts,
    signing_method,
)
from oretrust.errors import InputError, NotFoundError, OreTrustError, ResolutionError
from oretrust.formats.jws import parse_compact
from oretrust.home import Home, Settings
from oretrust.jwk import thumbprint
from oretrust.registry._model import check_did, format_time
from oretrust.registry.sources import StaticTrustSource
from oretrust.registry.trust_list import MAX_TRUST_LIST_BYTES, VerifiedTrustList, load_trust_list
from oretrust.store.trust_models import TrustSubscriptionRecord

__all__ = [
    "FetchResult",
    "Fetcher",
    "RefreshOutcome",
    "SubscribedTrust",
    "Subscription",
    "add_registry",
    "fetch_document",
    "list_subscriptions",
    "refresh_subscriptions",
    "remove_subscription",
    "subscribed_trust_lists",
    "subscribed_trust_source",
]

#: The largest body fetched or read (a trust list may be large: see MAX_TRUST_LIST_BYTES).
MAX_BYTES = MAX_TRUST_LIST_BYTES
#: The whole of one fetch (lookup, connect, headers, body): a list may be tens of MB.
TIMEOUT = 30.0
_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d{1,10})\"?\s*(?:,|$)", re.IGNORECASE)


# ---------------------------------------------------------------------------- fetching
@dataclass(frozen=True)
class FetchResult:
    """One GET: ``body`` None on 304 Not Modified; the response's ETag and max-age."""

    body: bytes | None
    etag: str | None = None
    max_age: int | None = None


#: ``(url, etag or None) -> FetchResult``; raises ResolutionError. Injectable for tests.
Fetcher = Callable[[str, str | None], FetchResult]


def fetch_document(url: str, etag: str | None = None) -> FetchResult:
    """GET ``url`` (https through the hardened fetcher, http only to loopback) with
    ``If-None-Match: etag``; raise ResolutionError ``TRUST_LIST_FETCH_FAILED``/UnsafeUrlError."""
    parsed = _url(url)
    headers = {"If-None-Match": etag} if etag else {}
    if parsed.scheme == "http":
        if not _is_loopback(parsed):
            raise InputError(
                f"plain http is only fetched from this machine (loopback), not {url[:80]!r}",
                code=Code.UNSAFE_URL,
            )
        return _loopback_get(url, headers)
    seen: list[httpx.Response] = []
    settings = Settings()  # ORETRUST_DID_WEB_HOSTS and ORETRUST_CA_BUNDLE, as for DIDs
    verify: ssl.SSLContext | bool = (
        ssl.create_default_context(cafile=str(settings.ca_bundle)) if settings.ca_bundle else True
    )
    client = httpx.Client(
        verify=verify,
        headers=headers,
        timeout=TIMEOUT,
        follow_redirects=False,
        trust_env=False,
        limits=httpx.Limits(max_keepalive_connections=0),
        event_hooks={"response": [seen.append]},
    )
    fetcher = HttpsFetcher(
        client=client,
        hosts=parse_did_web_hosts(settings.did_web_hosts),
        max_bytes=MAX_BYTES,
        timeout=TIMEOUT,
        error_code=Code.TRUST_LIST_FETCH_FAILED,
    )
    try:
        body = fetcher.fetch(url)
    except ResolutionError:
        if seen and seen[-1].status_code == 304:  # HttpsFetcher refuses all but 200
            return FetchResult(None, *_cache_headers(seen[-1]))
        raise
    finally:
        client.close()
    return FetchResult(body, *_cache_headers(seen[-1]) if seen else (None, None))


def _loopback_get(url: str, headers: dict[str, str]) -> FetchResult:
    """A GET to this machine with the hardened fetcher's limits (no redirect, identity, size,
    deadline)."""
    headers = {**headers, "Accept-Encoding": "identity"}
    deadline = time.monotonic() + TIMEOUT
    try:
        with (
            httpx.Client(timeout=TIMEOUT, follow_redirects=False, trust_env=False) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code == 304:
                return FetchResult(None, *_cache_headers(response))
            if response.status_code != 200:
                raise ResolutionError(
                    f"{url} answered HTTP {response.status_code}",
                    code=Code.TRUST_LIST_FETCH_FAILED,
                )
            if response.headers.get("Content-Encoding", "identity").lower() not in ("", "identity"):
                raise ResolutionError(
                    f"{url} sent an encoded body", code=Code.TRUST_LIST_FETCH_FAILED
                )
            body = bytearray()
            for chunk in response.iter_raw():
                body += chunk
                if len(body) > MAX_BYTES or time.monotonic() > deadline:
                    raise ResolutionError(
                        f"{url} is larger than {MAX_BYTES} bytes or too slow",
                        code=Code.TRUST_LIST_FETCH_FAILED,
                    )
            return FetchResult(bytes(body), *_cache_headers(response))
    except httpx.HTTPError as exc:
        raise ResolutionError(
            f"fetching {url} failed: {exc}", code=Code.TRUST_LIST_FETCH_FAILED
        ) from exc


def _cache_headers(response: httpx.Response) -> tuple[str | None, int | None]:
    etag = response.headers.get("ETag")
    match = _MAX_AGE.search(response.headers.get("Cache-Control", ""))
    return (etag[:256] if etag else None), (int(match.group(1)) if match else None)


def _url(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise InputError(f"not a URL: {url[:80]!r}", code=Code.UNSAFE_URL) from exc
    if parsed.scheme not in ("http", "https") or not parsed.host or parsed.userinfo:
        raise InputError(f"not an http(s) URL with a host: {url[:80]!r}", code=Code.UNSAFE_URL)
    return parsed


def _is_loopback(parsed: httpx.URL) -> bool:
    host = parsed.host.strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# ---------------------------------------------------------------------------- public shapes
@dataclass(frozen=True)
class Subscription:
    """A subscribed registry as ``trust list`` shows it."""

    registry_did: str
    source: str
    root: bool
    pinned_thumbprints: tuple[str, ...]
    issued_at: datetime
    expires_at: datetime
    fetched_at: datetime
    etag: str | None
    max_age: int | None
    accreditations: int

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``--json``)."""
        return {
            "registry": self.registry_did,
            "source": self.source,
            "root": self.root,
            "pinned_key_thumbprints": list(self.pinned_thumbprints),
            "iat": format_time(self.issued_at),
            "exp": format_time(self.expires_at),
            "fetched_at": format_time(self.fetched_at),
            "etag": self.etag,
            "max_age": self.max_age,
            "accreditations": self.accreditations,
        }


@dataclass(frozen=True)
class RefreshOutcome:
    """What ``trust refresh`` did for one registry: ``updated``, ``unchanged``,
    ``not-modified`` (304), ``fresh`` (max-age not passed) or ``refused`` (with the code)."""

    registry_did: str
    outcome: str
    detail: str
    code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "registry": self.registry_did,
            "outcome": self.outcome,
            "detail": self.detail,
            "code": self.code,
        }


@dataclass(frozen=True)
class SubscribedTrust:
    """What the verifier judges against: the verified lists and the pinned roots."""

    lists: tuple[VerifiedTrustList, ...]
    roots: frozenset[str]
    problems: tuple[str, ...] = ()


# ---------------------------------------------------------------------------- operations
@dataclass(frozen=True)
class _Source:
    """Where the list and the DID document come from."""

    list_location: str
    did: str | None
    did_document_location: str | None


def add_registry(
    home: Home,
    source: str,
    *,
    now: datetime,
    did: str | None = None,
    key_thumbprint: str | None = None,
    did_document: str | None = None,
    root: bool = True,
    fetch: Fetcher = fetch_document,
) -> Subscription:
    """Subscribe to (or re-pin) a registry: fetch its list, verify it, pin DID and key, store.

    ``source`` is a did:web DID, an https URL, a loopback http URL or a file path (see the
    module); ``did_document`` a file or URL of the registry's DID document (default: from the
    DID). Re-subscribing keeps rollback protection (the stored ``iat``). Raises
    ResolutionError (``TRUST_LIST_*``), InputError for bad arguments.
    """
    where = _locate(source, did, did_document)
    fetched = _read(where.list_location, None, fetch)
    if fetched.body is None:
        raise ResolutionError(
            f"{source} answered 304 to an unconditional request", code=Code.TRUST_LIST_FETCH_FAILED
        )
    token = _text(fetched.body, where.list_location)
    registry_did = where.did or _claimed_issuer(token)
    check_did(registry_did)
    document = _did_document(home, registry_did, where, fetch)
    signer = _signing_thumbprint(token, registry_did, document)
    if key_thumbprint is not None and signer != key_thumbprint:
        raise ResolutionError(
            f"the trust list is signed by key {signer}, not the pinned {key_thumbprint}",
            code=Code.TRUST_KEY_NOT_PINNED,
        )
    with home.session() as session:
        existing = session.get(TrustSubscriptionRecord, registry_did)
    if (
        existing is not None
        and key_thumbprint is None
        and signer not in existing.pinned_thumbprints
    ):
        raise ResolutionError(
            f"the trust list is signed by key {signer}, not a pinned one "
            f"({', '.join(existing.pinned_thumbprints)}): name it with --key-thumbprint to re-pin",
            code=Code.TRUST_KEY_NOT_PINNED,
        )
    verified = _verify(token, registry_did, document, now, existing)
    record = TrustSubscriptionRecord(
        registry_did=registry_did,
        source=source,
        root=root,
        pinned_thumbprints=[key_thumbprint or signer],
        did_document=document,
        token=token,
        iat=int(verified.issued_at.timestamp()),
        exp=int(verified.expires_at.timestamp()),
        sha256=verified.sha256,
        etag=fetched.etag,
        max_age=fetched.max_age,
        fetched_at=int(now.timestamp()),
        added_at=existing.added_at if existing else int(now.timestamp()),
    )
    if did_document is not None:
        record.source = json.dumps({"list": source, "did_document": did_document})
    with home.session() as session:
        session.merge(record)
        session.commit()
    return _public(record, verified)


def refresh_subscriptions(
    home: Home, *, now: datetime, force: bool = False, fetch: Fetcher = fetch_document
) -> list[RefreshOutcome]:
    """Fetch every subscribed list whose ``max-age`` has passed (all with ``force``), verify
    and store it; a refused list leaves the stored one in place and is reported, not raised."""
    with home.session() as session:
        records = list(session.exec(select(TrustSubscriptionRecord)))
    return [_refresh_one(home, record, now, force, fetch) for record in records]


def list_subscriptions(home: Home) -> list[Subscription]:
    """Every subscription with its stored list (as verified when it was stored)."""
    with home.session() as session:
        records = list(session.exec(select(TrustSubscriptionRecord)))
    out = []
    for record in records:
        claims = parse_compact(
            record.token, max_bytes=MAX_BYTES
        ).unverified_payload()  # verified when stored
        count = len(claims.get("accreditations", []))
        out.append(_public_counts(record, count))
    return sorted(out, key=lambda s: s.registry_did)


def remove_subscription(home: Home, registry_did: str) -> None:
    """Forget a subscription; NotFoundError ``TRUST_SUBSCRIPTION_NOT_FOUND``."""
    with home.session() as session:
        record = session.get(TrustSubscriptionRecord, registry_did)
        if record is None:
            raise NotFoundError(
                f"this home does not subscribe to {registry_did[:120]}",
                code=Code.TRUST_SUBSCRIPTION_NOT_FOUND,
            )
        session.delete(record)
        session.commit()


def subscribed_trust_lists(home: Home) -> SubscribedTrust:
    """The stored lists, each verified again (signature against the stored DID document and a
    pinned key, issuer) — reading only. Expiry is judged by the check at its own ``now``; a
    stored list that no longer verifies is left out and named in ``problems``."""
    with home.session() as session:
        records = list(session.exec(select(TrustSubscriptionRecord)))
    lists: list[VerifiedTrustList] = []
    problems: list[str] = []
    for record in records:
        verified = _verified_record(home, record)
        if isinstance(verified, VerifiedTrustList):
            lists.append(verified)
        else:
            problems.append(f"stored trust list of {record.registry_did} rejected: {verified}")
    roots = frozenset(r.registry_did for r in records if r.root)
    return SubscribedTrust(tuple(lists), roots, tuple(problems))


def _verified_record(home: Home, record: TrustSubscriptionRecord) -> VerifiedTrustList | str:
    """A stored list verified once per content (a verifier is built per HTTP request, and the
    stored list changes only on refresh): kept in ``Home.services`` per registry with the
    token, DID document and pinned keys it was verified for; the refusal's detail when it does
    not verify."""
    fingerprint = (
        record.token,
        json.dumps(record.did_document, sort_keys=True),
        tuple(record.pinned_thumbprints),
    )
    key = ("verified_trust_list", record.registry_did)  # one entry per registry: bounded
    cached = home.services.get(key)
    if isinstance(cached, tuple) and cached[0] == fingerprint:
        return cast("VerifiedTrustList | str", cached[1])
    try:
        if _signing_thumbprint(record.token, record.registry_did, record.did_document) not in (
            record.pinned_thumbprints
        ):
            raise ResolutionError(
                "signed by a key that is not pinned", code=Code.TRUST_KEY_NOT_PINNED
            )
        result: VerifiedTrustList | str = load_trust_list(
            record.token,
            registry_did=record.registry_did,
            resolver=StaticDidResolver({record.registry_did: record.did_document}),
            now=datetime.fromtimestamp(record.iat, tz=UTC),
        )
    except OreTrustError as exc:
        result = exc.detail
    home.services[key] = (fingerprint, result)
    return result


def subscribed_trust_source(trust: SubscribedTrust) -> StaticTrustSource | None:
    """A :class:`~oretrust.registry.sources.TrustSource` over the pinned roots' lists (for
    policies: identity anchors, high-risk flags); None without a root. Chains are judged by
    the verifier's ``issuer_accredited`` check, which policies read."""
    roots = [t for t in trust.lists if t.registry_did in trust.roots]
    if not roots:
        return None
    return StaticTrustSource(
        ",".join(sorted(trust.roots)),
        tuple(a for t in roots for a in t.accreditations),
        tuple(r for t in roots for r in t.recognitions),
        tuple(f for t in roots for f in t.flags),
    )


# ---------------------------------------------------------------------------- internals
def _refresh_one(
    home: Home, record: TrustSubscriptionRecord, now: datetime, force: bool, fetch: Fetcher
) -> RefreshOutcome:
    did = record.registry_did
    moment = int(now.timestamp())
    if not force and record.max_age is not None and moment < record.fetched_at + record.max_age:
        return RefreshOutcome(
            did, "fresh", f"fetched {moment - record.fetched_at} s ago, max-age {record.max_age} s"
        )
    try:
        where = _stored_source(record)
        fetched = _read(where.list_location, record.etag, fetch)
        if fetched.body is None:
            _touch(home, did, moment, fetched)
            return RefreshOutcome(did, "not-modified", "the registry answered 304 Not Modified")
        token = _text(fetched.body, where.list_location)
        document = _refreshed_document(home, record, where, fetch)
        signer = _signing_thumbprint(token, did, document)
        if signer not in record.pinned_thumbprints:
            raise ResolutionError(
                f"the trust list is signed by key {signer}, which is not pinned "
                f"({', '.join(record.pinned_thumbprints)}): re-subscribe with --key-thumbprint",
                code=Code.TRUST_KEY_NOT_PINNED,
            )
        verified = _verify(token, did, document, now, record)
    except OreTrustError as exc:
        return RefreshOutcome(did, "refused", exc.detail, str(exc.code))
    unchanged = verified.sha256 == record.sha256
    with home.session() as session:
        stored = session.get(TrustSubscriptionRecord, did)
        if stored is None:
            return RefreshOutcome(
                did,
                "refused",
                "the subscription was removed meanwhile",
                Code.TRUST_SUBSCRIPTION_NOT_FOUND,
            )
        stored.token, stored.did_document = token, document
        stored.iat = int(verified.issued_at.timestamp())
        stored.exp = int(verified.expires_at.timestamp())
        stored.sha256, stored.etag, stored.max_age = verified.sha256, fetched.etag, fetched.max_age
        stored.fetched_at = moment
        session.add(stored)
        session.commit()
    return RefreshOutcome(
        did,
        "unchanged" if unchanged else "updated",
        f"trust list issued {format_time(verified.issued_at)}, "
        f"{len(verified.accreditations)} accreditations",
    )


def _touch(home: Home, did: str, moment: int, fetched: FetchResult) -> None:
    with home.session() as session:
        stored = session.get(TrustSubscriptionRecord, did)
        if stored is not None:
            stored.fetched_at = moment
            stored.max_age = fetched.max_age if fetched.max_age is not None else stored.max_age
            session.add(stored)
            session.commit()


class _RecordStore:
    """A :class:`~oretrust.registry.trust_list_store.TrustListStore` over one stored record:
    the rollback check of :func:`load_trust_list` against what this home already accepted."""

    def __init__(self, record: TrustSubscriptionRecord | None) -> None:
        self._record = record

    def highest(self, registry_did: str) -> tuple[int, str] | None:
        record = self._record
        return (record.iat, record.sha256) if record is not None else None

    def accept(self, registry_did: str, iat: int, digest: str, token: str) -> None:
        """Nothing: the caller stores the record."""


def _verify(
    token: str,
    registry_did: str,
    document: dict[str, Any],
    now: datetime,
    existing: TrustSubscriptionRecord | None,
) -> VerifiedTrustList:
    return load_trust_list(
        token,
        registry_did=registry_did,
        resolver=StaticDidResolver({registry_did: document}),
        now=now,
        store=_RecordStore(existing),
    )


def _signing_thumbprint(token: str, registry_did: str, document: dict[str, Any]) -> str:
    """The thumbprint of the ``assertionMethod`` key the list's ``kid`` names."""
    try:
        kid = parse_compact(token, max_bytes=MAX_BYTES).unverified_header.get("kid")
        if not isinstance(kid, str) or kid.split("#", 1)[0] != registry_did:
            raise ResolutionError(
                f"trust list kid {kid!r} is not a key of {registry_did}",
                code=Code.TRUST_LIST_SIGNATURE_INVALID,
            )
        method = signing_method(
            StaticDidResolver({registry_did: document}).resolve(registry_did),
            kid,
            "assertionMethod",
        )
        return thumbprint(method["publicKeyJwk"])
    except ResolutionError:
        raise
    except OreTrustError as exc:
        raise ResolutionError(
            f"trust list signer rejected: {exc.detail}", code=Code.TRUST_LIST_SIGNATURE_INVALID
        ) from exc


def _claimed_issuer(token: str) -> str:
    """The list's ``iss``, unverified: only used to know which DID to verify it against."""
    try:
        iss = parse_compact(token, max_bytes=MAX_BYTES).unverified_payload().get("iss")
    except OreTrustError as exc:
        raise ResolutionError(
            f"not a trust list: {exc.detail}", code=Code.TRUST_LIST_INVALID
        ) from exc
    if not isinstance(iss, str):
        raise ResolutionError("the trust list names no iss", code=Code.TRUST_LIST_INVALID)
    return iss


def _locate(source: str, did: str | None, did_document: str | None) -> _Source:
    if source.startswith("did:"):
        if not source.startswith("did:web:"):
            raise InputError(
                "a registry DID must be a did:web (its host serves /trust-list)",
                code=Code.INVALID_DID,
            )
        if did is not None and did != source:
            raise InputError("--did differs from the registry DID given", code=Code.INVALID_INPUT)
        document_url = did_web_url(source)
        origin = document_url.split("/", 3)
        return _Source(f"{origin[0]}//{origin[2]}/trust-list", source, did_document)
    return _Source(source, did, did_document)


def _stored_source(record: TrustSubscriptionRecord) -> _Source:
    if record.source.startswith("{"):
        data = json.loads(record.source)
        return _Source(str(data["list"]), record.registry_did, str(data["did_document"]))
    if record.source.startswith("did:"):
        return _locate(record.source, None, None)
    return _Source(record.source, record.registry_did, None)


def _read(location: str, etag: str | None, fetch: Fetcher) -> FetchResult:
    if location.startswith(("http://", "https://")):
        return fetch(location, etag)
    path = Path(location)
    try:
        data = path.read_bytes()[: MAX_BYTES + 1]
    except OSError as exc:
        raise InputError(f"cannot read {location}: {exc}", code=Code.FILE_UNREADABLE) from exc
    if len(data) > MAX_BYTES:
        raise InputError(f"{location} is larger than {MAX_BYTES} bytes", code=Code.FILE_UNREADABLE)
    return FetchResult(data)


def _text(body: bytes, location: str) -> str:
    try:
        return body.decode("ascii").strip()
    except UnicodeDecodeError as exc:
        raise ResolutionError(
            f"{location} is not a compact JWS", code=Code.TRUST_LIST_INVALID
        ) from exc


def _did_document(home: Home, did: str, where: _Source, fetch: Fetcher) -> dict[str, Any]:
    """The registry's DID document: from ``--did-document``, the loopback origin, the home's
    own hosted DIDs, or over HTTPS from the did:web URL."""
    location = where.did_document_location
    result: FetchResult | None = None
    if location is None and where.list_location.startswith("http://"):
        # A registry on this machine: its document from the same origin, asked for by the
        # DID's own host name (a home serves DID documents per Host).
        location = _loopback_document_url(where.list_location, did)
        result = _loopback_get(location, {"Host": did_web_url(did).split("/")[2]})
    if location is None:
        location = did_web_url(did) if did.startswith("did:web:") else None
    if location is None:
        raise InputError(f"give --did-document for {did}", code=Code.INVALID_INPUT)
    result = result or _read(location, None, fetch)
    if result.body is None:
        raise ResolutionError(f"{location} answered 304", code=Code.TRUST_LIST_FETCH_FAILED)
    try:
        document = json.loads(result.body)
    except (ValueError, RecursionError) as exc:
        raise ResolutionError(
            f"{location} is not a DID document", code=Code.DID_RESOLUTION_ERROR
        ) from exc
    if not isinstance(document, dict) or document.get("id") != did:
        raise ResolutionError(
            f"{location} is not the DID document of {did}", code=Code.DID_DOCUMENT_ID_MISMATCH
        )
    return document


def _refreshed_document(
    home: Home, record: TrustSubscriptionRecord, where: _Source, fetch: Fetcher
) -> dict[str, Any]:
    """The registry's current document (a compromise marker must reach us); the stored one
    for file sources without a document file."""
    if where.did_document_location is None and not where.list_location.startswith(
        ("http://", "https://")
    ):
        return record.did_document
    return _did_document(home, record.registry_did, where, fetch)


def _loopback_document_url(list_url: str, did: str) -> str:
    parsed = httpx.URL(list_url)
    path = did_web_url(did).split("/", 3)[3] if did.startswith("did:web:") else ""
    return f"{parsed.scheme}://{parsed.netloc.decode()}/{path}"


def _public(record: TrustSubscriptionRecord, verified: VerifiedTrustList) -> Subscription:
    return _public_counts(record, len(verified.accreditations))


def _public_counts(record: TrustSubscriptionRecord, count: int) -> Subscription:
    def when(value: int) -> datetime:
        return datetime.fromtimestamp(value, tz=UTC)

    return Subscription(
        record.registry_did,
        record.source,
        record.root,
        tuple(record.pinned_thumbprints),
        when(record.iat),
        when(record.exp),
        when(record.fetched_at),
        record.etag,
        record.max_age,
        count,
    )
