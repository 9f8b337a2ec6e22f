"""The issuer's console pages that only read: the issued list, the revocation log, the keys.

* ``GET /console/issuer`` — what the token's issuer issued (:func:`oretrust.issuer.
  list_issued`, the function behind ``GET /credentials``), newest first, searched by id,
  holder or type (``q``), filtered by status (``active`` / ``revoked`` / ``suspended``) and
  type, paged; each row offers the status changes its state allows;
* ``GET /console/issuer/log`` — the revocation log (:func:`oretrust.status.log.list_log`,
  behind ``GET /revocations/log``) narrowed to this issuer's credentials, newest first,
  paged (``credential`` narrows it to one);
* ``GET /console/issuer/key`` — the issuer's keys and how many credentials a compromise of
  the active one would touch (:mod:`.reach`).

Only the token's own issuer is ever shown, as the API does for an issuer token.
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from oretrust.api.deps import HomeDep, NowDep
from oretrust.identities import list_keys
from oretrust.issuer import IssuedSummary, list_issued
from oretrust.status.log import list_log
from oretrust.status.rules import can_suspend
from oretrust.web.console.common import console_page, moment, paginate
from oretrust.web.console.issue_pages import offered_types
from oretrust.web.console.reach import active_key_reach
from oretrust.web.console.session import ConsoleSession, IssuerSession
from oretrust.web.rendering import page_language

__all__ = ["STATUS_FILTERS", "actions_for", "router"]

router = APIRouter(include_in_schema=False)

#: The list's status filter (what the page says) → the records' status.
STATUS_FILTERS: Final = {"active": "valid", "revoked": "revoked", "suspended": "suspended"}


def actions_for(row: IssuedSummary) -> tuple[str, ...]:
    """The status changes a credential's current state allows."""
    if row.status == "valid":
        return ("revoke", "suspend") if can_suspend(row.type) else ("revoke",)
    if row.status == "suspended":
        return ("reinstate", "revoke")
    return ()


def _issuer(session: ConsoleSession) -> str:
    did = session.principal.issuer_did
    assert did is not None  # issuer tokens are bound to an issuer (api.tokens)
    return did


@router.get("/console/issuer", response_class=HTMLResponse)
def issued_list(request: Request, session: IssuerSession, home: HomeDep) -> HTMLResponse:
    """The issued credentials: search, filters, pages."""
    t = page_language(request)
    query = request.query_params
    search = query.get("q", "").strip()[:200]
    status = query.get("status", "")
    type_name = query.get("type", "")
    rows = list_issued(
        home,
        issuer=_issuer(session),
        type_name=type_name or None,
        status=STATUS_FILTERS.get(status),
    )
    if search:
        needle = search.lower()
        rows = [
            row for row in rows
            if needle in row.id.lower() or needle in (row.holder or "").lower()
            or needle in row.type.lower() or needle in t.first(f"type.{row.type}", "").lower()
        ]  # fmt: skip
    page = paginate(rows[::-1], query.get("page"))
    types = sorted({*offered_types(), *(row.type for row in rows)})
    return console_page(
        request, "console_issued.html", t, session,
        page=page, search=search, status=status if status in STATUS_FILTERS else "",
        type_name=type_name, types=[(name, t.first(f"type.{name}", name)) for name in types],
        statuses=tuple(STATUS_FILTERS), actions_for=actions_for, moment=moment,
    )  # fmt: skip


@router.get("/console/issuer/log", response_class=HTMLResponse)
def revocation_log(request: Request, session: IssuerSession, home: HomeDep) -> HTMLResponse:
    """The revocation log of this issuer's credentials, newest first, paged."""
    t = page_language(request)
    credential = request.query_params.get("credential", "").strip()[:128]
    own = {row.id for row in list_issued(home, issuer=_issuer(session))}
    entries = [entry for entry in list_log(home, credential or None) if entry.credential_id in own]
    page = paginate(entries[::-1], request.query_params.get("page"))
    return console_page(
        request, "console_log.html", t, session,
        page=page, credential=credential, moment=moment,
    )  # fmt: skip


@router.get("/console/issuer/key", response_class=HTMLResponse)
def key_page(request: Request, session: IssuerSession, home: HomeDep, now: NowDep) -> HTMLResponse:
    """The issuer's keys, and what a compromise of the active one would invalidate."""
    t = page_language(request)
    did = _issuer(session)
    return console_page(
        request, "console_key.html", t, session,
        keys=list_keys(home, did), reach=active_key_reach(home, did, now=now), moment=moment,
    )  # fmt: skip
