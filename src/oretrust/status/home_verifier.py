"""The one Verifier configuration for callers that have a home (CLI, holder, demo, API).

DIDs resolve as :meth:`oretrust.home.Home.resolver` does (the home's own from its database,
others over HTTPS when allowed); status lists the home hosts come from its database, others
over HTTPS when allowed; every credential gets the ``status`` check of
:mod:`oretrust.status.check`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from oretrust.home import Home
from oretrust.status.check import StatusListCache, status_check
from oretrust.status.resolver import HomeStatusListResolver, HttpsStatusListResolver
from oretrust.verifier import Verifier

__all__ = ["home_verifier"]


def home_verifier(
    home: Home,
    *,
    now: datetime | None = None,
    allow_network: bool = True,
    cache: StatusListCache | None = None,
) -> Verifier:
    """A Verifier over ``home``'s trust sources with the status check.

    ``now`` is when lists that need re-signing are signed (default: the current time at
    each fetch). Pass a long-lived ``cache`` to share fetched lists between verifiers.
    """
    did_resolver = home.resolver(allow_network=allow_network)
    status_lists = HomeStatusListResolver(
        home,
        clock=(lambda: now) if now is not None else (lambda: datetime.now(UTC)),
        fallback=HttpsStatusListResolver() if allow_network else None,
    )
    return Verifier(did_resolver, extra_checks=[status_check(status_lists, did_resolver, cache)])
