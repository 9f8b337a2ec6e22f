"""Other homes' status lists over HTTP(S), kept with their HTTP freshness.

A verifier in one home reads the lists another home publishes at ``/status/{id}``. Fetching
each list for every credential would hammer the issuer and make verification depend on its
uptime; caching blindly would hide a revocation. :class:`HttpStatusListCache` keeps each
*verified* list (the status check hands it the function that verifies a token) and:

* treats it as fresh for the response's ``Cache-Control: max-age`` (less its ``Age``), or the
  list's ``ttl`` without one — never longer than the list's ``ttl``, its own end
  (``validUntil``/``exp``) or ``max_freshness``; ``no-cache`` means revalidate every time,
  ``no-store`` keep nothing;
* revalidates a stale list with ``If-None-Match``: a ``304`` reuses the verified list (its
  signature cannot have changed; its expiry is judged again), a ``200`` is verified anew;
* on a transient failure (network, time-out, HTTP 5xx/429) serves the cached list while it is
  unexpired and no older than ``max_stale``, and fails closed after; any other failure (4xx,
  an unsafe URL, a body that does not verify) forgets the list;
* remembers a failure for ``negative_ttl`` (a few seconds, at most ``MAX_NEGATIVE_TTL``) so a
  dead host is not asked again for every credential — per list, and per host when it gave
  no HTTP answer at all (then none of its lists is asked meanwhile);
* fetches at most ``max_per_host`` lists from one host at a time
  (:class:`~oretrust.did.HostGuard`), so one slow host cannot take every
  worker thread.

Every answer says where the list came from (:class:`SourcedStatusList`): ``https`` (fetched
now), ``revalidated`` (a 304), ``cache`` (with the cached copy's age). Time is the caller's
``now`` (the verification time). Requests go through the SSRF-hardened
:class:`~oretrust.did.HttpsFetcher` (``fetcher_factory`` builds one around the per-request
client, so its address checks and limits apply unchanged): by default with this process's
``ORETRUST_DID_WEB_HOSTS`` mapping and ``ORETRUST_CA_BUNDLE``, as the DID resolver's. The
cache is in memory, bounded, thread-safe, and meant to live as long as the verifier or the app.
"""

from __future__ import annotations

import re
import ssl
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

import httpx

from oretrust.blocking import about_to_block
from oretrust.codes import Code
from oretrust.did import (
    MAX_PER_HOST,
    DidWebFetcher,
    HostBusyError,
    HostGuard,
    HttpsFetcher,
    host_of,
    parse_did_web_hosts,
)
from oretrust.errors import InputError, OreTrustError, ResolutionError, UnsafeUrlError
from oretrust.home import Settings
from oretrust.status.list_tokens import VerifiedStatusList, ensure_unexpired

__all__ = [
    "MAX_FRESHNESS",
    "MAX_NEGATIVE_TTL",
    "MAX_STALE",
    "NEGATIVE_TTL",
    "CachingStatusListSource",
    "HttpStatusListCache",
    "SourcedStatusList",
    "VerifyToken",
    "network_parts",
]

#: The longest a fetched list is used without asking the issuer again, whatever it says.
MAX_FRESHNESS = timedelta(hours=1)
#: How long a failed fetch is remembered (no new request to that URL meanwhile).
NEGATIVE_TTL = timedelta(seconds=5)
#: The bound on ``negative_ttl``: a failure must not lock a list out for long.
MAX_NEGATIVE_TTL = timedelta(seconds=60)
#: The longest a cached list is served while its issuer cannot be reached (and only while
#: the list itself is unexpired).
MAX_STALE = timedelta(hours=24)

#: Verifies a fetched token (signature, issuer, shape, expiry) into a list.
VerifyToken = Callable[[str], VerifiedStatusList]
#: Builds the SSRF-hardened fetcher around the client carrying this request's headers.
FetcherFactory = Callable[[httpx.Client], DidWebFetcher]

_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?([0-9]{1,10})\"?\s*(?:,|$)", re.IGNORECASE)
_TRANSIENT = frozenset({200, 408, 425, 429})  # 200: the body failed to arrive (size, time)
_RETRIEVAL = Code.STATUS_RETRIEVAL_ERROR


@dataclass(frozen=True)
class SourcedStatusList:
    """A verified list, where it came from and — from a cache — how long ago it was fetched."""

    status_list: VerifiedStatusList
    source: str  # "home", "https", "revalidated", "cache", "resolver"
    cached_age: timedelta | None = None
    note: str | None = None  # e.g. why a cached copy was served


@runtime_checkable
class CachingStatusListSource(Protocol):
    """A source that keeps verified lists itself (the status check then adds no cache)."""

    def obtain(
        self, url: str, format: str, now: datetime, verify: VerifyToken, leeway: timedelta
    ) -> SourcedStatusList:
        """The verified list at ``url`` as of ``now``; raise OreTrustError when there is none."""
        ...


@dataclass(frozen=True)
class _Entry:
    status_list: VerifiedStatusList
    etag: str | None
    validated_at: datetime
    fresh_until: datetime


@dataclass(frozen=True)
class _Failure:
    detail: str
    until: datetime


@dataclass(frozen=True)
class _Answer:
    status: int  # 200 or 304
    headers: httpx.Headers
    body: bytes


class _FetchFailed(Exception):
    """A failed GET, whether a cached copy may stand in for it, and whether the host gave no
    HTTP answer at all (then it is marked down for a while)."""

    def __init__(self, error: ResolutionError, *, transient: bool, no_answer: bool = False) -> None:
        super().__init__(error.detail)
        self.error, self.transient, self.no_answer = error, transient, no_answer


def network_parts() -> tuple[httpx.BaseTransport, FetcherFactory]:
    """The transport (``ORETRUST_CA_BUNDLE``) and fetcher (``ORETRUST_DID_WEB_HOSTS``) this
    process's settings ask for; InputError (``INVALID_SETTING``) for a bad setting."""
    settings = Settings()
    hosts = parse_did_web_hosts(settings.did_web_hosts)
    verify: ssl.SSLContext | bool = True
    if settings.ca_bundle is not None:
        try:
            verify = ssl.create_default_context(cafile=str(settings.ca_bundle))
        except (OSError, ssl.SSLError) as exc:
            raise InputError(
                f"ORETRUST_CA_BUNDLE is not a readable PEM CA bundle: {exc}",
                code=Code.INVALID_SETTING,
            ) from exc
    transport = httpx.HTTPTransport(
        verify=verify, trust_env=False, limits=httpx.Limits(max_keepalive_connections=0)
    )

    def fetcher(client: httpx.Client) -> DidWebFetcher:
        return HttpsFetcher(client=client, hosts=hosts, error_code=_RETRIEVAL)

    return transport, fetcher


class HttpStatusListCache:
    """A :class:`CachingStatusListSource` (and plain ``StatusListResolver``) over HTTP(S)."""

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        fetcher_factory: FetcherFactory | None = None,
        timeout: float = 5.0,
        max_freshness: timedelta = MAX_FRESHNESS,
        negative_ttl: timedelta = NEGATIVE_TTL,
        max_stale: timedelta = MAX_STALE,
        max_items: int = 256,
        max_per_host: int = MAX_PER_HOST,
    ) -> None:
        if not timedelta(0) <= negative_ttl <= MAX_NEGATIVE_TTL:
            raise InputError(f"negative_ttl must be between 0 and {MAX_NEGATIVE_TTL}")
        if (transport is None) != (fetcher_factory is None):
            raise InputError("pass both transport and fetcher_factory, or neither")
        self._network: tuple[httpx.BaseTransport, FetcherFactory] | None = None
        if transport is not None and fetcher_factory is not None:
            self._network = (transport, fetcher_factory)
        self._timeout = timeout
        self._max_freshness, self._negative_ttl = max_freshness, negative_ttl
        self._max_stale, self._max_items = max_stale, max_items
        self._entries: OrderedDict[tuple[str, str], _Entry] = OrderedDict()
        self._failures: OrderedDict[tuple[str, str], _Failure] = OrderedDict()
        self._lock = threading.Lock()
        self._hosts = HostGuard(max_per_host=max_per_host, wait=timeout, down_for=negative_ttl)
        #: HTTP requests sent so far (operators and tests read it).
        self.requests = 0

    def fetch(self, url: str) -> str:
        """GET ``url`` without the cache (the plain resolver protocol)."""
        try:
            return _token(url, self._get(url, None).body)
        except _FetchFailed as failed:
            raise failed.error from None

    def obtain(
        self, url: str, format: str, now: datetime, verify: VerifyToken, leeway: timedelta
    ) -> SourcedStatusList:
        """The verified list at ``url``: cached, revalidated or fetched (see the module)."""
        key = (format, url)
        with self._lock:
            entry, failure = self._entries.get(key), self._failures.get(key)
        if entry is not None and now < entry.fresh_until:
            return self._serve(key, entry, now, leeway, "cache")
        if failure is not None and now < failure.until:
            return self._stale(key, entry, now, leeway, f"{failure.detail} (not retried yet)")
        host = host_of(url)
        down = self._hosts.down(host, now)
        if down is not None:
            detail = f"{url[:200]}: {host} gave no answer: {down} (not retried yet)"
            return self._stale(key, entry, now, leeway, detail)
        try:
            answer = self._get(url, entry.etag if entry is not None else None)
        except _FetchFailed as failed:
            self._fail(key, now, failed.error.detail)
            if failed.no_answer:
                self._hosts.mark_down(host, now, failed.error.detail)
            if failed.transient:
                return self._stale(key, entry, now, leeway, failed.error.detail)
            self._forget(key)
            raise failed.error from None
        if answer.status == 304 and entry is not None:
            kept = self._keep(key, entry.status_list, entry.etag, answer.headers, now)
            return self._serve(key, kept, now, leeway, "revalidated")
        try:
            verified = verify(_token(url, answer.body))
        except OreTrustError as exc:
            self._forget(key)
            self._fail(key, now, f"{exc.code}: {exc.detail}")
            raise
        self._keep(key, verified, answer.headers.get("ETag"), answer.headers, now)
        return SourcedStatusList(verified, "https")

    def clear(self) -> None:
        """Forget every list and every remembered failure."""
        with self._lock:
            self._entries.clear()
            self._failures.clear()

    # ------------------------------------------------------------------ internals
    def _serve(
        self, key: tuple[str, str], entry: _Entry, now: datetime, leeway: timedelta, source: str
    ) -> SourcedStatusList:
        """``entry``'s list if still unexpired at ``now`` (else forget it and raise)."""
        try:
            ensure_unexpired(entry.status_list, now, leeway)
        except OreTrustError:
            self._forget(key)
            raise
        age = max(now - entry.validated_at, timedelta(0))
        return SourcedStatusList(entry.status_list, source, age if source == "cache" else None)

    def _stale(
        self,
        key: tuple[str, str],
        entry: _Entry | None,
        now: datetime,
        leeway: timedelta,
        detail: str,
    ) -> SourcedStatusList:
        """The cached list while the issuer cannot be reached, if allowed; else fail closed."""
        if entry is None or now >= entry.validated_at + self._max_stale:
            self._forget(key)
            raise ResolutionError(detail, code=_RETRIEVAL)
        try:
            served = self._serve(key, entry, now, leeway, "cache")
        except OreTrustError as exc:
            raise ResolutionError(
                f"{detail}; the cached list is no longer valid ({exc.code}: {exc.detail})",
                code=_RETRIEVAL,
            ) from exc
        note = f"served from cache: {detail}"
        return SourcedStatusList(served.status_list, "cache", served.cached_age, note)

    def _keep(
        self,
        key: tuple[str, str],
        status_list: VerifiedStatusList,
        etag: str | None,
        headers: httpx.Headers,
        now: datetime,
    ) -> _Entry:
        """Remember ``status_list`` as validated at ``now`` for its bounded freshness."""
        entry = _Entry(status_list, etag, now, now + self._freshness(status_list, headers))
        if status_list.expires_at is not None:
            entry = _Entry(status_list, etag, now, min(entry.fresh_until, status_list.expires_at))
        with self._lock:
            self._failures.pop(key, None)
            if "no-store" in headers.get("Cache-Control", "").lower():
                self._entries.pop(key, None)
                return entry
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_items:
                self._entries.popitem(last=False)
        return entry

    def _freshness(self, status_list: VerifiedStatusList, headers: httpx.Headers) -> timedelta:
        """max-age less Age (or the list's ttl), bounded by the ttl and ``max_freshness``."""
        control = headers.get("Cache-Control", "")
        lifetime = status_list.ttl
        match = _MAX_AGE.search(control)
        if match is not None:
            age = headers.get("Age", "0").strip()
            lifetime = timedelta(seconds=int(match.group(1)) - (int(age) if age.isdigit() else 0))
        if "no-cache" in control.lower():
            lifetime = timedelta(0)
        return max(min(lifetime, status_list.ttl, self._max_freshness), timedelta(0))

    def _fail(self, key: tuple[str, str], now: datetime, detail: str) -> None:
        with self._lock:
            self._failures[key] = _Failure(detail, now + self._negative_ttl)
            self._failures.move_to_end(key)
            while len(self._failures) > self._max_items:
                self._failures.popitem(last=False)

    def _forget(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def _get(self, url: str, etag: str | None) -> _Answer:
        """One GET through the hardened fetcher; a 304 is an answer only when we sent a tag."""
        about_to_block("status list fetch")
        transport, fetcher_factory = self._network_parts()
        seen: dict[str, httpx.Response] = {}

        def remember(response: httpx.Response) -> None:
            seen["response"] = response

        # HttpsFetcher's own client settings; If-None-Match rides on this request's client.
        # Not closed: closing a client closes its transport, which every request shares.
        client = httpx.Client(
            transport=transport,
            timeout=self._timeout,
            follow_redirects=False,
            trust_env=False,
            headers={"If-None-Match": etag} if etag else None,
            event_hooks={"response": [remember]},
        )
        with self._lock:
            self.requests += 1
        try:
            with self._hosts.slot(host_of(url)):
                body = fetcher_factory(client).fetch(url)
        except HostBusyError as exc:
            error = ResolutionError(f"{url[:200]}: {exc}", code=_RETRIEVAL)
            raise _FetchFailed(error, transient=True) from exc
        except UnsafeUrlError as exc:
            raise _FetchFailed(exc, transient=False) from exc
        except ResolutionError as exc:
            response = seen.get("response")
            if response is not None and response.status_code == 304 and etag:
                return _Answer(304, response.headers, b"")
            status = None if response is None else response.status_code
            transient = status is None or status >= 500 or status in _TRANSIENT
            error = ResolutionError(f"{url[:200]}: {exc.detail}", code=_RETRIEVAL)
            raise _FetchFailed(error, transient=transient, no_answer=status is None) from exc
        response = seen.get("response")
        return _Answer(200, response.headers if response else httpx.Headers(), body)

    def _network_parts(self) -> tuple[httpx.BaseTransport, FetcherFactory]:
        """The transport and fetcher factory, from the settings on first use."""
        if self._network is None:
            self._network = network_parts()
        return self._network


def _token(url: str, body: bytes) -> str:
    try:
        return body.decode("ascii").strip()
    except UnicodeDecodeError as exc:
        raise ResolutionError(f"{url[:200]} is not a compact JWS", code=_RETRIEVAL) from exc
