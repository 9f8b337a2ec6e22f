"""The composition root of the verifier: the one Verifier for callers that have a home (CLI,
holder, demo, API).

DIDs resolve as :func:`oretrust.hosted_dids.did_resolver` does (the home's own from its database,
others over HTTPS when allowed); status lists the home hosts come from its database, others
over HTTPS when allowed; every credential gets the ``status`` check of
:mod:`oretrust.status.check`, and — when the home runs a trust registry — the
``issuer_accredited`` check against it. A home without a registry says so in a warning
rather than passing the check silently.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from oretrust.codes import CheckId
from oretrust.errors import NotFoundError
from oretrust.home import Home
from oretrust.hosted_dids import did_resolver
from oretrust.registry.checks import home_accreditation_check
from oretrust.report import CredentialCheck, VerificationReport
from oretrust.status.check import StatusListCache, status_check
from oretrust.status.resolver import HomeStatusListResolver, HttpsStatusListResolver
from oretrust.verifier._verifier import Verifier

__all__ = ["verifier_for"]


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
        home, fallback=HttpsStatusListResolver() if allow_network else None
    )
    checks = [status_check(status_lists, dids, cache), _accreditation_or_warning(home)]
    return Verifier(dids, extra_checks=checks)


def _accreditation_or_warning(home: Home) -> CredentialCheck:
    try:
        return home_accreditation_check(home)
    except NotFoundError:

        def warn(_credential: dict[str, Any], report: VerificationReport, _now: datetime) -> None:
            report.warnings.append(
                "no trust registry in this home: issuer accreditation not checked"
            )

        return CredentialCheck(CheckId.ISSUER_ACCREDITED, warn, required=False)
