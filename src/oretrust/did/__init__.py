"""Decentralized identifiers: did:jwk, did:key and did:web, resolvers, and key selection.

The public surface::

    create_did_jwk(jwk)                  did:jwk of a public JWK
    did_web_url(did)                     the HTTPS URL of a did:web document
    build_did_web_document(did, keys, …) the document an institution serves at that URL
    DidResolver / DefaultDidResolver / StaticDidResolver
    DidWebFetcher / HttpsFetcher         the (SSRF-hardened) network seam of did:web
    HostGuard                            per-host fetch cap and down-marks (status lists too)
    parse_did_web_hosts(text)            ORETRUST_DID_WEB_HOSTS: did:web domains → base URLs
    signing_jwk(document, kid, …)        the public key a ``kid`` may sign with
    signing_method(document, kid, …)     the whole verification method (``revoked`` and all)

Errors come from :mod:`oretrust.errors`: :class:`ResolutionError` (and its
:class:`UnsafeUrlError`) when a document cannot be obtained, :class:`InvalidCredentialError`
when a document does not let a ``kid`` sign, :class:`InputError` for a caller's bad input.
"""

from __future__ import annotations

from oretrust.did._document import (
    RELATIONSHIPS,
    SIGNING_RELATIONSHIPS,
    signing_jwk,
    signing_method,
)
from oretrust.did._fetch import (
    DidWebFetcher,
    HostResolver,
    HttpsFetcher,
    is_public_address,
    system_resolve,
)
from oretrust.did._guard import MAX_PER_HOST, HostBusyError, HostGuard, host_of
from oretrust.did._hosts import DidWebHosts, parse_did_web_hosts
from oretrust.did._local import create_did_jwk, resolve_did_jwk, resolve_did_key
from oretrust.did._resolver import (
    DefaultDidResolver,
    DidResolver,
    LocalDocuments,
    StaticDidResolver,
    did_method,
)
from oretrust.did._web import build_did_web_document, did_web_url

__all__ = [
    "MAX_PER_HOST",
    "RELATIONSHIPS",
    "SIGNING_RELATIONSHIPS",
    "DefaultDidResolver",
    "DidResolver",
    "DidWebFetcher",
    "DidWebHosts",
    "HostBusyError",
    "HostGuard",
    "HostResolver",
    "HttpsFetcher",
    "LocalDocuments",
    "StaticDidResolver",
    "build_did_web_document",
    "create_did_jwk",
    "did_method",
    "did_web_url",
    "host_of",
    "is_public_address",
    "parse_did_web_hosts",
    "resolve_did_jwk",
    "resolve_did_key",
    "signing_jwk",
    "signing_method",
    "system_resolve",
]
