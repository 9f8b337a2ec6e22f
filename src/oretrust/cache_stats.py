"""Hit and miss counts of the in-memory caches on the verification hot path.

The caches (the kept verifier's memories of DID documents and registry answers, verified
status lists) count here; ``/metrics`` reads :func:`snapshot` at each scrape, so an operator
sees whether verification runs from memory (a falling hit rate after a deploy means the
caches are being rebuilt — by changes to trust data — or are too small). Counts are per
process, like every Prometheus counter, and only ever grow.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Generic, TypeVar

__all__ = ["CacheCounter", "CountedMemory", "counter", "snapshot"]

K = TypeVar("K")
V = TypeVar("V")

_lock = threading.Lock()
_counters: dict[str, CacheCounter] = {}


@dataclass
class CacheCounter:
    """Hits and misses of one named cache (thread-safe increments)."""

    name: str
    hits: int = 0
    misses: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def hit(self) -> None:
        """Count an answer from memory."""
        with self._lock:
            self.hits += 1

    def miss(self) -> None:
        """Count an answer that had to be loaded."""
        with self._lock:
            self.misses += 1


def counter(name: str) -> CacheCounter:
    """The process's counter for the cache called ``name`` (made on first use)."""
    with _lock:
        if name not in _counters:
            _counters[name] = CacheCounter(name)
        return _counters[name]


def snapshot() -> dict[str, tuple[int, int]]:
    """``{cache name: (hits, misses)}`` as of now."""
    with _lock:
        counters = list(_counters.values())
    return {c.name: (c.hits, c.misses) for c in counters}


class CountedMemory(Generic[K, V]):
    """Values by key for the cache called ``name``: each lookup counted as a hit or a miss,
    everything forgotten at once past ``max_items`` (arbitrary keys cannot grow it);
    thread-safe."""

    def __init__(self, name: str, *, max_items: int) -> None:
        self._items: dict[K, V] = {}
        self._max_items = max_items
        self._lock = threading.Lock()
        self._counter = counter(name)

    def get(self, key: K) -> V | None:
        """The value kept for ``key``, if any (counted)."""
        found = self._items.get(key)
        if found is None:
            self._counter.miss()
        else:
            self._counter.hit()
        return found

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` for ``key``."""
        with self._lock:
            if len(self._items) >= self._max_items:
                self._items.clear()
            self._items[key] = value

    def __len__(self) -> int:
        return len(self._items)
