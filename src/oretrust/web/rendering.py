"""Pages from Jinja2 templates, in the reader's language — the reusable base of every page.

:func:`render` answers a template from ``web/templates/`` with the context every page needs:
``t`` (the :class:`~oretrust.web.i18n.Translator` of the chosen language), ``lang``, the shipped
``languages`` with their names, and ``path`` (for the language links). Templates extend
``base.html`` (skip link, header, language switch, ``<main>``); autoescaping is on for every
template, so nothing a credential says can become markup. Scripts and styles are files under
``/static/web/`` — the CSP (:mod:`oretrust.web.security`) forbids inline script.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from oretrust.web.i18n import Translator, catalogue, choose_language, languages

__all__ = ["page_language", "render"]


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("oretrust.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def page_language(request: Request, form_lang: str | None = None) -> Translator:
    """The reader's language: a form's ``lang`` field, ``?lang=``, ``Accept-Language``."""
    requested = form_lang or request.query_params.get("lang")
    return Translator(choose_language(requested, request.headers.get("accept-language")))


def render(
    request: Request, template: str, t: Translator, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """``template`` rendered for ``request`` in ``t``'s language."""
    names = {code: catalogue(code).get("lang.name", code) for code in languages()}
    html = (
        _environment()
        .get_template(template)
        .render(t=t, lang=t.language, languages=names, path=request.url.path, **context)
    )
    return HTMLResponse(html, status_code=status_code, headers={"Content-Language": t.language})
