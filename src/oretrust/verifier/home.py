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

Built once per home and network setting, and kept in ``Home.services``: each call reads the
home's trust-state stamp (:func:`~oretrust.store.stamps.recent_trust_state_stamp`: one
statement of aggregates — domain, registry DID, subscriptions, stored status-list documents,
signing keys — reused for 50 ms while this process commits nothing) and returns the
kept verifier while the stamp is unchanged, else builds a new one (fail closed: any change
rebuilds, and the stamp is read before the build, so a change racing it rebuilds again next
time). The kept verifier remembers what it read (:mod:`oretrust.verifier._kept`): the
home's own status lists, verified (until their ``cache_until``), the DID documents of the
issuers it hosts and the registry's accreditations of each issuer — all covered by the
stamp, so a kept verification runs at most that one statement and no other. A caller passing its
own ``cache`` gets a verifier of its own that reads the database on every check.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from oretrust.codes import CheckId
from oretrust.did import DefaultDidResolver
from oretrust.errors import NotFoundError
from oretrust.home import Home
from oretrust.hosted_dids import did_resolver, hosted_did_document
from oretrust.registry.chain_check import subscription_accreditation_check
from oretrust.registry.checks import accreditation_check, facts_judge
from oretrust.registry.sources import RegistryTrustSource, TrustSource
from oretrust.registry.subscriptions import subscribed_trust_lists, subscribed_trust_source
from oretrust.report import CredentialCheck, VerificationReport
from oretrust.status.check import StatusListCache, remote_status_lists, status_check
from oretrust.status.resolver import HomeStatusListResolver
from oretrust.store.stamps import recent_trust_state_stamp
from oretrust.verifier._kept import KeptTrustSource, Memo
from oretrust.verifier._replay import OutcomeMemo
from oretrust.verifier._structures import StructureMemo
from oretrust.verifier._verifier import Verifier

__all__ = ["policy_trust_source", "verifier_for"]

_KEPT = "verifier"
_STRUCTURES = "verifier_structures"
_BUILDING = threading.Lock()


@dataclass(frozen=True)
class _Kept:
    """A built verifier and the trust-state stamp read just before it was built."""

    stamp: tuple[Any, ...]
    verifier: Verifier


def verifier_for(
    home: Home,
    *,
    allow_network: bool = True,
    cache: StatusListCache | None = None,
) -> Verifier:
    """A Verifier over ``home``'s trust sources with the status check.

    Read-only: the home's status lists are read as the revocation side stored them (never
    signed here), so it needs no clock — the time of each check is the caller's ``now``.
    Without ``cache`` it is the home's kept verifier (built once, rebuilt when the home's
    trust state changed: see the module); with a long-lived ``cache`` (shared fetched lists
    between verifiers) it is a new one.
    """
    if cache is not None:
        return _build(home, allow_network, cache, kept=False)
    stamp = recent_trust_state_stamp(home.engine, home.services)
    key = (_KEPT, allow_network)
    kept = home.services.get(key)
    if isinstance(kept, _Kept) and kept.stamp == stamp:
        return kept.verifier
    with _BUILDING:
        kept = home.services.get(key)
        if isinstance(kept, _Kept) and kept.stamp == stamp:
            return kept.verifier
        verifier = _build(home, allow_network, None, kept=True)
        home.services[key] = _Kept(stamp, verifier)
    return verifier


def _build(
    home: Home, allow_network: bool, cache: StatusListCache | None, *, kept: bool
) -> Verifier:
    """A new Verifier over ``home``'s trust sources; a ``kept`` one remembers the home's DID
    documents and registry answers (valid while the stamp it was built under holds)."""
    local: Memo[str, dict[str, Any] | None] | None = None
    if kept:
        local = Memo(lambda did: hosted_did_document(home, did), name="did_documents")
    dids = did_resolver(home, allow_network=allow_network, local=local)
    status_lists = HomeStatusListResolver(
        home, fallback=remote_status_lists(home, cache) if allow_network else None
    )
    checks = [status_check(status_lists, dids, cache), _accreditation_or_warning(home, kept)]
    if not kept:
        return Verifier(dids, extra_checks=checks)
    outcomes = OutcomeMemo(dids.holding) if isinstance(dids, DefaultDidResolver) else None
    return Verifier(dids, extra_checks=checks, structures=_structures(home), outcomes=outcomes)


def _structures(home: Home) -> StructureMemo:
    """The home's memory of judged credential bytes: pure of any trust state, so it outlives
    every rebuild of the kept verifier (:mod:`oretrust.verifier._structures`). Called while
    building the kept verifier, under ``_BUILDING``."""
    memo = home.services.get(_STRUCTURES)
    if not isinstance(memo, StructureMemo):
        memo = home.services[_STRUCTURES] = StructureMemo()
    return memo


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


def _accreditation_or_warning(home: Home, kept: bool) -> CredentialCheck:
    """The home's own registry, else its subscriptions, else a warning (see the module)."""
    try:
        source: TrustSource = RegistryTrustSource(home)
    except NotFoundError:
        pass
    else:
        if not kept:
            return accreditation_check(source)
        kept_source = KeptTrustSource(source)  # its answers never change: nor do judgements
        judge = Memo(facts_judge(kept_source), name="accreditation_judgements")
        return replace(accreditation_check(kept_source, judge=judge), fixed=True)
    trust = subscribed_trust_lists(home)
    if trust.roots or trust.problems or trust.lists:  # intermediates alone: fail closed
        return subscription_accreditation_check(trust.lists, trust.roots, trust.problems)

    def warn(_credential: dict[str, Any], report: VerificationReport, _now: datetime) -> None:
        report.warnings.append(
            "no trust registry in this home and no subscription: issuer accreditation not checked"
        )

    return CredentialCheck(CheckId.ISSUER_ACCREDITED, warn, required=False)
