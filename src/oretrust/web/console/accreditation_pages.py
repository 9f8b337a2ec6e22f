"""Suspend, withdraw, reinstate an accreditation — in three steps, like a credential's status:

1. ``GET /console/registry/change?id=…&action=…`` — the accreditation, the reason, and
   when the change takes effect (default now; a withdrawal may be dated in the past, when
   fraud is found later);
2. ``POST /console/registry/change/review`` — the confirmation page: what will happen
   (a withdrawal is permanent; credentials the issuer signs from then on fail the
   "issuer accredited" check, earlier ones still pass); nothing is changed yet;
3. ``POST /console/registry/change/apply`` — :func:`oretrust.registry.suspend` /
   :func:`~oretrust.registry.withdraw` / :func:`~oretrust.registry.reinstate`, called as
   ``POST /registry/accreditations/{id}/<action>`` calls them (effective default now, the
   admin token as actor): one signed registry event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Final

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from oretrust import registry
from oretrust.api.audit import set_audit_target
from oretrust.api.deps import HomeDep, NowDep
from oretrust.errors import OreTrustError
from oretrust.home import Home
from oretrust.web.console.common import console_page, form_text, moment, refusal_status, refused
from oretrust.web.console.csrf import require_csrf
from oretrust.web.console.registry_pages import (
    AccreditationRow,
    accreditation_row,
    issuer_names,
    parse_moment,
)
from oretrust.web.console.session import AdminSession, ConsoleSession
from oretrust.web.console.status_pages import MAX_REASON
from oretrust.web.i18n import Translator
from oretrust.web.rendering import page_language

__all__ = ["CHANGES", "router"]

router = APIRouter(include_in_schema=False)

#: The changes and the registry functions that make them (the API's own).
CHANGES: Final[dict[str, Callable[..., registry.Accreditation]]] = {
    "suspend": registry.suspend,
    "withdraw": registry.withdraw,
    "reinstate": registry.reinstate,
}


@router.get("/console/registry/change", response_class=HTMLResponse)
def change_form(
    request: Request, session: AdminSession, home: HomeDep, now: NowDep
) -> HTMLResponse:
    """Step 1: the accreditation, the reason, the effective time."""
    t = page_language(request)
    query = request.query_params
    found = _target(request, t, session, home, query.get("id", ""), query.get("action", ""), now)
    if isinstance(found, HTMLResponse):
        return found
    return _step(request, t, session, "console_accreditation_change.html", found,
                 query.get("action", ""), reason="", effective="")  # fmt: skip


@router.post("/console/registry/change/review", response_class=HTMLResponse)
async def change_review(
    request: Request, session: AdminSession, home: HomeDep, now: NowDep
) -> HTMLResponse:
    """Step 2: what will happen; confirm or go back. Nothing is changed here."""
    form = await request.form()
    t = page_language(request, form_text(form, "lang"))
    require_csrf(request, session.csrf, form)
    action = form_text(form, "action")
    found = await anyio.to_thread.run_sync(
        lambda: _target(request, t, session, home, form_text(form, "id"), action, now)
    )
    if isinstance(found, HTMLResponse):
        return found
    reason, effective = form_text(form, "reason"), form_text(form, "effective")
    errors = _errors(reason, effective, t)
    template = (
        "console_accreditation_change.html" if errors else "console_accreditation_confirm.html"
    )
    return _step(request, t, session, template, found, action, reason=reason,
                 effective=effective, errors=errors, now=now,
                 status_code=422 if errors else 200)  # fmt: skip


@router.post("/console/registry/change/apply", response_class=HTMLResponse)
async def change_apply(
    request: Request, session: AdminSession, home: HomeDep, now: NowDep
) -> HTMLResponse:
    """Step 3: make the change (one signed registry event) and say what was done."""
    form = await request.form()
    t = page_language(request, form_text(form, "lang"))
    require_csrf(request, session.csrf, form)
    accreditation_id, action = form_text(form, "id"), form_text(form, "action")
    reason, effective = form_text(form, "reason"), form_text(form, "effective")
    if action not in CHANGES or not accreditation_id or _errors(reason, effective, t):
        return refused(request, "console.status.incomplete", status_code=400, session=session, t=t)
    set_audit_target(request, accreditation_id)
    when = parse_moment(effective) if effective else now
    try:
        changed = await anyio.to_thread.run_sync(
            lambda: CHANGES[action](
                home,
                accreditation_id,
                effective=when,
                reason=reason,
                now=now,
                actor=session.principal.actor,
            )
        )
    except OreTrustError as exc:
        status = refusal_status(exc)
        return console_page(
            request, "console_accreditation_done.html", t, session, status_code=status,
            action=action, accreditation=None, status="",
            error=t("console.registry.change_refused"), detail=f"{exc.code}: {exc.detail}",
        )  # fmt: skip
    return console_page(
        request, "console_accreditation_done.html", t, session,
        action=action, accreditation=changed, status=changed.status(now), error=None, detail="",
    )  # fmt: skip


def _target(
    request: Request,
    t: Translator,
    session: ConsoleSession,
    home: Home,
    accreditation_id: str,
    action: str,
    now: datetime,
) -> AccreditationRow | HTMLResponse:
    if action not in CHANGES:
        return refused(request, "console.status.incomplete", status_code=400, session=session, t=t)
    found = next((a for a in registry.list_accreditations(home) if a.id == accreditation_id), None)
    if found is None:
        return refused(request, "console.registry.not_found", status_code=404, session=session, t=t)
    row = accreditation_row(home, found, issuer_names(home), t, now)
    if action not in row.actions:
        return refused(
            request, f"console.registry.not_possible.{action}", status_code=409,
            session=session, t=t,
        )  # fmt: skip
    return row


def _errors(reason: str, effective: str, t: Translator) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = t("console.error.required")
    elif len(reason) > MAX_REASON:
        errors["reason"] = t("console.error.max_length", limit=str(MAX_REASON))
    if effective and parse_moment(effective) is None:
        errors["effective"] = t("console.error.format.date")
    return errors


def _step(
    request: Request,
    t: Translator,
    session: ConsoleSession,
    template: str,
    row: AccreditationRow,
    action: str,
    *,
    reason: str,
    effective: str,
    errors: dict[str, str] | None = None,
    now: datetime | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    when = (parse_moment(effective) if effective else now) if now is not None else None
    return console_page(
        request, template, t, session, status_code=status_code,
        row=row, action=action, reason=reason, effective=effective, errors=errors or {},
        when=moment(when), moment=moment, max_reason=MAX_REASON,
    )  # fmt: skip
