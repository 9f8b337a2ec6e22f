"""One deadline for a whole outbound fetch: name lookup, connect, headers and body together.

Internal module. httpx's timeouts bound each *operation* (one connect, one read): a server
that sends its headers one byte a second never trips a 5 s read timeout and held a fetch for
a minute. :class:`Deadline` is the total bound instead:

* :meth:`Deadline.resolve` runs the blocking name lookup in a helper thread and stops waiting
  at the deadline (``getaddrinfo`` itself cannot be interrupted; the lookup is abandoned);
* :meth:`Deadline.trace` is httpcore's ``trace`` request extension: it keeps the sockets the
  request opens, and a timer shuts them down when the deadline passes — a recv blocked in
  the middle of a status line wakes at once, and the fetch fails;
* :meth:`Deadline.remaining` gives each httpx operation only the time that is left.

Transports that open no socket (``httpx.MockTransport``) never call the trace; the fetcher's
body loop still checks the clock between chunks.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from types import TracebackType
from typing import Any

__all__ = ["Deadline"]

_SOCKET_EVENTS = ("connection.connect_tcp.complete", "connection.start_tls.complete")


class Deadline:
    """A fetch's total time budget; use as a context manager around the whole fetch."""

    def __init__(self, seconds: float, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._ends = clock() + seconds
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self.expired = False
        self._timer = threading.Timer(max(seconds, 0.0), self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._timer.cancel()

    def remaining(self) -> float:
        """Seconds left (never below a millisecond, so httpx still raises its own timeout)."""
        return max(self._ends - self._clock(), 0.001)

    def passed(self) -> bool:
        """Has the deadline passed (by the clock, or by the timer)?"""
        return self.expired or self._clock() >= self._ends

    def resolve(
        self, lookup: Callable[[str, int], Sequence[str]], host: str, port: int
    ) -> Sequence[str]:
        """``lookup(host, port)``, waited for at most :meth:`remaining`; raise TimeoutError."""
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="oretrust-dns")
        try:
            return pool.submit(lookup, host, port).result(timeout=self.remaining())
        except FutureTimeout as exc:
            raise TimeoutError(f"looking up {host} took too long") from exc
        finally:
            pool.shutdown(wait=False)

    def trace(self, event_name: str, info: dict[str, Any]) -> None:
        """httpcore's trace hook: remember each socket the request opens."""
        if event_name not in _SOCKET_EVENTS:
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if not isinstance(sock, socket.socket):
            return
        with self._lock:
            self._sockets.append(sock)
            late = self.expired
        if late:
            _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    """Wake any thread blocked on ``sock`` (close alone does not) and end the connection."""
    with contextlib.suppress(OSError):  # closed, or a plain socket detached by TLS wrapping
        sock.shutdown(socket.SHUT_RDWR)
