"""Web pages for people who will never use a CLI: server-rendered, translated, offline.

The shell beside :mod:`oretrust.api`: the same app (``create_app`` calls
:func:`install_web`), the same dependencies (home, clock, settings), the same verification
services — the pages render what the services return and decide nothing themselves.

* :mod:`.pages` — the public verify page (``/``, ``/verify``, ``/verify/report.json``);
* :mod:`.describe` — a report as a readable document (shared with ``oretrust show``);
* :mod:`.issuers` — an issuer's name and accreditation as this home knows them;
* :mod:`.i18n` — translations as data (``locales/<lang>.json``), language negotiation;
* :mod:`.rendering` — Jinja2 templates (``templates/``, all extending ``base.html``);
* :mod:`.qr_image` — QR images of ``OT1:`` texts (:mod:`oretrust.formats.ot1`);
* :mod:`.security` — CSP and the other security headers;
* :mod:`.docs` — ``/docs`` with Swagger UI served from the app, not a CDN.

Static files (``static/``) are served at ``/static/web/``; no page refers to another origin.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from oretrust.web import pages
from oretrust.web.docs import install_docs
from oretrust.web.security import SecurityHeadersMiddleware

__all__ = ["install_web"]


def install_web(app: FastAPI) -> None:
    """Add the pages, their static files, the offline ``/docs`` and the security headers
    to ``app`` (built with ``docs_url=None, redoc_url=None``)."""
    static = Path(str(resources.files("oretrust.web") / "static"))
    app.mount("/static/web", StaticFiles(directory=static), name="web-static")
    install_docs(app)
    app.include_router(pages.router)
    app.add_middleware(SecurityHeadersMiddleware)
