"""``/docs`` served offline: Swagger UI from the ``swagger-ui-py`` package, not a CDN.

FastAPI's default ``/docs`` page loads Swagger UI's scripts and styles from a public CDN and
starts it with an inline script, so it is blank on an air-gapped network and breaks a CSP
that forbids inline script. Here the assets are the files the ``swagger-ui-py`` wheel ships
in ``swagger_ui/static`` (Swagger UI 5, Apache-2.0, its LICENSE beside them; 5.x reads the
OpenAPI 3.1 document FastAPI writes, which the 4.x of ``swagger-ui-bundle`` cannot), mounted
at ``/static/swagger/``; the page starts Swagger UI from ``/static/web/docs.js``. ReDoc (CDN
only) is not offered.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from oretrust.web.rendering import page_language, render

__all__ = ["install_docs"]


def install_docs(app: FastAPI) -> None:
    """Mount Swagger UI's files and the ``/docs`` page on ``app`` (created with
    ``docs_url=None, redoc_url=None``)."""
    assets = Path(str(resources.files("swagger_ui") / "static"))
    app.mount("/static/swagger", StaticFiles(directory=assets), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        return render(request, "docs.html", page_language(request), title=app.title)
