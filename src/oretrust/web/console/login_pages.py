"""``/console/login`` (the form and its POST), ``/console/logout`` and ``/console``.

A wrong, expired or revoked token gets the login page again with one message that says
nothing about why (as :class:`~oretrust.api.auth.AuthenticationError` says nothing); a
valid token of a role without a console (``auditor``) gets the 403 page and no session.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from oretrust.api.audit import remember_principal
from oretrust.api.auth import AuthenticationError
from oretrust.api.deps import HomeDep, NowDep
from oretrust.api.tokens import authenticate
from oretrust.web.console.common import console_page, form_text, link_maker, refused
from oretrust.web.console.csrf import csrf_matches, new_login_nonce, require_csrf
from oretrust.web.console.session import (
    HOME_OF_ROLE,
    LOGIN_COOKIE,
    close_session,
    open_session,
    read_session,
    set_console_cookie,
    to_login,
)
from oretrust.web.i18n import Translator
from oretrust.web.rendering import page_language

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/console")
@router.get("/console/")
def console_home(request: Request, home: HomeDep, now: NowDep) -> Response:
    """The signed-in role's page, or the login page."""
    session = read_session(request, home, now)
    if session is None:
        return to_login(request)
    link = link_maker(page_language(request))
    return RedirectResponse(link(session.home_path), status_code=303)


@router.get("/console/login")
def login_form(request: Request, home: HomeDep, now: NowDep) -> Response:
    """The login form (a signed-in browser goes on to its page)."""
    session = read_session(request, home, now)
    t = page_language(request)
    if session is not None and session.principal.role in HOME_OF_ROLE:
        return RedirectResponse(link_maker(t)(session.home_path), status_code=303)
    message = t("console.login.signed_out") if request.query_params.get("bye") else None
    return _login_page(request, t, message=message)


@router.post("/console/login")
async def login(request: Request, home: HomeDep, now: NowDep) -> Response:
    """Check the token; sign in and go to the role's page, or say it was refused."""
    form = await request.form()
    t = page_language(request, form_text(form, "lang"))
    if not csrf_matches(request.cookies.get(LOGIN_COOKIE, ""), form.get("login_nonce")):
        return refused(request, "console.refused.csrf", t=t)
    token = form_text(form, "token")
    try:
        principal = authenticate(home, token, now=now)
    except AuthenticationError:
        return _login_page(request, t, error=t("console.login.wrong"), status_code=401)
    if principal.role not in HOME_OF_ROLE:
        return refused(request, "console.refused.role", t=t)
    remember_principal(request, principal)  # the sign-in is in the API audit log
    response = RedirectResponse(link_maker(t)(HOME_OF_ROLE[principal.role]), status_code=303)
    open_session(request, response, token)
    return response


@router.post("/console/logout")
async def logout(request: Request, home: HomeDep, now: NowDep) -> Response:
    """Sign out (CSRF-checked like every console POST) and show the login page."""
    form = await request.form()
    t = page_language(request, form_text(form, "lang"))
    session = read_session(request, home, now)
    if session is not None:
        require_csrf(request, session.csrf, form)
    response = RedirectResponse(link_maker(t)("/console/login", bye="1"), status_code=303)
    close_session(response)
    return response


#: Pages that are only ever the answer to a POST, and where a GET of them (a language link,
#: a reload after the browser dropped the form) goes instead.
_POST_ONLY = {
    "/console/logout": "/console/login",
    "/console/issuer/status/review": "/console/issuer",
    "/console/issuer/status/apply": "/console/issuer",
    "/console/registry/change/review": "/console/registry",
    "/console/registry/change/apply": "/console/registry",
}


def _redirect_to(target: str) -> Callable[[Request], RedirectResponse]:
    def redirect(request: Request) -> RedirectResponse:
        return RedirectResponse(link_maker(page_language(request))(target), status_code=303)

    return redirect


for _path, _target in _POST_ONLY.items():
    router.add_api_route(_path, _redirect_to(_target), methods=["GET"])


def _login_page(
    request: Request,
    t: Translator,
    *,
    message: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    nonce = new_login_nonce()
    response = console_page(
        request, "console_login.html", t, None, status_code=status_code,
        login_nonce=nonce, message=message, error=error,
    )  # fmt: skip
    set_console_cookie(request, response, LOGIN_COOKIE, nonce)
    return response
