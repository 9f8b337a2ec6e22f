"""Where the verifier gets status lists from: the :class:`StatusListResolver` seam.

* :class:`HomeStatusListResolver` — a home serves its own lists from its database, as the
  revocation side signed and stored them (see :mod:`oretrust.status.publication`), never
  over the network: the scripting contract's self-resolution. It only reads — never signs,
  never writes — so verifying at any time leaves the database as it was. URLs of other
  hosts go to an optional ``fallback``.
* :class:`HttpsStatusListResolver` — over HTTPS with the SSRF-hardened
  :class:`~oretrust.did.HttpsFetcher` (HTTPS only, no private addresses, no redirects,
  size and time bounds, no compressed bodies) and the process's ``ORETRUST_DID_WEB_HOSTS``
  mapping (:func:`oretrust.hosted_dids.network_fetcher`); failures carry
  ``STATUS_RETRIEVAL_ERROR``.
* :class:`InMemoryStatusListResolver` — a mapping, for tests and offline bundles.

Every failure is a :class:`~oretrust.errors.ResolutionError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from oretrust.codes import Code
from oretrust.did import DidWebFetcher
from oretrust.errors import InputError, NotFoundError, ResolutionError
from oretrust.home import Home
from oretrust.hosted_dids import network_fetcher
from oretrust.status.publication import stored_status_list
from oretrust.status.rules import local_document_id

__all__ = [
    "STATUS_RETRIEVAL_ERROR",
    "HomeStatusListResolver",
    "HttpsStatusListResolver",
    "InMemoryStatusListResolver",
    "StatusListResolver",
]

STATUS_RETRIEVAL_ERROR = Code.STATUS_RETRIEVAL_ERROR


@runtime_checkable
class StatusListResolver(Protocol):
    """Returns the status list document (a compact JWS) published at ``url``."""

    def fetch(self, url: str) -> str:
        """The token at ``url``; raise ResolutionError when it cannot be obtained."""
        ...


class InMemoryStatusListResolver:
    """Serves tokens from a mapping ``url -> token``; counts fetches (for cache tests)."""

    def __init__(self, lists: Mapping[str, str] | None = None) -> None:
        self.lists: dict[str, str] = dict(lists or {})
        self.fetches = 0

    def put(self, url: str, token: str) -> None:
        """Publish (or replace) ``token`` at ``url``."""
        self.lists[url] = token

    def fetch(self, url: str) -> str:
        """The token at ``url``; ResolutionError(``STATUS_RETRIEVAL_ERROR``) if there is none."""
        self.fetches += 1
        token = self.lists.get(url)
        if token is None:
            raise ResolutionError(f"no status list at {url[:200]}", code=STATUS_RETRIEVAL_ERROR)
        return token


class HttpsStatusListResolver:
    """Fetches lists over HTTPS through an SSRF-hardened fetcher (created on first use)."""

    def __init__(self, fetcher: DidWebFetcher | None = None) -> None:
        self._fetcher = fetcher

    def fetch(self, url: str) -> str:
        """GET ``url`` and return the body as text; raise ResolutionError / UnsafeUrlError."""
        if self._fetcher is None:
            self._fetcher = network_fetcher(error_code=STATUS_RETRIEVAL_ERROR)  # + DID_WEB_HOSTS
        body = self._fetcher.fetch(url)
        try:
            return body.decode("ascii").strip()
        except UnicodeDecodeError as exc:
            raise ResolutionError(
                f"{url[:200]} is not a compact JWS", code=STATUS_RETRIEVAL_ERROR
            ) from exc


class HomeStatusListResolver:
    """This home's lists from its database; other URLs through ``fallback`` (if any).

    Read-only and clock-free: it returns the document the writer stored (however old — the
    status check judges its validity), so a verification never signs or stores anything.
    """

    def __init__(self, home: Home, *, fallback: StatusListResolver | None = None) -> None:
        self._home = home
        self._base_url = home.base_url
        self._fallback = fallback

    def resolver_for(self, url: str) -> StatusListResolver | None:
        """Who answers ``url``: this home when it hosts it, else the fallback (None: nobody)."""
        return self if local_document_id(self._base_url, url) is not None else self._fallback

    def fetch(self, url: str) -> str:
        """The home's stored list at ``url``, or the fallback's answer for foreign URLs."""
        published_id = local_document_id(self._base_url, url)
        if published_id is None:
            if self._fallback is None:
                raise ResolutionError(
                    f"{url[:200]} is not hosted here and fetching is off",
                    code=STATUS_RETRIEVAL_ERROR,
                )
            return self._fallback.fetch(url)
        try:
            return stored_status_list(self._home, published_id).token
        except (InputError, NotFoundError) as exc:
            raise ResolutionError(
                f"{url[:200]}: {exc.detail}", code=STATUS_RETRIEVAL_ERROR
            ) from exc
