"""The DIDs a home hosts: their documents, and the resolver that reads them before the network.

A home resolves its own DIDs (its issuers and registry) from its database, never over the
network, so ``oretrust serve`` verifies its own credentials with no connectivity. Other DIDs
go through :class:`~oretrust.did.HttpsFetcher` when the network is allowed.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from oretrust.codes import Code
from oretrust.did import (
    DefaultDidResolver,
    DidResolver,
    HostGuard,
    HttpsFetcher,
    LocalDocuments,
    build_did_web_document,
    did_web_url,
    parse_did_web_hosts,
)
from oretrust.errors import ResolutionError
from oretrust.home import Home, Settings
from oretrust.store.models import IssuerRecord, KeyRecord

__all__ = [
    "did_document_for",
    "did_resolver",
    "hosted_did_at",
    "hosted_did_document",
    "network_fetcher",
]


def hosted_did_document(home: Home, did: str) -> dict[str, Any] | None:
    """The DID document of an issuer hosted here, or None (holders' did:jwk resolve alone)."""
    with home.session() as session:
        if session.exec(select(IssuerRecord).where(IssuerRecord.did == did)).first() is None:
            return None
        keys = list(session.exec(select(KeyRecord).where(KeyRecord.owner_did == did)))
    return did_document_for(did, keys)


def hosted_did_at(home: Home, url: str) -> dict[str, Any] | None:
    """The document of the DID hosted here whose did:web URL is ``url``, or None.

    ``url`` is ``https://<Host header><path>``: a DID is served exactly where the did:web spec
    says a resolver looks for it (so one server answers for several domains, by ``Host``),
    and nowhere else. Matching through :func:`~oretrust.did.did_web_url` keeps the two sides
    one rule (host case, ``%3A`` ports, path segments).
    """
    with home.session() as session:
        dids = list(session.exec(select(IssuerRecord.did)))
    for did in dids:
        try:
            location = did_web_url(did)
        except ResolutionError:
            continue  # not a servable did:web (refused at registration; never served)
        if location == url:
            return hosted_did_document(home, did)
    return None


def network_fetcher(*, error_code: str = Code.DID_RESOLUTION_ERROR) -> HttpsFetcher:
    """The SSRF-hardened fetcher with this process's ``ORETRUST_DID_WEB_HOSTS`` mapping and
    ``ORETRUST_CA_BUNDLE``; InputError (``INVALID_SETTING``) naming a bad entry.

    The DID resolver and the status-list fetcher both take it, so a host mapped for a
    laboratory serves its DIDs and its status lists the same way. It carries a
    :class:`~oretrust.did.HostGuard` (at most 4 fetches per host at once, a host that gave no
    answer refused for 5 s), shared by whoever keeps the fetcher: the home's DID resolver.
    """
    settings = Settings()
    return HttpsFetcher(
        hosts=parse_did_web_hosts(settings.did_web_hosts),
        ca_bundle=settings.ca_bundle,
        error_code=error_code,
        guard=HostGuard(),
    )


def did_resolver(
    home: Home, *, allow_network: bool = True, local: LocalDocuments | None = None
) -> DidResolver:
    """DID resolver: this home's DIDs from the database, others over HTTPS (if allowed).

    One resolver per home and network setting (the networked one owns an HTTP client, built
    by :func:`network_fetcher`: a bad ``ORETRUST_DID_WEB_HOSTS`` raises here). With
    ``allow_network=False`` a did:web this home does not host raises ResolutionError
    (``DID_NOT_FOUND``), whatever resolver an earlier call asked for. ``local`` replaces the
    database lookup of the home's own DIDs (the kept verifier's memory of them) in a new
    resolver sharing that HTTP client.
    """
    fetcher_key = ("did_fetcher", allow_network)
    if fetcher_key not in home.services:
        home.services[fetcher_key] = network_fetcher() if allow_network else None
    fetcher = home.services[fetcher_key]
    assert fetcher is None or isinstance(fetcher, HttpsFetcher)
    key, built = ("did_resolver", allow_network), ("did_resolver_built", allow_network)
    resolver = home.services.get(key)
    if resolver is not None and resolver is not home.services.get(built):
        # A resolver a caller put in the home (a test, an offline bundle): it wins, also
        # over the kept verifier's memory of the home's own DIDs.
        assert isinstance(resolver, DefaultDidResolver)
        return resolver
    if local is not None:
        return DefaultDidResolver(fetcher=fetcher, local=local, remember_methods=True)
    if resolver is None:
        resolver = DefaultDidResolver(
            fetcher=fetcher, local=lambda did: hosted_did_document(home, did)
        )
        home.services[key] = home.services[built] = resolver
    assert isinstance(resolver, DefaultDidResolver)
    return resolver


def did_document_for(did: str, keys: list[KeyRecord]) -> dict[str, Any]:
    """did:web document listing every key ever used (so old credentials keep verifying).

    Compromised keys stay listed with the Security Vocabulary's ``revoked`` time, so a
    verifier rejects what they signed from then on but not before.
    """
    methods = [(key.kid.split("#", 1)[1], key.public_jwk) for key in keys]
    document = build_did_web_document(did, methods)
    for method in document.get("verificationMethod", []):
        for key in keys:
            if method["id"] == key.kid and key.compromised_at is not None:
                method["revoked"] = key.compromised_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return document
