"""The per-client rate limit (``ORETRUST_RATE_LIMIT``), shared by every worker.

A limit kept in each process lets N workers admit N times the limit, and a fixed window
admits twice the limit across a window boundary. So the counting is done by the well-kept
``limits`` library with a **moving window** (no boundary to straddle), in a storage all
workers share: ``ORETRUST_RATE_LIMIT_STORAGE=redis://host:6379/0`` (Redis; ``rediss://`` for
TLS). The default ``memory://`` counts per process — right for one worker; with several,
set a shared storage or enforce the limit at the proxy.

The client is the peer address, or — only when the peer is a configured trusted proxy — the
right-most address of ``X-Forwarded-For`` that is not a trusted proxy (:func:`client_address`).
An address is counted in its canonical form (:func:`client_key`): ``2001:DB8:0:0:0:0:0:1`` is
``2001:db8::1``, an IPv4-mapped ``::ffff:192.0.2.1`` is ``192.0.2.1``, and an IPv6 client is
counted by its /64 (one subscriber's prefix: an attacker holding a /64 must not get 2^64
budgets). Health probes are never limited.

If the shared storage cannot be reached, requests are let through and the failure is logged
(at most once a minute): an outage of Redis must not take the registry down with it.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import Sequence

import anyio.to_thread
from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Receive, Scope, Send

from oretrust.api.problems import RateLimitedError, problem_response
from oretrust.api.settings import RateLimit

__all__ = ["RateLimitMiddleware", "RateLimiter", "client_address", "client_key"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_UNLIMITED_PATHS = frozenset({"/healthz", "/readyz"})
_NAMESPACE = "oretrust-rate"
_log = logging.getLogger("oretrust.api.rate_limit")


class RateLimiter:
    """Moving-window request counts per client key in ``storage_uri`` (see the module)."""

    def __init__(self, limit: RateLimit, *, storage_uri: str = "memory://") -> None:
        self.limit = limit
        self._item = RateLimitItemPerSecond(limit.requests, limit.seconds)
        self._storage = storage_from_string(storage_uri)
        self._strategy = MovingWindowRateLimiter(self._storage)
        #: Whether counting goes over the network (then it runs off the event loop).
        self.remote = not isinstance(self._storage, MemoryStorage)
        self._last_failure_log = -math.inf

    def hit(self, key: str) -> int | None:
        """Count one request; None when allowed, else the seconds to wait."""
        try:
            if self._strategy.hit(self._item, _NAMESPACE, key):
                return None
            stats = self._strategy.get_window_stats(self._item, _NAMESPACE, key)
        except Exception as exc:  # the shared storage is down: let the request through
            self._log_failure(exc)
            return None
        return max(1, math.ceil(stats.reset_time - time.time()))

    def _log_failure(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_failure_log >= 60:
            self._last_failure_log = now
            _log.warning("rate-limit storage unavailable, not limiting: %s", type(exc).__name__)


class RateLimitMiddleware:
    """Answer 429 with ``Retry-After`` to a client past its limit."""

    def __init__(
        self, app: ASGIApp, *, limiter: RateLimiter, trusted_proxies: Sequence[Network] = ()
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.trusted_proxies = tuple(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count the request against its client; refuse it past the limit."""
        if scope["type"] == "http" and scope.get("path") not in _UNLIMITED_PATHS:
            key = client_key(client_address(scope, self.trusted_proxies))
            if self.limiter.remote:
                retry_after = await anyio.to_thread.run_sync(self.limiter.hit, key)
            else:
                retry_after = self.limiter.hit(key)
            if retry_after is not None:
                limit = self.limiter.limit
                error = RateLimitedError(
                    f"more than {limit.requests} requests in {limit.seconds} s",
                    retry_after=retry_after,
                )
                await problem_response(error)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def client_address(scope: Scope, trusted_proxies: Sequence[Network]) -> str:
    """The client's address: the peer, or what trusted proxies say in X-Forwarded-For."""
    client = scope.get("client")
    peer = str(client[0]) if client else "unknown"
    if not trusted_proxies or not _trusted(peer, trusted_proxies):
        return peer
    forwarded: list[str] = [
        part.strip()
        for name, value in scope.get("headers", [])
        if name == b"x-forwarded-for"
        for part in bytes(value).decode("latin-1").split(",")
    ]
    for address in reversed([part for part in forwarded if part]):
        if not _trusted(address, trusted_proxies):
            return address
    return peer


def client_key(address: str) -> str:
    """What a client is counted by: its canonical IPv4 address, its IPv6 /64, or the text
    as given when it is no address (a Unix socket peer)."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address[:100]
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped
        if mapped is not None:
            return str(mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def _trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return any(ip in network or (mapped is not None and mapped in network) for network in networks)
