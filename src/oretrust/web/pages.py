"""The public verify page: ``GET /`` (the form), ``POST /verify`` (the result page) and
``POST /verify/report.json`` (the same report as a JSON download).

The page does no checking of its own: what the user pasted, uploaded or showed as a QR image
becomes one text (an ``OT1:`` text or QR image is decoded first, :mod:`oretrust.web.qr_image`)
and goes to :func:`oretrust.verifier.verify_token` — the very path of ``oretrust verify`` —
with the home's trust sources. A presentation is checked against the nonce and audience the
user typed (the challenge they gave the holder); without them the user must tick "check
without replay protection", which runs ``replay_check=False`` and puts the warning on the
result, exactly as ``oretrust verify --no-replay-check`` does. The result is
:func:`oretrust.web.describe.describe_report` rendered by ``result.html``.

Limits are the API's: the body limit of the service (413), tokens of at most
:data:`~oretrust.formats.jws.MAX_TOKEN_BYTES`, a challenge of at most 1024 characters. Bad
input answers an HTML page saying what to do (400) on the form route, and problem+json with
its stable code on the JSON route. Nothing submitted is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from oretrust.api.deps import HomeDep, NowDep, SettingsDep
from oretrust.codes import Code
from oretrust.errors import InputError, OreTrustError
from oretrust.formats.jws import MAX_TOKEN_BYTES
from oretrust.formats.ot1 import decode_ot1, is_ot1
from oretrust.home import Home
from oretrust.report import VerificationReport
from oretrust.verifier import verify_token
from oretrust.web.chain_view import chain_view
from oretrust.web.describe import describe_report
from oretrust.web.i18n import Translator
from oretrust.web.issuers import issuer_lookup, party_names
from oretrust.web.printing import print_certificates
from oretrust.web.qr_image import qr_svg, read_qr
from oretrust.web.rendering import page_language, render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

MAX_CHALLENGE = 1024


@dataclass(frozen=True)
class Submission:
    """What the form sent, as one text and the verifier's challenge."""

    text: str
    nonce: str | None
    audience: str | None
    replay_check: bool

    def fields(self) -> dict[str, str]:
        """The form fields that would send this again (the JSON download re-posts them)."""
        fields = {"token": self.text, "nonce": self.nonce or "", "audience": self.audience or ""}
        if not self.replay_check:
            fields["no_replay_check"] = "1"
        return fields


@router.get("/")
def verify_form(request: Request, settings: SettingsDep) -> HTMLResponse:
    """The form: paste, upload a file or a QR image, and the challenge for a presentation."""
    return render(request, "verify.html", page_language(request), max_bytes=settings.max_body_bytes)


@router.get("/verify")
def verify_get(request: Request) -> RedirectResponse:
    """A result is only ever the answer to a post: a GET (a language link) goes to the form."""
    lang = page_language(request).language
    return RedirectResponse(f"/?lang={lang}", status_code=303)


@router.post("/verify", response_class=HTMLResponse)
async def verify_submit(
    request: Request, home: HomeDep, now: NowDep, settings: SettingsDep
) -> HTMLResponse:
    """Check what the form sent and show the result page (or what was wrong, 400)."""
    async with request.form() as form:  # closes the uploads' temporary files
        t = page_language(request, _field(form, "lang"))
        try:
            submission = await _submission(form)
        except OreTrustError as exc:
            return _error_page(request, t, exc, settings.max_body_bytes)
    try:
        report = await anyio.to_thread.run_sync(
            lambda: _verify(home, submission, now, allow_network=settings.allow_network)
        )
    except OreTrustError as exc:
        return _error_page(request, t, exc, settings.max_body_bytes)
    lookup = issuer_lookup(home, t, now=now)
    document = await anyio.to_thread.run_sync(lambda: describe_report(report, t, lookup))
    chain = await anyio.to_thread.run_sync(
        lambda: chain_view(report, t, party_names(home), now=now)
    )
    return render(
        request,
        "result.html",
        t,
        document=document,
        fields=submission.fields(),
        replay_checked=submission.replay_check,
        checked_at=now.strftime("%Y-%m-%d %H:%M:%S UTC"),
        qr=_qr(submission.text) if report.kind == "credential" else None,
        chain=chain,
    )


@router.post("/verify/certificate.pdf")
async def verify_certificate_pdf(
    request: Request, home: HomeDep, now: NowDep, settings: SettingsDep
) -> Response:
    """The credential the form sent as a one-page PDF certificate in the page's language,
    with its verdict now and its QR code (:mod:`oretrust.web.printing`); problem+json for
    unusable input or a presentation."""
    async with request.form() as form:
        t = page_language(request, _field(form, "lang"))
        submission = await _submission(form)
    pdf = await anyio.to_thread.run_sync(
        lambda: print_certificates(
            home, [submission.text], t, now=now, allow_network=settings.allow_network
        )
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="oretrust-certificate.pdf"'},
    )


@router.post("/verify/report.json")
async def verify_report_json(
    request: Request, home: HomeDep, now: NowDep, settings: SettingsDep
) -> Response:
    """The report of what the form sent, as the JSON file ``/credentials/verify`` answers
    (problem+json for unusable input)."""
    async with request.form() as form:
        submission = await _submission(form)
    report = await anyio.to_thread.run_sync(
        lambda: _verify(home, submission, now, allow_network=settings.allow_network)
    )
    return JSONResponse(
        report.to_dict(),
        headers={"Content-Disposition": 'attachment; filename="oretrust-report.json"'},
    )


def _verify(
    home: Home, submission: Submission, now: datetime, *, allow_network: bool
) -> VerificationReport:
    """``oretrust verify``'s own path, over the home's trust sources (network as configured)."""
    return verify_token(
        home,
        submission.text,
        nonce=submission.nonce,
        audience=submission.audience,
        now=now,
        replay_check=submission.replay_check,
        allow_network=allow_network,
    )


async def _submission(form: FormData) -> Submission:
    """The text to check — a QR image first, then a file, then the pasted text — and the
    challenge. Raises InputError naming what is wrong."""
    text = ""
    for name in ("qr", "file"):
        upload = form.get(name)
        if isinstance(upload, UploadFile) and upload.filename:
            data = await upload.read(MAX_TOKEN_BYTES * 64 + 1)
            if not data:
                continue
            text = read_qr(data) if name == "qr" else _decoded(data)
            break
    else:
        text = _field(form, "token") or ""
    text = text.strip()
    if is_ot1(text):
        text = decode_ot1(text)
    if not text:
        raise InputError("nothing to check", code=Code.INVALID_INPUT)
    if len(text.encode("utf-8")) > MAX_TOKEN_BYTES:
        raise InputError(f"the input exceeds {MAX_TOKEN_BYTES} bytes", code=Code.PAYLOAD_TOO_LARGE)
    nonce, audience = _field(form, "nonce"), _field(form, "audience")
    for value in (nonce, audience):
        if value is not None and len(value) > MAX_CHALLENGE:
            raise InputError(
                f"a nonce or audience has at most {MAX_CHALLENGE} characters",
                code=Code.INVALID_INPUT,
            )
    return Submission(text, nonce or None, audience or None, not _field(form, "no_replay_check"))


def _decoded(data: bytes) -> str:
    if len(data) > MAX_TOKEN_BYTES:
        raise InputError(f"the file exceeds {MAX_TOKEN_BYTES} bytes", code=Code.PAYLOAD_TOO_LARGE)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError("the file is not text", code=Code.FILE_UNREADABLE) from exc


def _field(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else None


def _error_page(
    request: Request, t: Translator, exc: OreTrustError, max_bytes: int
) -> HTMLResponse:
    message = _message(exc, t)
    return render(request, "error.html", t, status_code=400, message=message, code=exc.code,
                  detail=exc.detail, max_bytes=max_bytes)  # fmt: skip


def _message(exc: OreTrustError, t: Translator) -> str:
    """What the person at the form should do, in their language."""
    if exc.code == Code.CHALLENGE_REQUIRED:
        return t("error.challenge_required")
    if exc.code == Code.PAYLOAD_TOO_LARGE:
        return t("error.field_too_large", size=f"{MAX_TOKEN_BYTES // 1024} KiB")
    if exc.code == Code.INVALID_INPUT and exc.detail == "nothing to check":
        return t("error.nothing")
    return str(t("error.generic"))


def _qr(text: str) -> str | None:
    """The QR code of a credential for the printed page, or None when it does not fit."""
    try:
        return qr_svg(text)
    except InputError:
        return None
