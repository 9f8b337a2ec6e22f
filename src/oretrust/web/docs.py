"""``/docs`` served offline: Swagger UI from the ``swagger-ui-bundle`` package, not a CDN.

FastAPI's default ``/docs`` page loads Swagger UI's scripts and styles from a public CDN and
starts it with an inline script, so it is blank on an air-gapped network and breaks a CSP
that forbids inline script. Here the assets are the files the ``swagger-ui-bundle`` wheel
ships (Swagger UI, Apache-2.0; its version is in the folder name), mounted at
``/static/swagger/``, and the page starts Swagger UI from ``/static/web/docs.js``. ReDoc
(CDN only) is not offered.
"""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle  # type: ignore[import-untyped]
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from oretrust.web.rendering import page_language, render

__all__ = ["install_docs"]


def install_docs(app: FastAPI) -> None:
    """Mount Swagger UI's files and the ``/docs`` page on ``app`` (created with
    ``docs_url=None, redoc_url=None``)."""
    assets = Path(swagger_ui_bundle.swagger_ui_path)
    app.mount("/static/swagger", StaticFiles(directory=assets), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        return render(request, "docs.html", page_language(request), title=app.title)
