"""The wallet page's login: a ``holder`` API token, kept in a cookie scripts cannot read.

The same design as the issuer console's login (the token itself in the cookie, re-checked
on every request by :func:`oretrust.api.tokens.authenticate`, so a revoked or expired token
closes the wallet at the next click; no session table, no second secret): the cookie
``oretrust_wallet`` holds ``<sid>.<token>`` — ``sid`` drawn at each login — and is
``HttpOnly``, ``SameSite=Strict``, ``Path=/wallet`` (the API and other pages never receive
it), ``Secure`` over HTTPS (directly, or through a trusted proxy saying
``X-Forwarded-Proto: https``), and ends with the browser session.

**Least privilege.** Only a token of the ``holder`` role opens a wallet, and only its own
holder's (the DID the token is scoped to); every other role is refused with a 403 page,
and a holder token is refused by every API route (none accepts the role).

**CSRF.** Every POST carries a hidden ``csrf`` field: signed in, HMAC-SHA256 keyed by the
session's token over its ``sid`` (nobody without the cookie can compute it); on the login
form, a double-submit nonce (a random value in an HttpOnly, SameSite=Strict cookie and in
the form). Checked in constant time before anything is read or made.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from fastapi import Request
from fastapi.responses import Response

from oretrust.api.auth import AuthenticationError, Principal
from oretrust.api.tokens import MAX_TOKEN_LENGTH, authenticate
from oretrust.home import Home
from oretrust.web.browser_session import csrf_matches, is_https, new_login_nonce, session_csrf

__all__ = [
    "COOKIE",
    "CSRF_FIELD",
    "LOGIN_COOKIE",
    "WALLET_PATH",
    "WalletSession",
    "close_session",
    "csrf_matches",
    "is_https",
    "new_login_nonce",
    "open_session",
    "read_session",
    "set_cookie",
]

COOKIE: Final = "oretrust_wallet"
LOGIN_COOKIE: Final = "oretrust_wallet_login"
WALLET_PATH: Final = "/wallet"
CSRF_FIELD: Final = "csrf"
_LABEL = b"oretrust-wallet-csrf\x00"


@dataclass(frozen=True)
class WalletSession:
    """A browser signed in with a valid token (of any role: the pages refuse non-holders)."""

    principal: Principal
    csrf: str

    @property
    def holder_did(self) -> str | None:
        """The holder whose wallet this session opens (None: not a holder token)."""
        return self.principal.holder_did if self.principal.role == "holder" else None


def set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    """Set one of the wallet's cookies (HttpOnly, SameSite=Strict, Path=/wallet, Secure over
    HTTPS, ending with the browser session)."""
    response.set_cookie(
        name, value, path=WALLET_PATH, httponly=True, samesite="strict",
        secure=is_https(request),
    )  # fmt: skip


def open_session(request: Request, response: Response, token: str) -> None:
    """Sign ``response``'s browser in with ``token`` (already authenticated)."""
    set_cookie(request, response, COOKIE, f"{secrets.token_urlsafe(16)}.{token}")
    response.delete_cookie(LOGIN_COOKIE, path=WALLET_PATH)


def close_session(response: Response) -> None:
    """Sign the browser out (the cookie is deleted)."""
    response.delete_cookie(COOKIE, path=WALLET_PATH, httponly=True, samesite="strict")


def read_session(request: Request, home: Home, now: datetime) -> WalletSession | None:
    """The session of the request's cookie, or None (no cookie, or a token no longer valid)."""
    sid, _, token = request.cookies.get(COOKIE, "").partition(".")
    if not sid or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        principal = authenticate(home, token, now=now)
    except AuthenticationError:
        return None
    csrf = session_csrf(_LABEL, token, sid)
    return WalletSession(principal, csrf)
