"""ASGI middleware of the service: request limits and an optional per-client rate limit.

Both answer with problem+json (:func:`oretrust.api.problems.problem_response`) before the
request reaches a route.

* :class:`BodyLimitMiddleware` refuses a path or query holding a NUL character (400
  ``INVALID_CHARACTER``), reads the body (declared or chunked) up to ``max_bytes`` and
  answers 413 beyond it; a JSON body nested deeper than ``max_depth`` (the bound on token
  JSON, :data:`~oretrust.encoding.MAX_JSON_DEPTH`) is a 400 ``REQUEST_TOO_DEEP``, decided by a
  linear scan before any recursive parser sees it, and one whose strings hold a NUL or a lone
  surrogate a 400 ``INVALID_CHARACTER`` (PostgreSQL cannot store a NUL, so SQLite and
  PostgreSQL homes answer alike; a lone surrogate has no UTF-8 form, so no answer or stored
  credential could carry it). The route then reads the buffered body.
* :class:`RateLimitMiddleware` counts requests per client in fixed windows and answers 429
  with ``Retry-After``. The client is the peer address; ``X-Forwarded-For`` is believed only
  when the peer is a configured trusted proxy (then the right-most address that is not a
  trusted proxy is the client). The counters live in the process: with N workers each
  enforces the limit on its own, so a deployment sets the limit per worker (or at its proxy).
  Health probes are never limited.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from oretrust.api.problems import (
    InvalidCharacterError,
    PayloadTooLargeError,
    RateLimitedError,
    RequestTooDeepError,
    problem_response,
)
from oretrust.api.settings import RateLimit
from oretrust.encoding import MAX_JSON_DEPTH, exceeds_json_depth, forbidden_character
from oretrust.errors import InputError

__all__ = ["BodyLimitMiddleware", "RateLimitMiddleware", "RateLimiter", "client_address"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_UNLIMITED_PATHS = frozenset({"/healthz", "/readyz"})


class BodyLimitMiddleware:
    """Refuse request bodies larger than ``max_bytes`` (413), and JSON bodies nested deeper
    than ``max_depth`` (400)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_depth: int = MAX_JSON_DEPTH) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Buffer the body (bounded), then hand the request on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _nul_in_target(scope):
            error = InvalidCharacterError("the request path or query holds a NUL character")
            await problem_response(error)(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        refused = _body_error(scope, body, self.max_depth)
        if refused is not None:
            await problem_response(refused)(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = PayloadTooLargeError(f"the request body exceeds {self.max_bytes} bytes")
        await problem_response(error)(scope, receive, send)


def _nul_in_target(scope: Scope) -> bool:
    """Whether the decoded path, or the query string raw or percent-decoded, holds a NUL."""
    query = bytes(scope.get("query_string", b""))
    return "\x00" in str(scope.get("path", "")) or b"\x00" in query or b"%00" in query


def _body_error(scope: Scope, body: bytes, max_depth: int) -> InputError | None:
    """Why a JSON body (``application/json`` or ``…+json``) is refused: nested deeper than
    ``max_depth``, or a string holding a NUL or a lone surrogate; None when it is not.

    Latin-1 keeps every byte, and no byte of a multi-byte UTF-8 character is a bracket, a
    quote, a backslash or a NUL, so both scans see the structure and the escapes exactly
    whatever the body's encoding errors (which the JSON parser then reports).
    """
    declared = dict(scope.get("headers", [])).get(b"content-type", b"")
    media_type = bytes(declared).split(b";", 1)[0].strip().lower()
    if media_type != b"application/json" and not media_type.endswith(b"+json"):
        return None
    text = body.decode("latin-1")
    if exceeds_json_depth(text, max_depth):
        return RequestTooDeepError(f"the JSON request body nests deeper than {max_depth}")
    forbidden = forbidden_character(text)
    if forbidden is not None:
        return InvalidCharacterError(f"a string of the JSON request body holds {forbidden}")
    return None


class RateLimiter:
    """Fixed-window request counts per client key, for at most ``max_clients`` keys."""

    def __init__(
        self,
        limit: RateLimit,
        *,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self._counts: OrderedDict[str, tuple[int, int]] = OrderedDict()
        self._max_clients = max_clients
        self._clock = clock

    def hit(self, key: str) -> int | None:
        """Count one request; None when allowed, else the seconds until the next window."""
        now = self._clock()
        window = int(now // self.limit.seconds)
        previous = self._counts.pop(key, None)
        count = previous[1] + 1 if previous is not None and previous[0] == window else 1
        self._counts[key] = (window, count)
        while len(self._counts) > self._max_clients:
            self._counts.popitem(last=False)
        if count <= self.limit.requests:
            return None
        return max(1, math.ceil((window + 1) * self.limit.seconds - now))


class RateLimitMiddleware:
    """Answer 429 to a client past its limit (see the module docstring)."""

    def __init__(
        self, app: ASGIApp, *, limiter: RateLimiter, trusted_proxies: Sequence[Network] = ()
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.trusted_proxies = tuple(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count the request against its client; refuse it past the limit."""
        if scope["type"] == "http" and scope.get("path") not in _UNLIMITED_PATHS:
            retry_after = self.limiter.hit(client_address(scope, self.trusted_proxies))
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


def _trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)
