"""Offline verification bundles: everything a verifier needs at a site with no network.

A bundle is one compact JWS (header ``typ: oretrust-bundle+jwt``) whose payload is::

    {"version": 1, "iss": "<signer DID>", "iat": 1795000000, "exp": 1795086400,
     "registries": [{"did": "<registry DID>", "root": true, "trust_list": "<trust-list+jwt>"}],
     "did_documents": {"<DID>": {...DID document...}},
     "status_lists": {"<status list URL>": "<vc+jwt BSL credential or statuslist+jwt>"},
     "schemas": {"<CredentialType>": {...JSON Schema...}},
     "ledger": {"seq": 12, "hash": "<hex SHA-256>"} | null}

``ledger`` is the head of the exporting home's mass ledger (chain of custody) when it keeps
one, null otherwise: a border post compares it with the registry's published head
(``GET /custody/ledger/head``) to see how much of the ledger its bundle has not seen.

**Where the trust comes from** (the design, see ``docs/architecture.md``). Nothing in a
bundle vouches for itself: :func:`load_bundle` takes :class:`BundlePins` — the registry DIDs
and key thumbprints the verifier pinned (its subscription, or the command line) — and

* the bundle's signature must be made by a pinned key: a pinned registry's key, or a key
  the verifier pinned as a bundle signer (``BUNDLE_SIGNER_NOT_PINNED``);
* each root trust list is verified as a subscription is: signed by a *pinned* key of its
  registry (the bundled DID document cannot introduce a key), unexpired, issued before now;
* status lists are verified when a credential needs them, exactly as online: signature by
  the credential's issuer, URL, expiry, bounded decoding;
* DID documents are not signed by anyone: they are vouched for by the bundle's signature,
  the one thing that holds them to the bundle.

Errors are :class:`~oretrust.errors.ResolutionError` (``BUNDLE_*``, ``TRUST_LIST_*``) and
:class:`~oretrust.errors.InputError` ``BUNDLE_PIN_REQUIRED`` without a pin.
"""

from __future__ import annotations

from oretrust.bundle._export import ExportedBundle, export_bundle, export_bundle_file
from oretrust.bundle._format import BUNDLE_TYP, BUNDLE_VERSION, DEFAULT_VALIDITY, MAX_BUNDLE_BYTES
from oretrust.bundle._load import BundlePins, VerifiedBundle, load_bundle
from oretrust.bundle._pins import pins_from_home
from oretrust.bundle._sources import BundleDidResolver, BundleStatusLists

__all__ = [
    "BUNDLE_TYP",
    "BUNDLE_VERSION",
    "DEFAULT_VALIDITY",
    "MAX_BUNDLE_BYTES",
    "BundleDidResolver",
    "BundlePins",
    "BundleStatusLists",
    "ExportedBundle",
    "VerifiedBundle",
    "export_bundle",
    "export_bundle_file",
    "load_bundle",
    "pins_from_home",
]
