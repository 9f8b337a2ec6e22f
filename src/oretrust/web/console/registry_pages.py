"""The registry-admin view: ``/console/registry`` (the accreditations, each with its
history) and ``/console/registry/accredit`` (the form and its POST).

Everything is :mod:`oretrust.registry`'s, as ``POST /registry/accreditations`` and
``GET /registry/history`` use it: :func:`~oretrust.registry.list_accreditations`,
:func:`~oretrust.registry.history` (the signed events about each accreditation),
:func:`~oretrust.registry.accredit` with the admin token as actor. The registry accredits
one type per accreditation, so the form's types are accredited one by one; a type the
issuer already holds is refused (``ALREADY_ACCREDITED``) and the others still go through,
and the result page says which is which. The issuer's name shown beside a DID is the one
this home registered for it (``oretrust issuer add --display-name``); the registry itself
records DIDs only. Suspend, withdraw and reinstate are :mod:`.accreditation_pages`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from oretrust import registry
from oretrust.api.audit import set_audit_target
from oretrust.api.deps import HomeDep, NowDep
from oretrust.codes import Code
from oretrust.errors import ConflictError, InputError, NotFoundError, OreTrustError
from oretrust.home import Home
from oretrust.identities import list_issuers
from oretrust.web.console.common import console_page, form_text, moment, paginate
from oretrust.web.console.csrf import require_csrf
from oretrust.web.console.issue_pages import offered_types
from oretrust.web.console.session import AdminSession, ConsoleSession
from oretrust.web.i18n import Translator
from oretrust.web.rendering import page_language

__all__ = ["AccreditationRow", "accreditation_row", "actions_of", "parse_moment", "router"]

router = APIRouter(include_in_schema=False)

_FIELD_OF_CODE: Final[dict[str, str]] = {
    Code.INVALID_DID: "entity",
    Code.INVALID_JURISDICTION: "jurisdiction",
    Code.INVALID_VALIDITY_PERIOD: "valid_until",
    Code.UNKNOWN_CREDENTIAL_TYPE: "types",
}


@dataclass(frozen=True)
class AccreditationRow:
    """An accreditation as the page shows it, with its events."""

    accreditation: registry.Accreditation
    name: str
    type_label: str
    status: str
    actions: tuple[str, ...]
    events: tuple[registry.RegistryEvent, ...]


def actions_of(status: str) -> tuple[str, ...]:
    """The changes an accreditation's status allows."""
    return {
        "active": ("suspend", "withdraw"),
        "pending": ("suspend", "withdraw"),
        "suspended": ("reinstate", "withdraw"),
    }.get(status, ())


def accreditation_row(
    home: Home, accreditation: registry.Accreditation, names: dict[str, str], t: Translator,
    now: datetime,
) -> AccreditationRow:  # fmt: skip
    """The row of ``accreditation`` (its history read now)."""
    _, _, type_name = accreditation.action.partition(":")
    status = accreditation.status(now)
    return AccreditationRow(
        accreditation,
        names.get(accreditation.entity_id, ""),
        t.first(f"type.{type_name}", accreditation.action),
        status,
        actions_of(status),
        tuple(registry.history(home, subject=accreditation.id)),
    )


def issuer_names(home: Home) -> dict[str, str]:
    """The names this home registered, by DID."""
    return {issuer.did: issuer.display_name for issuer in list_issuers(home)}


def parse_moment(text: str) -> datetime | None:
    """A date (``YYYY-MM-DD``: 00:00 UTC) or date and time (``…THH:MM[:SS]``, UTC) field;
    None when it is neither."""
    for layout in ("%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, layout).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


@router.get("/console/registry", response_class=HTMLResponse)
def accreditations(
    request: Request, session: AdminSession, home: HomeDep, now: NowDep
) -> HTMLResponse:
    """Every accreditation (searched by ``q``), paged, each with its history."""
    t = page_language(request)
    search = request.query_params.get("q", "").strip()[:200]
    names = issuer_names(home)
    every = registry.list_accreditations(home)
    if search:
        needle = search.lower()
        every = [
            a for a in every
            if needle in a.entity_id.lower() or needle in names.get(a.entity_id, "").lower()
            or needle in a.action.lower() or needle == a.resource.lower()
        ]  # fmt: skip
    page = paginate(every, request.query_params.get("page"))
    rows = tuple(accreditation_row(home, a, names, t, now) for a in page.rows)
    return console_page(
        request, "console_registry.html", t, session,
        page=page, rows=rows, search=search, moment=moment, has_registry=_has_registry(home),
    )  # fmt: skip


@router.get("/console/registry/accredit", response_class=HTMLResponse)
def accredit_form(request: Request, session: AdminSession, home: HomeDep) -> HTMLResponse:
    """The accreditation form."""
    t = page_language(request)
    return _form(request, t, session, home, {}, {})


@router.post("/console/registry/accredit", response_class=HTMLResponse)
async def accredit_submit(
    request: Request, session: AdminSession, home: HomeDep, now: NowDep
) -> HTMLResponse:
    """Accredit the issuer for each type chosen; the form again for what cannot be done."""
    form = await request.form()
    t = page_language(request, form_text(form, "lang"))
    require_csrf(request, session.csrf, form)
    values: dict[str, Any] = {
        name: form_text(form, name)
        for name in ("entity", "jurisdiction", "valid_from", "valid_until", "reason")
    }
    values["types"] = [v for v in form.getlist("types") if isinstance(v, str)]
    errors = _check(values, t)
    if errors:
        return _form(request, t, session, home, values, errors, status_code=422)
    outcomes: list[tuple[str, str, str | None]] = []  # (type label, id or "", refusal)
    valid_from = parse_moment(values["valid_from"]) if values["valid_from"] else None
    valid_until = parse_moment(values["valid_until"]) if values["valid_until"] else None
    for type_name in values["types"]:
        label = t.first(f"type.{type_name}", type_name)
        accredit = functools.partial(
            registry.accredit, home, values["entity"], type_name, values["jurisdiction"],
            now=now, valid_from=valid_from, valid_until=valid_until, reason=values["reason"],
            actor=session.principal.actor,
        )  # fmt: skip
        try:
            made = await anyio.to_thread.run_sync(accredit)
        except ConflictError as exc:
            refusal = t.first(f"console.accredit.refused.{exc.code}", "console.accredit.refused")
            outcomes.append((label, "", f"{refusal} ({exc.detail})"))
            continue
        except (InputError, NotFoundError) as exc:
            if outcomes:  # an earlier type went through: report, do not hide it
                outcomes.append((label, "", f"{exc.code}: {exc.detail}"))
                continue
            where = _FIELD_OF_CODE.get(exc.code, "general")
            errors[where] = t("console.error.rejected", reason=exc.detail)
            return _form(request, t, session, home, values, errors, status_code=422)
        except OreTrustError as exc:
            outcomes.append((label, "", f"{exc.code}: {exc.detail}"))
            continue
        set_audit_target(request, made.id)
        outcomes.append((label, made.id, None))
    if all(refusal is not None for _, _, refusal in outcomes):
        errors["types"] = "; ".join(f"{label}: {refusal}" for label, _, refusal in outcomes)
        return _form(request, t, session, home, values, errors, status_code=409)
    return console_page(
        request, "console_accredited.html", t, session,
        entity=values["entity"], jurisdiction=values["jurisdiction"], outcomes=outcomes,
    )  # fmt: skip


def _check(values: dict[str, Any], t: Translator) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name in ("entity", "jurisdiction"):
        if not values[name]:
            errors[name] = t("console.error.required")
    if values["entity"] and not values["entity"].startswith("did:"):
        errors["entity"] = t("console.error.pattern")
    if not values["types"]:
        errors["types"] = t("console.error.min_items", limit="1")
    elif any(name not in offered_types() for name in values["types"]):
        errors["types"] = t("console.error.enum")
    for name in ("valid_from", "valid_until"):
        if values[name] and parse_moment(values[name]) is None:
            errors[name] = t("console.error.format.date")
    return errors


def _has_registry(home: Home) -> bool:
    try:
        registry.registry_info(home)
    except NotFoundError:
        return False
    return True


def _form(
    request: Request,
    t: Translator,
    session: ConsoleSession,
    home: Home,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    status_code: int = 200,
) -> HTMLResponse:
    known = [(i.did, i.display_name) for i in list_issuers(home) if i.role != "registry"]
    types = [(name, t.first(f"type.{name}", name)) for name in offered_types()]
    return console_page(
        request, "console_accredit.html", t, session, status_code=status_code,
        values=values, errors=errors, known=known, types=types,
        has_registry=_has_registry(home),
    )  # fmt: skip
