"""Security headers on every answer of the service, and a strict CSP on its pages.

* ``Content-Security-Policy`` on HTML answers: everything from this origin only —
  scripts from files (no inline script, no ``eval``), no plugins, no framing
  (``frame-ancestors 'none'``), forms posting back here only; images may also be
  ``data:`` URIs (the QR code of a credential is drawn as one). Swagger UI sets inline
  *styles*, hence ``style-src 'self' 'unsafe-inline'``; inline *script* is never allowed.
* On every answer: ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``
  (a page URL never leaks to another site), ``X-Frame-Options: DENY`` for old browsers.

An ASGI middleware so that it covers routes, static files and error pages alike.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONTENT_SECURITY_POLICY", "SecurityHeadersMiddleware"]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
_ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
#: :data:`_ALWAYS` as raw ASGI header pairs (names lower-case, as ASGI carries them).
_ALWAYS_RAW = tuple((name.lower().encode(), value.encode()) for name, value in _ALWAYS.items())


class SecurityHeadersMiddleware:
    """Add the headers above to each HTTP answer (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add headers when the answer starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message["headers"] = list(message.get("headers", ()))
                present: dict[bytes, bytes] = {}
                for name, value in headers:  # the first of a repeated header, as ASGI reads it
                    present.setdefault(bytes(name).lower(), bytes(value))
                headers.extend(pair for pair in _ALWAYS_RAW if pair[0] not in present)
                if present.get(b"content-type", b"").startswith(b"text/html"):
                    MutableHeaders(scope=message)["Content-Security-Policy"] = (
                        CONTENT_SECURITY_POLICY
                    )
            await send(message)

        await self.app(scope, receive, send_with_headers)
