"""``Annotated`` dependencies of the routes: the home, the clock, the verifier, the caller.

Everything comes from ``app.state`` (set up in the lifespan by :func:`oretrust.api.create_app`),
never from a module global, so tests can build apps with their own settings or override a
dependency with ``app.dependency_overrides``.

The home, the settings and the clock are ``async`` dependencies: they only read
``app.state``, and FastAPI runs a plain ``def`` dependency in a worker thread — a thread hop
per dependency per request, which the profile of ``POST /credentials/verify`` showed costing
more than the verification. Anything that touches the database stays a plain ``def``.

Authentication is a dependency, not code in handlers: :data:`IssuerDep`, :data:`AdminDep`
and :data:`ReaderDep` let a route run only for a valid token of the right role (401 / 403
problems otherwise) and leave the caller in the request state for the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from oretrust.api.audit import remember_principal
from oretrust.api.auth import AuthenticationError, PermissionDeniedError, Principal, Role
from oretrust.api.settings import ServiceSettings
from oretrust.api.tokens import authenticate
from oretrust.home import Home
from oretrust.verifier import Verifier, verifier_for

__all__ = [
    "AdminDep",
    "HomeDep",
    "IssuerDep",
    "NowDep",
    "PrincipalDep",
    "ReaderDep",
    "SettingsDep",
    "VerifierDep",
]

_bearer = HTTPBearer(
    auto_error=False,
    description="A token from `oretrust token create` (roles registry-admin, issuer, auditor).",
)


async def get_home(request: Request) -> Home:
    """The home the app serves (opened in the lifespan)."""
    home: Home = request.app.state.home
    return home


async def get_settings(request: Request) -> ServiceSettings:
    """The settings the app was created with."""
    settings: ServiceSettings = request.app.state.settings
    return settings


async def get_now(request: Request) -> datetime:
    """The current time from the app's clock (tests may fix it)."""
    return now_of(request)


def now_of(request: Request) -> datetime:
    """:func:`get_now` as a plain call (the verify routes' hot path solves no dependency)."""
    now: datetime = request.app.state.clock()
    return now


HomeDep = Annotated[Home, Depends(get_home)]
NowDep = Annotated[datetime, Depends(get_now)]
SettingsDep = Annotated[ServiceSettings, Depends(get_settings)]


async def get_verifier(request: Request) -> Verifier:
    """:func:`verifier_of` as a dependency."""
    return verifier_of(request)


def verifier_of(request: Request) -> Verifier:
    """The home's verifier over its trust sources: DIDs, status lists, accreditation.

    Built once and kept in ``Home.services`` (:func:`oretrust.verifier.verifier_for`): each
    request reads one statement of the home's trust-state stamp and gets the kept verifier,
    rebuilt only when the domain, the registry, the subscriptions, a stored status list or a
    signing key changed — in this worker or any other, since the stamp is in the database.
    Accreditations and the issuers' DID documents are read per check, so every worker answers
    from the database's current state. Other homes' lists come through the HTTP cache the
    home keeps (:mod:`oretrust.status.http_cache`: max-age, ETag, bounded). It reads only
    (status lists as the revocation side stored them), so it takes no clock; the route passes
    ``now`` per check.

    Called on the event loop although it may read the stamp (one short statement, at most
    every 50 ms) or rebuild the verifier (after a change of trust state): a thread hop per
    request cost more. The verify routes call it directly rather than as a dependency:
    solving FastAPI dependencies took a fifth of a verification request (issue 13's profile).
    """
    home: Home = request.app.state.home
    settings: ServiceSettings = request.app.state.settings
    return verifier_for(home, allow_network=settings.allow_network)


VerifierDep = Annotated[Verifier, Depends(get_verifier)]


def get_principal(
    request: Request,
    home: HomeDep,
    now: NowDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller of a valid bearer token; AuthenticationError (401) otherwise."""
    if credentials is None:
        raise AuthenticationError()
    principal = authenticate(home, credentials.credentials, now=now)
    remember_principal(request, principal)
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def _require(*roles: Role) -> Callable[[Principal], Principal]:
    def require_role(principal: PrincipalDep) -> Principal:
        if principal.role not in roles:
            raise PermissionDeniedError(f"this needs a token with the {' or '.join(roles)} role")
        return principal

    return require_role


IssuerDep = Annotated[Principal, Depends(_require("issuer"))]
AdminDep = Annotated[Principal, Depends(_require("registry-admin"))]
ReaderDep = Annotated[Principal, Depends(_require("auditor", "registry-admin"))]
