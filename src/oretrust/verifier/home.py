"""The composition root of the verifier: the one Verifier for callers that have a home (CLI,
holder, demo, API).

DIDs resolve as :func:`oretrust.hosted_dids.did_resolver` does (the home's own from its database,
others over HTTPS when allowed); status lists the home hosts come from its database, others
over HTTPS when allowed; every credential gets the ``status`` check of
:mod:`oretrust.status.check`, and — when the home runs a trust registry — the
``issuer_accredited`` check against it; a home without a registry of its own judges it
against the trust lists it subscribes to (``oretrust trust add-registry``: verified, stored,
read once here and never fetched during a verification), through trust chains up to the
pinned roots. A home with neither says so in a warning rather than passing the check
silently.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from oretrust.codes import CheckId
from oretrust.errors import NotFoundError
from oretrust.home import Home
from oretrust.hosted_dids import did_resolver
from oretrust.registry.chain_check import subscription_accreditation_check
from oretrust.registry.checks import home_accreditation_check
from oretrust.registry.sources import RegistryTrustSource, TrustSource
from oretrust.registry.subscriptions import subscribed_trust_lists, subscribed_trust_source
from oretrust.report import CredentialCheck, VerificationReport
from oretrust.status.check import StatusListCache, remote_status_lists, status_check
from oretrust.status.resolver import HomeStatusListResolver
from oretrust.verifier._verifier import Verifier

__all__ = ["policy_trust_source", "verifier_for"]


def verifier_for(
    home: Home,
    *,
    allow_network: bool = True,
    cache: StatusListCache | None = None,
) -> Verifier:
    """A Verifier over ``home``'s trust sources with the status check.

    Read-only: the home's status lists are read as the revocation side stored them (never
    signed here), so it needs no clock — the time of each check is the caller's ``now``.
    Pass a long-lived ``cache`` to share fetched lists between verifiers.
    """
    dids = did_resolver(home, allow_network=allow_network)
    status_lists = HomeStatusListResolver(
        home, fallback=remote_status_lists(home, cache) if allow_network else None
    )
    checks = [status_check(status_lists, dids, cache), _accreditation_or_warning(home)]
    return Verifier(dids, extra_checks=checks)


def policy_trust_source(home: Home) -> TrustSource:
    """What a policy judges against: the home's own registry, else its subscribed roots.

    Raises NotFoundError ``REGISTRY_NOT_INITIALISED`` with neither (a policy cannot be
    judged without a registry).
    """
    try:
        return RegistryTrustSource(home)
    except NotFoundError:
        source = subscribed_trust_source(subscribed_trust_lists(home))
        if source is None:
            raise
        return source


def _accreditation_or_warning(home: Home) -> CredentialCheck:
    """The home's own registry, else its subscriptions, else a warning (see the module)."""
    try:
        return home_accreditation_check(home)
    except NotFoundError:
        pass
    trust = subscribed_trust_lists(home)
    if trust.roots or trust.problems or trust.lists:  # intermediates alone: fail closed
        return subscription_accreditation_check(trust.lists, trust.roots, trust.problems)

    def warn(_credential: dict[str, Any], report: VerificationReport, _now: datetime) -> None:
        report.warnings.append(
            "no trust registry in this home and no subscription: issuer accreditation not checked"
        )

    return CredentialCheck(CheckId.ISSUER_ACCREDITED, warn, required=False)
