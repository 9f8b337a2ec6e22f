"""The console's login: an API token, kept in a cookie the page's scripts cannot read.

**Design.** The session cookie ``oretrust_console`` holds ``<sid>.<token>``: ``sid`` a random
value drawn at each login, ``token`` the API token typed on the login page. It is
``HttpOnly`` (no script — not even an injected one — can read it), ``SameSite=Strict`` (no
other site's page makes the browser send it), ``Secure`` whenever the page was served over
HTTPS (directly, or through a trusted proxy saying ``X-Forwarded-Proto: https``),
``Path=/console`` (the API and the public pages never receive it) and has no ``Max-Age``
(it ends with the browser session; logout deletes it at once).

Why the token itself and not a signed session id: every console request re-checks the
token with :func:`oretrust.api.tokens.authenticate`, the API's own bearer check, so a token
revoked (``oretrust token revoke``) or expired ends its console sessions at the next click,
in every worker. There is no second secret — a session-signing key to generate, store,
share between workers and rotate — and no session table; the token never appears in a
page, a URL or a log, and the database still holds only its hash. The CSRF token is
derived from it (:func:`oretrust.web.console.csrf.session_csrf`).

Roles: an ``issuer`` token opens its issuer's console (``/console/issuer``), a
``registry-admin`` token the registry view (``/console/registry``); any other role, or the
other console, is refused with the 403 page. Without a valid session a page redirects to
the login page. Known trade-off of SameSite=Strict: following a link to a console page from
another site shows the login page (the cookie is not sent on that first navigation).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Final

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from oretrust.api.audit import remember_principal
from oretrust.api.auth import AuthenticationError, Principal, Role
from oretrust.api.deps import HomeDep, NowDep
from oretrust.api.tokens import MAX_TOKEN_LENGTH, authenticate
from oretrust.errors import NotFoundError
from oretrust.home import Home
from oretrust.identities import find_issuer
from oretrust.registry import registry_info
from oretrust.web.browser_session import is_https
from oretrust.web.console.common import ConsoleInterrupt, link_maker, refused
from oretrust.web.console.csrf import session_csrf
from oretrust.web.rendering import page_language

__all__ = [
    "CONSOLE_PATH",
    "COOKIE",
    "HOME_OF_ROLE",
    "LOGIN_COOKIE",
    "AdminSession",
    "ConsoleSession",
    "IssuerSession",
    "close_session",
    "is_https",
    "open_session",
    "read_session",
    "set_console_cookie",
    "to_login",
]

COOKIE: Final = "oretrust_console"
LOGIN_COOKIE: Final = "oretrust_console_login"
CONSOLE_PATH: Final = "/console"
#: The page each role lands on; a role not listed has no console.
HOME_OF_ROLE: Final[dict[str, str]] = {
    "issuer": "/console/issuer",
    "registry-admin": "/console/registry",
}


@dataclass(frozen=True)
class ConsoleSession:
    """A signed-in console user: the token's principal and the session's CSRF token."""

    principal: Principal
    csrf: str
    #: Whom the console speaks for: the issuer's registered name, or the registry's.
    name: str = ""

    @property
    def home_path(self) -> str:
        """The page this role lands on."""
        return HOME_OF_ROLE.get(self.principal.role, "/console/login")


def set_console_cookie(request: Request, response: Response, name: str, value: str) -> None:
    """Set one of the console's cookies (HttpOnly, SameSite=Strict, Path=/console, Secure
    over HTTPS, ending with the browser session)."""
    response.set_cookie(
        name, value, path=CONSOLE_PATH, httponly=True, samesite="strict",
        secure=is_https(request),
    )  # fmt: skip


def open_session(request: Request, response: Response, token: str) -> None:
    """Sign ``response``'s browser in with ``token`` (already authenticated)."""
    set_console_cookie(request, response, COOKIE, f"{secrets.token_urlsafe(16)}.{token}")
    response.delete_cookie(LOGIN_COOKIE, path=CONSOLE_PATH, httponly=True, samesite="strict")


def close_session(response: Response) -> None:
    """Sign the browser out (the cookie is deleted)."""
    response.delete_cookie(COOKIE, path=CONSOLE_PATH, httponly=True, samesite="strict")


def read_session(request: Request, home: Home, now: datetime) -> ConsoleSession | None:
    """The session of the request's cookie, or None (no cookie, or a token no longer valid)."""
    value = request.cookies.get(COOKIE, "")
    sid, _, token = value.partition(".")
    if not sid or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        principal = authenticate(home, token, now=now)
    except AuthenticationError:
        return None
    return ConsoleSession(principal, session_csrf(token, sid), _name(home, principal))


def _name(home: Home, principal: Principal) -> str:
    try:
        if principal.issuer_did is not None:
            return find_issuer(home, principal.issuer_did).display_name
        if principal.role == "registry-admin":
            return registry_info(home).display_name
    except NotFoundError:
        pass
    return ""


def to_login(request: Request) -> RedirectResponse:
    """A redirect (303) to the login page, in the reader's language."""
    link = link_maker(page_language(request))
    return RedirectResponse(link("/console/login"), status_code=303)


def _guard(role: Role) -> Callable[[Request, Home, datetime], ConsoleSession]:
    def require_session(request: Request, home: HomeDep, now: NowDep) -> ConsoleSession:
        session = read_session(request, home, now)
        if session is None:
            raise ConsoleInterrupt(to_login(request))
        if session.principal.role != role:
            raise ConsoleInterrupt(refused(request, "console.refused.role", session=session))
        remember_principal(request, session.principal)  # console POSTs are audited too
        return session

    return require_session


IssuerSession = Annotated[ConsoleSession, Depends(_guard("issuer"))]
AdminSession = Annotated[ConsoleSession, Depends(_guard("registry-admin"))]
