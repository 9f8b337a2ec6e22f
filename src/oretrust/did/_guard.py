"""Per-host bounds on outbound fetches (DID documents, status lists): a concurrency cap and
a short memory of hosts that are down.

Internal module. A did:web or status-list URL is named by whoever made the credential, so a
verifier's fetches are steered by its input. :class:`HostGuard` keeps one host from taking
every worker thread (at most ``max_per_host`` fetches to it at once; a fetch that waits
longer than ``wait`` for a slot fails as a transient retrieval error) and keeps a down host
from being asked again for every document it serves: after a fetch that got no HTTP answer
at all (refused, reset, timed out) the host is *down* for ``down_for`` (a few seconds), and
fetches of anything it serves fail at once (for status lists a cached copy may still stand
in, as for any transient failure).

Time is the caller's ``now`` (as in the cache that uses it); the slots are real threads'.
Thread-safe and bounded (``max_hosts``, least recently used forgotten first).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import httpx

__all__ = ["MAX_PER_HOST", "HostBusyError", "HostGuard", "host_of"]

#: Fetches to one host at the same time, by default.
MAX_PER_HOST = 4


class HostBusyError(Exception):
    """No slot for this host came free in time."""


def host_of(url: str) -> str:
    """The host (and port) a URL names, lower-cased; the URL itself when unparseable."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return url[:200]
    host = parsed.host.lower()
    return host if parsed.port is None else f"{host}:{parsed.port}"


class HostGuard:
    """Concurrency slots and down-marks per host (see the module)."""

    def __init__(
        self,
        *,
        max_per_host: int = MAX_PER_HOST,
        wait: float = 5.0,
        down_for: timedelta = timedelta(seconds=5),
        max_hosts: int = 1024,
    ) -> None:
        self._max_per_host, self._wait, self._down_for = max_per_host, wait, down_for
        self._max_hosts = max_hosts
        self._slots: OrderedDict[str, threading.BoundedSemaphore] = OrderedDict()
        self._down: OrderedDict[str, tuple[datetime, str]] = OrderedDict()
        self._lock = threading.Lock()

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        """Hold one of ``host``'s slots for the block; raise HostBusyError after ``wait``."""
        with self._lock:
            semaphore = self._slots.get(host)
            if semaphore is None:
                semaphore = threading.BoundedSemaphore(self._max_per_host)
                self._slots[host] = semaphore
                while len(self._slots) > self._max_hosts:
                    self._slots.popitem(last=False)
            self._slots.move_to_end(host)
        if not semaphore.acquire(timeout=self._wait):
            raise HostBusyError(f"{host} already has {self._max_per_host} fetches in flight")
        try:
            yield
        finally:
            semaphore.release()

    def down(self, host: str, now: datetime) -> str | None:
        """Why ``host`` is marked down at ``now``, or None when it may be asked."""
        with self._lock:
            mark = self._down.get(host)
            if mark is None or now >= mark[0]:
                self._down.pop(host, None)
                return None
            return mark[1]

    def mark_down(self, host: str, now: datetime, detail: str) -> None:
        """Remember that ``host`` gave no answer at ``now``."""
        with self._lock:
            self._down[host] = (now + self._down_for, detail)
            self._down.move_to_end(host)
            while len(self._down) > self._max_hosts:
                self._down.popitem(last=False)

    def mark_up(self, host: str) -> None:
        """``host`` answered: forget any down-mark."""
        with self._lock:
            self._down.pop(host, None)
