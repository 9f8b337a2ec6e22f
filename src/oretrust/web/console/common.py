"""What every console page shares: rendering, links in the reader's language, paging, the
refusal pages, and :class:`ConsoleInterrupt` (how a guard answers instead of the route).

Console pages are rendered by :func:`console_page`: the public pages' :func:`~oretrust.web.
rendering.render` plus the session (its role and CSRF token for the forms) and
``Cache-Control: no-store`` — a console page names holders and credentials, so neither the
browser nor a proxy keeps a copy. The security headers (CSP without inline script,
``frame-ancestors 'none'``) come from :mod:`oretrust.web.security`, which covers every HTML
answer of the app.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from oretrust.errors import ConflictError, NotFoundError, OreTrustError
from oretrust.web.i18n import Translator
from oretrust.web.rendering import page_language, render

if TYPE_CHECKING:
    from oretrust.web.console.session import ConsoleSession

__all__ = [
    "PAGE_SIZE",
    "ConsoleInterrupt",
    "Page",
    "console_page",
    "form_text",
    "link_maker",
    "moment",
    "paginate",
    "refusal_status",
    "refused",
]

#: Rows per page of the console's lists.
PAGE_SIZE = 25
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

T = TypeVar("T")


class ConsoleInterrupt(Exception):
    """Raised by a guard to answer ``response`` instead of the route (login, 403)."""

    def __init__(self, response: Response) -> None:
        super().__init__("console interrupt")
        self.response = response


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its rows, its number (from 1), how many pages and rows in all."""

    rows: tuple[T, ...]
    number: int
    pages: int
    total: int


def paginate(items: Sequence[T], page: str | int | None, size: int = PAGE_SIZE) -> Page[T]:
    """Page ``page`` (clamped to 1..last; anything unreadable is 1) of ``items``."""
    pages = max(1, -(-len(items) // size))
    try:
        number = min(max(int(page or 1), 1), pages)
    except ValueError:
        number = 1
    start = (number - 1) * size
    return Page(tuple(items[start : start + size]), number, pages, len(items))


def link_maker(t: Translator) -> Callable[..., str]:
    """``link('/console/issuer', q='x')`` → the path with the query and ``lang`` (empty
    values are left out)."""

    def link(path: str, **params: Any) -> str:
        query = {k: v for k, v in params.items() if v not in (None, "")}
        query["lang"] = t.language
        return f"{path}?{urlencode(query)}"

    return link


def moment(value: datetime | None) -> str:
    """A time as the console shows it (UTC, to the second); empty for None."""
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value is not None else ""


def form_text(form: Any, name: str) -> str:
    """A text field of a submitted form, stripped ('' when absent or a file)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def refusal_status(exc: OreTrustError) -> int:
    """The HTTP status of a page saying the service refused: 404 (not found), 409 (the
    state forbids it) or 400."""
    if isinstance(exc, NotFoundError):
        return 404
    return 409 if isinstance(exc, ConflictError) else 400


def console_page(
    request: Request,
    template: str,
    t: Translator,
    session: ConsoleSession | None,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """``template`` for the signed-in ``session`` (None on the login page), not cached."""
    response = render(
        request,
        template,
        t,
        status_code=status_code,
        session=session,
        csrf=session.csrf if session is not None else "",
        link=link_maker(t),
        **context,
    )
    response.headers.update(_NO_STORE)
    return response


def refused(
    request: Request,
    message_key: str,
    *,
    status_code: int = 403,
    session: ConsoleSession | None = None,
    t: Translator | None = None,
) -> HTMLResponse:
    """The refusal page (403 by default) saying ``message_key``'s text, and nothing else."""
    t = t or page_language(request)
    return console_page(
        request, "console_refused.html", t, session, status_code=status_code,
        message=t(message_key),
    )  # fmt: skip
