"""DID resolvers: the interface the verifier depends on, and its implementations.

:class:`DefaultDidResolver` dispatches by method. did:jwk and did:key resolve locally. did:web
is looked up first in ``local`` — a home resolves the DIDs it hosts from its own database,
never over the network — then fetched with the injected :class:`DidWebFetcher`. A fetched
document whose ``id`` is not the requested DID is refused (code ``DID_DOCUMENT_ID_MISMATCH``):
otherwise one site could answer for another's DID. A fetched document is remembered for
:data:`REMOTE_DOCUMENT_TTL` (five minutes; bounded, per resolver — the kept verifier's, which
is rebuilt whenever the home's trust state changes): verifying another home's credentials
does not fetch its issuer's document every time, and a key marked compromised there is seen
here within that time.

:class:`StaticDidResolver` resolves from a mapping only (tests, offline bundles).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

from oretrust.codes import Code
from oretrust.did._fetch import DidWebFetcher
from oretrust.did._local import resolve_did_jwk, resolve_did_key
from oretrust.did._web import did_web_url
from oretrust.encoding import copy_json, loads_json
from oretrust.errors import MalformedTokenError, ResolutionError

__all__ = [
    "REMOTE_DOCUMENT_TTL",
    "DefaultDidResolver",
    "DidResolver",
    "LocalDocuments",
    "StaticDidResolver",
]

#: Seconds a fetched did:web document is reused.
REMOTE_DOCUMENT_TTL = 300.0
_MAX_REMEMBERED = 1024
#: What :meth:`DefaultDidResolver.holding` answers for a DID that is its own document.
_SELF_DESCRIBING = object()

#: DIDs a home hosts: a mapping ``did -> document`` or a lookup returning None when unknown.
LocalDocuments = Mapping[str, dict[str, Any]] | Callable[[str], dict[str, Any] | None]

# DID Core §3.1: did:<method-name>:<method-specific-id>, no path, query or fragment.
_DID = re.compile(
    r"^did:([a-z0-9]+):((?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2}|:)*(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2}))$"
)


@runtime_checkable
class DidResolver(Protocol):
    """Resolves a DID to its DID document or raises :class:`ResolutionError`."""

    def resolve(self, did: str) -> dict[str, Any]:
        """Return the DID document of ``did``."""
        ...


class DefaultDidResolver:
    """did:jwk and did:key locally; did:web from ``local``, then through ``fetcher``.

    With no fetcher, a did:web DID that ``local`` does not know raises ResolutionError
    (``DID_NOT_FOUND``); other methods raise ResolutionError(``DID_METHOD_UNSUPPORTED``).
    """

    def __init__(
        self,
        fetcher: DidWebFetcher | None = None,
        local: LocalDocuments | None = None,
        *,
        remote_ttl: float = REMOTE_DOCUMENT_TTL,
        clock: Callable[[], float] = time.monotonic,
        remember_methods: bool = False,
    ) -> None:
        self._fetcher = fetcher
        self._local = local
        self._remember_methods = remember_methods
        self._remote_ttl, self._clock = remote_ttl, clock
        self._remembered: dict[str, tuple[float, dict[str, Any]]] = {}
        self._methods: dict[tuple[str, str, str], tuple[object, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def resolve(self, did: str) -> dict[str, Any]:
        """Resolve ``did``; every document returned is a fresh copy the caller may modify."""
        method = did_method(did)
        if method == "jwk":
            return resolve_did_jwk(did)
        if method == "key":
            return resolve_did_key(did)
        if method != "web":
            raise ResolutionError(
                f"DID method {method!r} is not supported", code=Code.DID_METHOD_UNSUPPORTED
            )
        url = did_web_url(did)
        document = self._lookup_local(did)
        if document is not None:
            return _checked(did, document)
        if self._fetcher is None:
            raise ResolutionError(
                f"{did} is not hosted here and fetching is off", code=Code.DID_NOT_FOUND
            )
        return self._fetched(did, url, self._fetcher)

    def _fetched(self, did: str, url: str, fetcher: DidWebFetcher) -> dict[str, Any]:
        """The remembered document of ``did`` while fresh, else a new fetch (remembered once
        its ``id`` checked out; a failure is not remembered here — the fetcher's host guard
        remembers a host that did not answer)."""
        now = self._clock()
        with self._lock:
            remembered = self._remembered.get(did)
        if remembered is not None and now < remembered[0]:
            return _checked(did, remembered[1])
        checked = _checked(did, _parse_document(url, fetcher.fetch(url)))
        with self._lock:
            if len(self._remembered) >= _MAX_REMEMBERED:
                self._remembered.clear()
            self._remembered[did] = (now + self._remote_ttl, copy_json(checked))
        return checked

    def remembered_method(self, did: str, kid: str, relationship: str) -> dict[str, Any] | None:
        """The verification method :meth:`remember_method` kept for ``kid`` of ``did`` under
        ``relationship`` — while the document it was chosen from is still the one this
        resolver holds (the very object: the kept local lookup's, or the fresh remembered
        fetch's); None otherwise. The verifier's hot path: no copy of the document, no second
        choice of the method. Each answer is a copy the caller may modify."""
        if not self._remember_methods:
            return None
        held = self.holding(did)
        found = self._methods.get((did, kid, relationship)) if held is not None else None
        if found is None or found[0] is not held:
            return None
        return {**found[1], "publicKeyJwk": dict(found[1]["publicKeyJwk"])}

    def remember_method(
        self, did: str, kid: str, relationship: str, method: dict[str, Any]
    ) -> None:
        """Keep ``method`` (chosen by :func:`~oretrust.did.signing_method` from what
        :meth:`resolve` just answered) for as long as that document is held. Only a resolver
        built with ``remember_methods`` (whose ``local`` lookup keeps its documents: the kept
        verifier's) remembers; another would look its documents up twice for nothing."""
        if not self._remember_methods:
            return
        held = self.holding(did)
        if held is None:
            return
        with self._lock:
            if len(self._methods) >= _MAX_REMEMBERED:
                self._methods.clear()
            self._methods[(did, kid, relationship)] = (held, copy_json(method))

    def holding(self, did: str) -> object | None:
        """What stands for the document of ``did`` while it stays the same: one constant for
        did:jwk and did:key (their documents are the DID itself, which the key of the
        remembered method already holds), the local lookup's object, or the remembered fetch
        while fresh; None when nothing is held. Compared by identity."""
        if did.startswith(("did:jwk:", "did:key:")):
            return _SELF_DESCRIBING
        if not did.startswith("did:web:"):
            return None
        local = self._lookup_local(did)
        if local is not None:
            return local
        with self._lock:
            remembered = self._remembered.get(did)
        if remembered is not None and self._clock() < remembered[0]:
            return remembered[1]
        return None

    def _lookup_local(self, did: str) -> dict[str, Any] | None:
        if self._local is None:
            return None
        if callable(self._local):
            return self._local(did)
        return self._local.get(did)


class StaticDidResolver:
    """Resolves only the DIDs in ``docs`` (an in-memory resolver for tests and bundles)."""

    def __init__(self, docs: Mapping[str, dict[str, Any]]) -> None:
        self._docs = dict(docs)

    def resolve(self, did: str) -> dict[str, Any]:
        """Return a copy of ``docs[did]``; raise ResolutionError(``DID_NOT_FOUND``) otherwise."""
        document = self._docs.get(did)
        if document is None:
            raise ResolutionError(f"{did[:120]} is not known", code=Code.DID_NOT_FOUND)
        return _checked(did, document)


def did_method(did: str) -> str:
    """Return the method name of a syntactically valid DID; raise ResolutionError(INVALID_DID)."""
    match = _DID.match(did) if isinstance(did, str) and len(did) <= 8192 else None
    if match is None:
        shown = did[:80] if isinstance(did, str) else type(did).__name__
        raise ResolutionError(f"not a valid DID: {shown!r}", code=Code.INVALID_DID)
    return match.group(1)


def _parse_document(url: str, raw: bytes) -> dict[str, Any]:
    try:
        document = loads_json(raw, "DID document")
    except MalformedTokenError as exc:
        raise ResolutionError(
            f"{url} is not valid JSON: {exc.detail}", code=Code.DID_RESOLUTION_ERROR
        ) from exc
    if not isinstance(document, dict):
        raise ResolutionError(f"{url} is not a JSON object", code=Code.DID_RESOLUTION_ERROR)
    return document


def _checked(did: str, document: dict[str, Any]) -> dict[str, Any]:
    if document.get("id") != did:
        raise ResolutionError(
            f"document id {str(document.get('id'))[:120]!r} is not {did}",
            code=Code.DID_DOCUMENT_ID_MISMATCH,
        )
    copied: dict[str, Any] = copy_json(document)
    return copied
