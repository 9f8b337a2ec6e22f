"""The issue form: ``GET /console/issuer/issue`` (pick a type, then its form) and
``POST /console/issuer/issue`` (validate, issue, show the credential).

The subject's fields come from the type's JSON Schema (:mod:`.forms`); beside them the
console asks for the format (``vc+jwt`` or SD-JWT VC ``dc+sd-jwt``), the holder's DID (an
SD-JWT VC is bound to its key; for a vc+jwt it is the subject's ``id``) and an optional end
of validity. A submission is judged by the schema first — every error on its field, the
form kept filled (422) — then issued by the very functions the API and the CLI use:
:func:`oretrust.api.services.issue_as` (``POST /credentials/issue``) for vc+jwt and
:func:`oretrust.issuer.issue_sd_jwt_credential` (``oretrust issue --format dc+sd-jwt``) for
SD-JWT, whose own refusals (the type's checks, accreditation, the holder's key) land on the
field they name too. The credential is then shown once — id, token, a download and a QR
code (:mod:`oretrust.formats.ot1` via :func:`oretrust.web.qr_image.qr_svg`) — and is not
kept: the issuer's records hold only its id and hash.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from oretrust.api.audit import set_audit_target
from oretrust.api.deps import HomeDep, NowDep
from oretrust.api.services import issue_as
from oretrust.codes import Code
from oretrust.credentials import CREDENTIAL_TYPES, EXAMPLES, get_credential_type
from oretrust.errors import InputError, OreTrustError, SchemaValidationError
from oretrust.formats.sd_jwt import SD_JWT_VC_TYP
from oretrust.home import Home
from oretrust.issuer import issue_sd_jwt_credential
from oretrust.web.console.common import console_page, form_text
from oretrust.web.console.csrf import require_csrf
from oretrust.web.console.forms import Path, SubjectForm, Values, error_path
from oretrust.web.console.session import ConsoleSession, IssuerSession
from oretrust.web.i18n import Translator
from oretrust.web.qr_image import qr_png, qr_svg
from oretrust.web.rendering import page_language

__all__ = ["FORMATS", "offered_types", "router"]

router = APIRouter(include_in_schema=False)

VC_JWT: Final = "vc+jwt"
#: The formats the form offers, as ``oretrust issue --format`` names them.
FORMATS: Final = (VC_JWT, SD_JWT_VC_TYP)
_FILE_SUFFIX = {VC_JWT: "jwt", SD_JWT_VC_TYP: "sd-jwt"}


def offered_types() -> tuple[str, ...]:
    """The types an institution issues from the console: every type but the self-issued
    ones (a custody event is signed by the party handing the lot over, in its own home)."""
    return tuple(name for name, known in CREDENTIAL_TYPES.items() if not known.self_issued)


@dataclass
class _Head:
    """The fields beside the subject, and their errors."""

    credential_format: str = VC_JWT
    holder: str = ""
    valid_until: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    general: str | None = None
    detail: str = ""


@router.get("/console/issuer/issue", response_class=HTMLResponse)
def issue_form(request: Request, session: IssuerSession) -> HTMLResponse:
    """The type chooser, or the form of ``?type=`` (``&example=1``: filled with its example)."""
    t = page_language(request)
    type_name = request.query_params.get("type", "")
    if type_name not in offered_types():
        return _chooser(request, t, session)
    form = SubjectForm(get_credential_type(type_name))
    values = form.values_of(EXAMPLES[type_name]) if request.query_params.get("example") else {}
    return _form_page(request, t, session, form, values, {}, _Head())


@router.post("/console/issuer/issue", response_class=HTMLResponse)
async def issue_submit(
    request: Request, session: IssuerSession, home: HomeDep, now: NowDep
) -> HTMLResponse:
    """Check the form; issue and show the credential, or show the form with its errors."""
    submitted = await request.form()
    t = page_language(request, form_text(submitted, "lang"))
    require_csrf(request, session.csrf, submitted)
    type_name = form_text(submitted, "type")
    if type_name not in offered_types():
        return _chooser(request, t, session, status_code=400)
    form = SubjectForm(get_credential_type(type_name))
    data, values, errors = form.read(_multi(submitted), t)
    head = _head(submitted, t)
    added = form_text(submitted, "_add")
    if added:  # "add a row": the same form with one more row, nothing judged yet
        extra = {_path_of(added): 1}
        return _form_page(request, t, session, form, values, {}, head, extra_rows=extra)
    if head.holder and form.holder_is_id and head.credential_format == VC_JWT:
        data["id"] = head.holder
    errors = {**form.check(data, t), **errors}
    _holder_error_to_head(form, errors, head)
    if errors or head.errors:
        return _form_page(request, t, session, form, values, errors, head, status_code=422)
    until = _until(head.valid_until)
    try:
        issued = await anyio.to_thread.run_sync(
            lambda: _issue(home, session, type_name, data, head, until, now)
        )
    except OreTrustError as exc:
        _refusal(exc, form, errors, head, t)
        return _form_page(request, t, session, form, values, errors, head, status_code=422)
    credential_id, token, credential_format = issued
    qr = _qr(token)
    set_audit_target(request, credential_id)
    return console_page(
        request,
        "console_issued_done.html",
        t,
        session,
        credential_id=credential_id,
        credential_format=credential_format,
        type_label=t.first(f"type.{type_name}", type_name),
        token=token,
        download=_data_url("application/octet-stream", token.encode()),
        filename=f"{credential_id.rsplit(':', 1)[-1]}.{_FILE_SUFFIX[credential_format]}",
        qr=qr[0],
        qr_png=qr[1],
    )


def _issue(
    home: Home,
    session: ConsoleSession,
    type_name: str,
    subject: dict[str, Any],
    head: _Head,
    until: datetime | None,
    now: datetime,
) -> tuple[str, str, str]:
    """Issue through the API's and the CLI's own functions; (id, token, format)."""
    principal = session.principal
    if head.credential_format == VC_JWT:
        known = get_credential_type(type_name)
        document: dict[str, Any] = {
            "@context": list(known.contexts),
            "type": list(known.types),
            "credentialSubject": subject,
        }
        if until is not None:
            document["validUntil"] = until.strftime("%Y-%m-%dT%H:%M:%SZ")
        issued = issue_as(home, principal, document, now=now)
        return issued.id, issued.token, issued.format
    assert principal.issuer_did is not None  # an issuer token is always bound to its issuer
    sd = issue_sd_jwt_credential(
        home, issuer=principal.issuer_did, type_name=type_name, subject=subject, now=now,
        holder=head.holder, valid_until=until,
    )  # fmt: skip
    return sd.id, sd.token, sd.format


def _head(submitted: FormData, t: Translator) -> _Head:
    head = _Head(
        credential_format=form_text(submitted, "format") or VC_JWT,
        holder=form_text(submitted, "holder"),
        valid_until=form_text(submitted, "valid_until"),
    )
    if head.credential_format not in FORMATS:
        head.errors["format"] = t("console.error.enum")
        head.credential_format = VC_JWT
    if head.holder and not head.holder.startswith("did:"):
        head.errors["holder"] = t("console.error.pattern")
    elif not head.holder and head.credential_format == SD_JWT_VC_TYP:
        head.errors["holder"] = t("console.issue.holder_required")
    if head.valid_until and _until(head.valid_until) is None:
        head.errors["valid_until"] = t("console.error.format.date")
    return head


def _until(text: str) -> datetime | None:
    """A date field as 00:00 UTC of that day (None when empty or not a date)."""
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC) if text else None
    except ValueError:
        return None


def _holder_error_to_head(form: SubjectForm, errors: dict[Path, str], head: _Head) -> None:
    """The subject's ``id`` is the holder field when the form does not draw it."""
    if form.holder_is_id and ("id",) in errors:
        head.errors.setdefault("holder", errors.pop(("id",)))


def _refusal(
    exc: OreTrustError, form: SubjectForm, errors: dict[Path, str], head: _Head, t: Translator
) -> None:
    """Put the service's refusal on the field it is about, or above the form."""
    reason = exc.detail.split(": ", 1)[-1]
    if isinstance(exc, SchemaValidationError):
        path = error_path(exc.field)
        if path:
            errors[path] = t("console.error.rejected", reason=reason)
            _holder_error_to_head(form, errors, head)
            return
    if isinstance(exc, InputError):
        fields: dict[str, str] = {
            Code.HOLDER_KEY_REQUIRED: "holder",
            Code.INVALID_VALIDITY_PERIOD: "valid_until",
            Code.UNSUPPORTED_FORMAT: "format",
        }
        where = fields.get(exc.code)
        if where is not None:
            head.errors[where] = t("console.error.rejected", reason=reason)
            return
    head.general = t.first(f"console.issue.refused.{exc.code}", "console.issue.refused")
    head.detail = f"{exc.code}: {exc.detail}"


def _multi(submitted: FormData) -> dict[str, list[str]]:
    return {
        key: [value for value in submitted.getlist(key) if isinstance(value, str)]
        for key in submitted
        if key.startswith("s.")
    }


def _path_of(name: str) -> Path:
    parts = name.split(".")[1:]
    return tuple(int(part) if part.isdigit() else part for part in parts)


def _data_url(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


def _qr(token: str) -> tuple[str | None, str | None]:
    """The QR code (an SVG to show, a PNG to download), or Nones when the credential does
    not fit one QR code."""
    try:
        return qr_svg(token), _data_url("image/png", qr_png(token, scale=8))
    except InputError:
        return None, None


def _chooser(
    request: Request, t: Translator, session: ConsoleSession, *, status_code: int = 200
) -> HTMLResponse:
    types = [(name, t.first(f"type.{name}", name)) for name in offered_types()]
    return console_page(
        request, "console_issue.html", t, session, status_code=status_code,
        types=types, chosen=None, form=None, head=_Head(), type_label="",
    )  # fmt: skip


def _form_page(
    request: Request,
    t: Translator,
    session: ConsoleSession,
    form: SubjectForm,
    values: Values,
    errors: dict[Path, str],
    head: _Head,
    *,
    status_code: int = 200,
    extra_rows: dict[Path, int] | None = None,
) -> HTMLResponse:
    rendered = form.render(values, errors, t, extra_rows)
    types = [(name, t.first(f"type.{name}", name)) for name in offered_types()]
    return console_page(
        request, "console_issue.html", t, session, status_code=status_code,
        types=types, chosen=form.type_name, form=rendered, head=head, formats=FORMATS,
        type_label=t.first(f"type.{form.type_name}", form.type_name),
        holder_is_id=form.holder_is_id,
    )  # fmt: skip
