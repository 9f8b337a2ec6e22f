"""Revoke, suspend, reinstate — each in three steps, so nothing changes by a slip of a click:

1. ``GET /console/issuer/status?id=…&action=…`` — the credential, what the action does, and
   the reason to give (the revocation log keeps it);
2. ``POST /console/issuer/status/review`` — the confirmation page: what will happen (a
   revocation is permanent), the reason, and how many credentials a compromise of the
   issuer's active key would invalidate (:mod:`.reach`) — the other way a credential stops
   being valid, for the issuer to weigh; nothing is changed yet;
3. ``POST /console/issuer/status/apply`` — the change, made by
   :func:`oretrust.api.services.change_own_status` (the function behind
   ``POST /credentials/status``: the token's own credentials only, another issuer's
   answered like an unknown one), logged with the token as actor.

Both POSTs carry the session's CSRF token. The steps are checked again at each one: a
credential revoked meanwhile is refused at step 3 by the service itself.
"""

from __future__ import annotations

from typing import Final, cast

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from oretrust.api.audit import set_audit_target
from oretrust.api.deps import HomeDep, NowDep
from oretrust.api.services import change_own_status
from oretrust.errors import OreTrustError
from oretrust.home import Home
from oretrust.issuer import IssuedSummary, list_issued
from oretrust.status.operations import Action
from oretrust.web.console.common import console_page, form_text, moment, refusal_status, refused
from oretrust.web.console.csrf import require_csrf
from oretrust.web.console.issuer_pages import actions_for
from oretrust.web.console.reach import active_key_reach
from oretrust.web.console.session import ConsoleSession, IssuerSession
from oretrust.web.i18n import Translator
from oretrust.web.rendering import page_language

__all__ = ["ACTIONS", "MAX_REASON", "router"]

router = APIRouter(include_in_schema=False)

ACTIONS: Final = ("revoke", "suspend", "reinstate")
#: The longest reason the API accepts (``StatusChangeRequest.reason``).
MAX_REASON: Final = 1000


@router.get("/console/issuer/status", response_class=HTMLResponse)
def status_form(request: Request, session: IssuerSession, home: HomeDep) -> HTMLResponse:
    """Step 1: the credential, the action, the reason."""
    t = page_language(request)
    query = request.query_params
    found = _target(request, t, session, home, query.get("id", ""), query.get("action", ""))
    if isinstance(found, HTMLResponse):
        return found
    row, action = found
    return _step(request, t, session, "console_status.html", row, action, reason="")


@router.post("/console/issuer/status/review", response_class=HTMLResponse)
async def status_review(
    request: Request, session: IssuerSession, home: HomeDep, now: NowDep
) -> HTMLResponse:
    """Step 2: what will happen; confirm or go back. Nothing is changed here."""
    form = await request.form()
    t = page_language(request, form_text(form, "lang"))
    require_csrf(request, session.csrf, form)
    found = await anyio.to_thread.run_sync(
        lambda: _target(request, t, session, home, form_text(form, "id"), form_text(form, "action"))
    )
    if isinstance(found, HTMLResponse):
        return found
    row, action = found
    reason = form_text(form, "reason")
    error = _reason_error(reason, t)
    if error is not None:
        return _step(request, t, session, "console_status.html", row, action, reason=reason,
                     error=error, status_code=422)  # fmt: skip
    did = session.principal.issuer_did or ""
    reach = await anyio.to_thread.run_sync(lambda: active_key_reach(home, did, now=now))
    return _step(request, t, session, "console_status_confirm.html", row, action,
                 reason=reason, reach=reach)  # fmt: skip


@router.post("/console/issuer/status/apply", response_class=HTMLResponse)
async def status_apply(
    request: Request, session: IssuerSession, home: HomeDep, now: NowDep
) -> HTMLResponse:
    """Step 3: make the change (the API's own service call) and say what was done."""
    form = await request.form()
    t = page_language(request, form_text(form, "lang"))
    require_csrf(request, session.csrf, form)
    credential_id, action, reason = (
        form_text(form, "id"),
        form_text(form, "action"),
        form_text(form, "reason"),
    )
    if action not in ACTIONS or not credential_id or _reason_error(reason, t) is not None:
        return refused(request, "console.status.incomplete", status_code=400, session=session, t=t)
    set_audit_target(request, credential_id)
    try:
        change = await anyio.to_thread.run_sync(
            lambda: change_own_status(
                home,
                session.principal,
                credential_id,
                cast(Action, action),
                reason=reason,
                now=now,
            )
        )
    except OreTrustError as exc:
        status = refusal_status(exc)
        return console_page(
            request, "console_status_done.html", t, session, status_code=status,
            change=None, action=action, credential_id=credential_id,
            error=t.first(f"console.status.refused.{exc.code}", "console.status.refused"),
            detail=f"{exc.code}: {exc.detail}",
        )  # fmt: skip
    return console_page(
        request, "console_status_done.html", t, session,
        change=change, action=action, credential_id=credential_id, error=None, detail="",
    )  # fmt: skip


def _target(
    request: Request,
    t: Translator,
    session: ConsoleSession,
    home: Home,
    credential_id: str,
    action: str,
) -> tuple[IssuedSummary, str] | HTMLResponse:
    """The issuer's credential and an action its state allows, or the page saying why not."""
    if action not in ACTIONS:
        return refused(request, "console.status.incomplete", status_code=400, session=session, t=t)
    did = session.principal.issuer_did or ""
    row = next((r for r in list_issued(home, issuer=did) if r.id == credential_id), None)
    if row is None:
        return refused(request, "console.status.not_found", status_code=404, session=session, t=t)
    if action not in actions_for(row):
        return refused(
            request, f"console.status.not_possible.{action}", status_code=409, session=session,
            t=t,
        )  # fmt: skip
    return row, action


def _reason_error(reason: str, t: Translator) -> str | None:
    if not reason:
        return t("console.error.required")
    if len(reason) > MAX_REASON:
        return t("console.error.max_length", limit=str(MAX_REASON))
    return None


def _step(
    request: Request,
    t: Translator,
    session: ConsoleSession,
    template: str,
    row: IssuedSummary,
    action: str,
    *,
    reason: str,
    error: str | None = None,
    reach: object = None,
    status_code: int = 200,
) -> HTMLResponse:
    return console_page(
        request, template, t, session, status_code=status_code,
        row=row, action=action, reason=reason, error=error, reach=reach, moment=moment,
        max_reason=MAX_REASON,
    )  # fmt: skip
