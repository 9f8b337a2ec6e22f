"""``ORETRUST_DID_WEB_HOSTS``: did:web domains mapped to base URLs (laboratories, test
networks, air-gapped sites).

``mines.gouv.cd.example=http://127.0.0.1:8001,registry.minerals-trust.example=https://10.0.0.5``
makes the fetcher send a request for ``https://mines.gouv.cd.example/<path>`` to
``http://127.0.0.1:8001/<path>`` with ``Host: mines.gouv.cd.example``. A mapping is the
operator's explicit word, so only a mapped host may be reached over plain http or at a
loopback/private address; every other host stays HTTPS-only behind the private-address guard.

The text is parsed strictly: a bad entry is an :class:`InputError` (``INVALID_SETTING``)
naming it, never an entry silently skipped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NoReturn

import httpx

from oretrust.codes import Code
from oretrust.errors import InputError

__all__ = ["DidWebHosts", "parse_did_web_hosts"]

#: ``authority -> base URL``: the did:web host as a URL carries it (lower case, ``host`` or
#: ``host:port``) mapped to a base URL without a trailing slash.
DidWebHosts = Mapping[str, str]

_SETTING = "ORETRUST_DID_WEB_HOSTS"
_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_AUTHORITY = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*(?::([0-9]{{1,5}}))?$")


def parse_did_web_hosts(text: str) -> dict[str, str]:
    """Parse ``domain=base-url,…`` (blank: no mapping); InputError naming a bad entry.

    A domain is written as in the DID (``localhost%3A8443``) or as in a URL
    (``localhost:8443``); a base URL is ``http://`` or ``https://`` with a host, and may carry
    a path prefix, but no user info, query or fragment. A domain mapped twice is refused.
    """
    hosts: dict[str, str] = {}
    if not text.strip():
        return hosts
    for entry in text.split(","):
        domain_text, separator, base_text = entry.strip().partition("=")
        if not separator:
            _bad(entry, "is not domain=base-url")
        domain = _authority(entry, domain_text.strip())
        if domain in hosts:
            _bad(entry, f"maps {domain} a second time")
        hosts[domain] = _base_url(entry, base_text.strip())
    return hosts


def _authority(entry: str, text: str) -> str:
    """The did:web domain of an entry as a URL authority (``%3A`` decoded, lower case)."""
    authority = re.sub("%3[Aa]", ":", text).lower()
    match = _AUTHORITY.match(authority)
    if match is None:
        _bad(entry, f"has no valid did:web domain ({text[:80]!r})")
    port = match.group(1)
    if port is not None and not 0 < int(port) < 65536:
        _bad(entry, f"has an invalid port {port}")
    return authority.removesuffix(":443")


def _base_url(entry: str, text: str) -> str:
    """A checked base URL without a trailing slash."""
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, TypeError):
        _bad(entry, f"has an invalid base URL ({text[:80]!r})")
    if url.scheme not in ("http", "https") or not url.host:
        _bad(entry, "needs an http:// or https:// base URL with a host")
    if url.userinfo or url.query or url.fragment or "?" in text or "#" in text:
        _bad(entry, "base URL may not carry user info, a query or a fragment")
    return str(url).rstrip("/")


def _bad(entry: str, why: str) -> NoReturn:
    raise InputError(f"{_SETTING} entry {entry.strip()[:120]!r} {why}", code=Code.INVALID_SETTING)
