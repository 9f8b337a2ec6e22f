"""CSRF protection of every console POST: a token in a hidden field, compared in constant time.

Signed in, the token is HMAC-SHA256 keyed by the session's API token over the session's
random id (:func:`session_csrf`): it differs for every login, nobody without the session
cookie can compute it, and it needs no storage. The login form has no session yet, so it
uses a double-submit nonce instead: a random value in an HttpOnly, SameSite=Strict cookie
and the same value in the form (:func:`new_login_nonce`), so another site cannot sign a
victim in under the attacker's token.

The SameSite=Strict cookies already keep other sites' forms from carrying the session; the
token is the second, independent lock the issue asks for (it also holds where SameSite is
not enforced). A POST whose token is missing or wrong is refused with the 403 page before
anything is read or changed (:func:`require_csrf`).
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import Request

from oretrust.web import browser_session
from oretrust.web.browser_session import csrf_matches, new_login_nonce
from oretrust.web.console.common import ConsoleInterrupt, refused
from oretrust.web.rendering import page_language

__all__ = ["CSRF_FIELD", "csrf_matches", "new_login_nonce", "require_csrf", "session_csrf"]

#: The hidden field every console form carries.
CSRF_FIELD: Final = "csrf"
_LABEL = b"oretrust-console-csrf\x00"


def session_csrf(token: str, sid: str) -> str:
    """The CSRF token of the session ``sid`` signed in with the API token ``token``."""
    return browser_session.session_csrf(_LABEL, token, sid)


def require_csrf(request: Request, expected: str, form: Any) -> None:
    """Raise :class:`ConsoleInterrupt` with the 403 page unless the form's CSRF field is
    ``expected``."""
    if not csrf_matches(expected, form.get(CSRF_FIELD)):
        lang = form.get("lang")
        t = page_language(request, lang if isinstance(lang, str) else None)
        raise ConsoleInterrupt(refused(request, "console.refused.csrf", t=t))
