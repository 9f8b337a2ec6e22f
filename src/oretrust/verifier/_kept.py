"""What the home's kept verifier remembers between verifications (internal).

:func:`oretrust.verifier.verifier_for` keeps one verifier per home while the home's
trust-state stamp (:mod:`oretrust.store.stamps`) is unchanged, and builds a new one — with
new, empty memories — when it changes. So what is remembered here lives exactly as long as
the database state it was read from: the DID documents of the issuers the home hosts (the
stamp covers their keys and the issuer table) and the registry's answers about an entity
(the stamp covers the registry log head, and every registry change is a log event). Only
the kept verifier uses these; a verifier a caller builds with its own cache reads the
database on every check, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from oretrust import cache_stats
from oretrust.registry import Accreditation, JurisdictionFlag, Recognition, TrustSource

__all__ = ["KeptTrustSource", "Memo"]

K = TypeVar("K")
V = TypeVar("V")

#: Entries a memory holds before it starts again (arbitrary DIDs cannot grow it unbounded).
MAX_ITEMS = 4096


class Memo(Generic[K, V]):
    """``load`` remembered per key; forgotten all at once past :data:`MAX_ITEMS`."""

    def __init__(self, load: Callable[[K], V], *, name: str, max_items: int = MAX_ITEMS) -> None:
        self._load = load
        self._counter = cache_stats.counter(name)
        self._items: dict[K, V] = {}
        self._max_items = max_items
        self._lock = threading.Lock()

    def __call__(self, key: K) -> V:
        """What ``load(key)`` answered the first time (what it raises is not remembered)."""
        with self._lock:
            if key in self._items:
                self._counter.hit()
                return self._items[key]
        self._counter.miss()
        value = self._load(key)
        with self._lock:
            if len(self._items) >= self._max_items:
                self._items.clear()
            self._items[key] = value
        return value


class KeptTrustSource:
    """A :class:`~oretrust.registry.TrustSource` remembering what ``source`` answered."""

    def __init__(self, source: TrustSource) -> None:
        self._authority_id = source.authority_id
        self._accreditations: Memo[str, tuple[Accreditation, ...]] = Memo(
            lambda entity: tuple(source.accreditations(entity)), name="registry"
        )
        self._recognitions: Memo[str, tuple[Recognition, ...]] = Memo(
            lambda entity: tuple(source.recognitions(entity)), name="registry"
        )
        self._flags: Memo[None, tuple[JurisdictionFlag, ...]] = Memo(
            lambda _: tuple(source.jurisdiction_flags()), name="registry"
        )

    @property
    def authority_id(self) -> str:
        """The source's authority."""
        return self._authority_id

    def accreditations(self, entity_id: str) -> Sequence[Accreditation]:
        """Every accreditation of ``entity_id``, as the source first answered."""
        return self._accreditations(entity_id)

    def recognitions(self, entity_id: str) -> Sequence[Recognition]:
        """Every recognition of ``entity_id``, as the source first answered."""
        return self._recognitions(entity_id)

    def jurisdiction_flags(self) -> Sequence[JurisdictionFlag]:
        """The flags, as the source first answered."""
        return self._flags(None)
