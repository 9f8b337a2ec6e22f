"""A verifier home's pins for checking a bundle: its subscriptions, or its own registry
(internal)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import select

from oretrust.bundle._load import BundlePins
from oretrust.codes import Code
from oretrust.errors import InputError, NotFoundError
from oretrust.home import Home
from oretrust.identities import list_keys
from oretrust.jwk import thumbprint
from oretrust.registry import registry_did_of
from oretrust.store.trust_models import TrustSubscriptionRecord

__all__ = ["pins_from_home"]


def pins_from_home(
    home: Home, *, registry: str | None = None, bundle_keys: Iterable[str] = ()
) -> BundlePins:
    """The registries ``home`` trusts, with their keys: the root subscriptions and their
    pinned thumbprints (``oretrust trust add-registry``), and — for a home that runs a
    registry — that registry's keys not marked compromised. ``registry`` keeps only that one.

    Raises InputError ``BUNDLE_PIN_REQUIRED`` when nothing (or not ``registry``) is pinned.
    """
    pinned: dict[str, frozenset[str]] = {}
    with home.session() as session:
        for record in session.exec(select(TrustSubscriptionRecord)):
            if record.root:
                pinned[record.registry_did] = frozenset(record.pinned_thumbprints)
    try:
        own = registry_did_of(home)
    except NotFoundError:
        own = None
    if own is not None:
        keys = [k for k in list_keys(home, own) if k.compromised_at is None]
        pinned[own] = pinned.get(own, frozenset()) | {thumbprint(k.public_jwk) for k in keys}
    if registry is not None:
        pinned = {did: keys for did, keys in pinned.items() if did == registry}
    if not pinned:
        wanted = f"registry {registry}" if registry else "registry"
        raise InputError(
            f"the home at {home.path} pins no {wanted}: subscribe with 'oretrust trust "
            "add-registry', or give --registry and --registry-key",
            code=Code.BUNDLE_PIN_REQUIRED,
        )
    return BundlePins(pinned, frozenset(bundle_keys))
