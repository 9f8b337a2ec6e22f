"""The bundle as the verifier's trust sources: a DID resolver and a status-list source
(internal). Neither ever reaches for the network: what the bundle lacks fails, and says so.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

from oretrust.bundle._load import VerifiedBundle
from oretrust.codes import Code
from oretrust.did import DefaultDidResolver, did_method
from oretrust.errors import ResolutionError
from oretrust.status.http_cache import SourcedStatusList, VerifyToken
from oretrust.status.list_tokens import VerifiedStatusList, ensure_unexpired

__all__ = ["BundleDidResolver", "BundleStatusLists"]

#: The ``source`` a status list read from a bundle shows in the report.
BUNDLE_SOURCE = "bundle"


class BundleDidResolver:
    """did:jwk and did:key resolve by themselves; did:web only from the bundle.

    A did:web the bundle does not carry fails ``DID_RESOLUTION_ERROR`` — the code an online
    verifier records for a DID it cannot fetch — with a detail naming the bundle, so the two
    verdicts agree and the reason is plain.
    """

    def __init__(self, bundle: VerifiedBundle) -> None:
        self._exported = bundle.issued_at
        self._documents = dict(bundle.did_documents)
        self._resolver = DefaultDidResolver(fetcher=None, local=self._documents)

    def resolve(self, did: str) -> dict[str, Any]:
        """The DID document of ``did``; ResolutionError when the bundle lacks it."""
        if did_method(did) == "web" and did not in self._documents:
            raise ResolutionError(
                f"cannot resolve {did[:120]}: it is not in the offline bundle "
                f"(exported {self._exported.isoformat()}); nothing is fetched offline",
                code=Code.DID_RESOLUTION_ERROR,
            )
        return self._resolver.resolve(did)


class BundleStatusLists:
    """Status lists from the bundle, verified on first use and kept (their expiry is judged
    again at every use). Serves as a :class:`~oretrust.status.resolver.StatusListResolver`
    and as a :class:`~oretrust.status.http_cache.CachingStatusListSource`, so the status
    check records ``source: "bundle"`` and, as ``cached_seconds``, the bundle's age."""

    def __init__(self, bundle: VerifiedBundle) -> None:
        self._bundle = bundle
        self._verified: dict[tuple[str, str], VerifiedStatusList] = {}
        self._lock = threading.Lock()

    def fetch(self, url: str) -> str:
        """The bundled token at ``url``; ResolutionError ``STATUS_RETRIEVAL_ERROR`` if absent."""
        token = self._bundle.status_lists.get(url)
        if token is None:
            raise ResolutionError(
                f"{url[:200]}: not in the offline bundle (exported "
                f"{self._bundle.issued_at.isoformat()}); nothing is fetched offline",
                code=Code.STATUS_RETRIEVAL_ERROR,
            )
        return token

    def obtain(
        self, url: str, format: str, now: datetime, verify: VerifyToken, leeway: timedelta
    ) -> SourcedStatusList:
        """The verified list at ``url`` as of ``now`` (verified once, expiry judged each time)."""
        key = (format, url)
        with self._lock:
            known = self._verified.get(key)
        if known is None:
            known = verify(self.fetch(url))
            with self._lock:
                self._verified[key] = known
        return SourcedStatusList(
            ensure_unexpired(known, now, leeway), BUNDLE_SOURCE, self._bundle.age(now)
        )
