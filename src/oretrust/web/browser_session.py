"""What the console's and the wallet's browser sessions share: whether the browser came over
HTTPS (so cookies get ``Secure``), the login form's double-submit nonce, each session's CSRF
token, and the constant-time comparison of a sent token.

The CSRF token of a session is an HMAC, keyed by the API token the session was opened with,
of a per-login random id under a label naming the page family (console or wallet), so a
token from one never passes in the other and a new login changes it.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from typing import Any

from fastapi import Request

from oretrust.api.settings import ServiceSettings

__all__ = ["csrf_matches", "is_https", "new_login_nonce", "session_csrf"]


def is_https(request: Request) -> bool:
    """Whether the browser reached the page over HTTPS: the request's scheme, or the
    ``X-Forwarded-Proto`` of a trusted proxy (``ORETRUST_TRUSTED_PROXIES``) only."""
    if request.url.scheme == "https":
        return True
    settings: ServiceSettings = request.app.state.settings
    proxies = settings.proxy_networks()
    if not proxies or request.client is None:
        return False
    try:
        peer = ipaddress.ip_address(request.client.host)
    except ValueError:
        return False
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return any(peer in network for network in proxies) and forwarded == "https"


def session_csrf(label: bytes, token: str, sid: str) -> str:
    """The CSRF token of session ``sid`` opened with API token ``token`` (``label``: the page
    family's, e.g. ``b"oretrust-console-csrf\\x00"``)."""
    return hmac.new(token.encode(), label + sid.encode(), hashlib.sha256).hexdigest()


def new_login_nonce() -> str:
    """A fresh random value for the login form's double-submit check."""
    return secrets.token_urlsafe(24)


def csrf_matches(expected: str, sent: Any) -> bool:
    """Whether ``sent`` (a form value) is ``expected``, compared in constant time."""
    if not expected or not isinstance(sent, str):
        return False
    return hmac.compare_digest(expected.encode(), sent.encode("utf-8", "surrogatepass"))
