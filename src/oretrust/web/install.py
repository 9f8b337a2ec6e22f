"""Registers the web part on the service's app: :func:`install_web` (``create_app`` calls it).

A module of its own, so that importing :mod:`oretrust.web` (the CLI's ``show`` does) never
imports the HTTP service.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from oretrust.web import pages
from oretrust.web.console import install_console
from oretrust.web.docs import install_docs
from oretrust.web.security import SecurityHeadersMiddleware
from oretrust.web.wallet import pages as wallet_pages

__all__ = ["install_web"]


def install_web(app: FastAPI) -> None:
    """Add the pages (the verify page, the holder's wallet page), their static files, the
    offline ``/docs`` and the security headers to ``app`` (built with ``docs_url=None,
    redoc_url=None``)."""
    static = Path(str(resources.files("oretrust.web") / "static"))
    app.mount("/static/web", StaticFiles(directory=static), name="web-static")
    install_docs(app)
    app.include_router(pages.router)
    app.include_router(wallet_pages.router)
    install_console(app)  # the issuer console and the registry-admin view
    app.add_middleware(SecurityHeadersMiddleware)
