"""The holder's wallet page on its own node: ``/wallet`` (login, the credentials held and the
presentation form), ``/wallet/receive`` (keep a credential: pasted, uploaded, or fetched from
the https URL its issuer published it at — :func:`oretrust.holder.receive_credential`, the
path of ``oretrust wallet receive``, which verifies it first), ``/wallet/present`` (make a
presentation), ``/wallet/download`` (the presentation file), ``/wallet/login`` and
``/wallet/logout``.

A presentation is made by :func:`oretrust.holder.build_presentation` — the path of
``oretrust wallet present`` — for the nonce and audience the holder typed, either from the
credentials and claims ticked on the page or, when the holder pasted the verifier's request
(its policy, as ``wallet present --policy`` reads it: YAML or JSON, or a shipped policy's
name), from :func:`oretrust.holder.request_for_policy`. A pasted policy is parsed, never
opened as a path. The result shows the presentation file, a download and its ``OT1:`` QR
code. Bad input answers the wallet page saying what is wrong (400), a wrong or missing CSRF
token a 403 page; pages are ``Cache-Control: no-store`` (they name credentials).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from oretrust.api.deps import HomeDep, NowDep, SettingsDep
from oretrust.api.tokens import MAX_TOKEN_LENGTH, authenticate
from oretrust.codes import Code
from oretrust.errors import InputError, OreTrustError
from oretrust.formats.jws import MAX_TOKEN_BYTES
from oretrust.holder import (
    Presentation,
    PresentationRequest,
    WalletCredential,
    build_presentation,
    fetch_credential,
    is_url,
    receive_credential,
    request_for_policy,
    wallet_of,
)
from oretrust.home import Home
from oretrust.identities import HolderPublic, find_holder
from oretrust.policy import Policy, load_policy, parse_policy, shipped_policies
from oretrust.web.i18n import Translator
from oretrust.web.qr_image import qr_svg
from oretrust.web.rendering import page_language, render
from oretrust.web.wallet.session import (
    CSRF_FIELD,
    LOGIN_COOKIE,
    WalletSession,
    close_session,
    csrf_matches,
    new_login_nonce,
    open_session,
    read_session,
    set_cookie,
)
from oretrust.web.wallet.view import WalletRow, wallet_rows

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _page(request: Request, template: str, t: Translator, status: int = 200, **context: Any
          ) -> HTMLResponse:  # fmt: skip
    response = render(request, template, t, status_code=status, **context)
    response.headers.update(_NO_STORE)
    return response


def _login_page(request: Request, t: Translator, status: int, message: str | None = None
                ) -> HTMLResponse:  # fmt: skip
    """The login form (401 when a page needed a session), with a fresh double-submit nonce."""
    nonce = new_login_nonce()
    response = _page(request, "wallet_login.html", t, status, nonce=nonce, message=message)
    set_cookie(request, response, LOGIN_COOKIE, nonce)
    return response


def _refused(request: Request, t: Translator, key: str) -> HTMLResponse:
    return _page(request, "error.html", t, 403, message=t(key), code=Code.FORBIDDEN,
                 detail="", max_bytes=0)  # fmt: skip


def _holder_session(request: Request, home: Home, now: datetime, t: Translator
                    ) -> WalletSession | HTMLResponse:  # fmt: skip
    """The signed-in holder's session, or the page to answer instead (login 401, 403)."""
    session = read_session(request, home, now)
    if session is None:
        return _login_page(request, t, 401)
    if session.holder_did is None:
        return _refused(request, t, "wallet.forbidden")
    return session


def _signed_in_post(
    request: Request, home: Home, now: datetime, form: FormData
) -> tuple[Translator, WalletSession] | HTMLResponse:
    """The page language and the holder's session of a posted form, or the page to answer
    instead: the login page (401), or 403 for another role or a wrong CSRF token."""
    t = page_language(request, _field(form, "lang"))
    session = _holder_session(request, home, now, t)
    if isinstance(session, Response):
        return session
    if not csrf_matches(session.csrf, form.get(CSRF_FIELD)):
        return _refused(request, t, "wallet.csrf")
    return t, session


@router.get("/wallet")
async def wallet_page(
    request: Request, home: HomeDep, now: NowDep, settings: SettingsDep
) -> Response:
    """The credentials held and the presentation form (the login form without a session)."""
    t = page_language(request)
    session = _holder_session(request, home, now, t)
    if isinstance(session, Response):
        return session
    return await _wallet(request, home, now, settings.allow_network, t, session)


async def _wallet(
    request: Request, home: Home, now: datetime, allow_network: bool, t: Translator,
    session: WalletSession, *, status: int = 200, message: str | None = None,
    form: dict[str, str] | None = None, notice: str | None = None,
) -> HTMLResponse:  # fmt: skip
    did = str(session.holder_did)

    def rows() -> tuple[HolderPublic, list[WalletRow]]:
        owner = find_holder(home, did)
        return owner, wallet_rows(
            home, wallet_of(home, owner), t, now=now, allow_network=allow_network
        )

    owner, listed = await anyio.to_thread.run_sync(rows)
    return _page(
        request, "wallet.html", t, status, owner=owner, rows=listed, csrf=session.csrf,
        message=message, form=form or {}, policies=shipped_policies(), notice=notice,
    )  # fmt: skip


@router.get("/wallet/{action}")
def wallet_get(request: Request, action: str) -> RedirectResponse:
    """A wallet result is only ever the answer to a post: a GET (a language link on the
    result page, a reload) goes to the wallet page."""
    return RedirectResponse(f"/wallet?lang={page_language(request).language}", status_code=303)


@router.post("/wallet/login")
async def wallet_login(request: Request, home: HomeDep, now: NowDep) -> Response:
    """Sign in with a holder token (the login nonce must match its cookie)."""
    async with request.form() as form:
        t = page_language(request, _field(form, "lang"))
        token = (_field(form, "token") or "")[: MAX_TOKEN_LENGTH + 1]
        nonce_ok = csrf_matches(request.cookies.get(LOGIN_COOKIE, ""), form.get(CSRF_FIELD))
    if not nonce_ok:
        return _refused(request, t, "wallet.csrf")
    try:
        principal = authenticate(home, token, now=now)
    except OreTrustError:
        return _login_page(request, t, 401, t("wallet.refused"))
    if principal.role != "holder":
        return _login_page(request, t, 403, t("wallet.refused"))
    response = RedirectResponse(f"/wallet?lang={t.language}", status_code=303)
    open_session(request, response, token)
    return response


@router.post("/wallet/logout")
async def wallet_logout(request: Request, home: HomeDep, now: NowDep) -> Response:
    """Sign out (CSRF-checked, so another site cannot close the wallet either)."""
    async with request.form() as form:
        t = page_language(request, _field(form, "lang"))
        sent = form.get(CSRF_FIELD)
    session = read_session(request, home, now)
    if session is not None and not csrf_matches(session.csrf, sent):
        return _refused(request, t, "wallet.csrf")
    response = RedirectResponse(f"/wallet?lang={t.language}", status_code=303)
    close_session(response)
    return response


@router.post("/wallet/receive")
async def wallet_receive(
    request: Request, home: HomeDep, now: NowDep, settings: SettingsDep
) -> Response:
    """Keep a credential in the wallet once this node has verified it (its issuer's DID and
    status list resolved here); the page says what was kept, or why not (400)."""
    async with request.form() as form:
        checked = _signed_in_post(request, home, now, form)
        if isinstance(checked, Response):
            return checked
        t, session = checked
        upload = form.get("file")
        text = _field(form, "incoming") or ""
        if not text and isinstance(upload, UploadFile):
            text = (await upload.read(MAX_TOKEN_BYTES + 1)).decode("utf-8", "replace").strip()
    did = str(session.holder_did)
    try:
        if not text or len(text) > MAX_TOKEN_BYTES:
            raise InputError("paste a credential, upload its file or give its https URL",
                             code=Code.INVALID_INPUT)  # fmt: skip
        kept = await anyio.to_thread.run_sync(lambda: _receive(home, did, text, now))
    except OreTrustError as exc:
        message = t("wallet.receive_failed", detail=f"{exc.detail} [{exc.code}]")
        return await _wallet(request, home, now, settings.allow_network, t, session,
                             status=400, message=message)  # fmt: skip
    notice = t("wallet.kept", type=kept.type, id=kept.credential_id)
    return await _wallet(request, home, now, settings.allow_network, t, session, notice=notice)


def _receive(home: Home, did: str, text: str, now: datetime) -> WalletCredential:
    token = fetch_credential(text) if is_url(text) else text
    return receive_credential(home, did, token.strip(), now=now)


@router.post("/wallet/present")
async def wallet_present(
    request: Request, home: HomeDep, now: NowDep, settings: SettingsDep
) -> Response:
    """Make a presentation for the verifier's challenge; show it, its file and QR code."""
    async with request.form() as form:
        checked = _signed_in_post(request, home, now, form)
        if isinstance(checked, Response):
            return checked
        t, session = checked
        fields = {name: _field(form, name) or "" for name in ("nonce", "audience", "request")}
        chosen, disclose = form.getlist("credential"), form.getlist("disclose")
    did = str(session.holder_did)
    try:
        made = await anyio.to_thread.run_sync(
            lambda: _present(home, did, fields, chosen, disclose, now)
        )
    except OreTrustError as exc:
        message = t("wallet.failed", detail=f"{exc.detail} [{exc.code}]")
        return await _wallet(request, home, now, settings.allow_network, t, session,
                             status=400, message=message, form=fields)  # fmt: skip
    file = json.dumps(made.to_dict(), indent=2)
    return _page(request, "wallet_made.html", t, made=made, file=file, qr=_qr(made.presentation),
                 csrf=session.csrf)  # fmt: skip


@router.post("/wallet/download")
async def wallet_download(request: Request, home: HomeDep, now: NowDep) -> Response:
    """The presentation file just made, as a download (the page posts it back)."""
    async with request.form() as form:
        checked = _signed_in_post(request, home, now, form)
        if isinstance(checked, Response):
            return checked
        text = _field(form, "file") or ""
    if len(text.encode("utf-8")) > MAX_TOKEN_BYTES + 4096:
        raise InputError("the presentation file is too large", code=Code.PAYLOAD_TOO_LARGE)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError("not a presentation file", code=Code.INVALID_INPUT) from exc
    if not isinstance(data, dict) or set(data) != {"presentation", "format", "nonce", "audience"}:
        raise InputError("not a presentation file", code=Code.INVALID_INPUT)
    return Response(
        json.dumps(data, indent=2) + "\n",
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="presentation.json"', **_NO_STORE},
    )


def _present(
    home: Home, did: str, fields: dict[str, str], chosen: list[Any], disclose: list[Any],
    now: datetime,
) -> Presentation:  # fmt: skip
    """The presentation the form asks for: from the pasted request, or the ticked boxes."""
    nonce, audience = fields["nonce"], fields["audience"]
    for value in (nonce, audience):
        if len(value) > 1024:
            raise InputError("a nonce or audience has at most 1024 characters",
                             code=Code.INVALID_INPUT)  # fmt: skip
    if fields["request"]:
        policy = _pasted_policy(fields["request"])
        request = request_for_policy(home, did, policy, nonce=nonce, audience=audience)
    else:
        ids = tuple(str(c) for c in chosen if isinstance(c, str))
        disclose_for: dict[str, tuple[tuple[str, ...], ...]] = {}
        for item in disclose:
            credential_id, sep, path = str(item).rpartition("|")
            if sep and credential_id in ids and path:
                paths = disclose_for.get(credential_id, ())
                disclose_for[credential_id] = (*paths, tuple(path.split(".")))
        request = PresentationRequest(nonce, audience, ids, disclose_for=disclose_for)
    return build_presentation(home, did, request, now=now)


def _pasted_policy(text: str) -> Policy:
    """A shipped policy by its name, else the pasted YAML or JSON (never a file path)."""
    if text.strip() in shipped_policies():
        return load_policy(text.strip())
    return parse_policy(text, source="the pasted request")


def _qr(text: str) -> str | None:
    try:
        return qr_svg(text)
    except InputError:
        return None


def _field(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else None
