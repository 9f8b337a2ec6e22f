"""W3C VC API verification: ``POST /credentials/verify`` and ``POST /presentations/verify``.

No authentication: a refinery needs nothing but the URL. The answer is the verification
report either way — 200 when verified, 400 when not — the same object the CLI prints with
``--json``. The routes are ``async`` and answer from memory on the event loop when they can
(:mod:`oretrust.blocking`: the kept verifier holds what it needs), else in one worker thread
(plain ``def`` routes and dependencies cost a thread hop each). Trust comes from the home:
its own DIDs and status lists from its database,
accreditation from its registry (when it has one), other hosts over HTTPS when allowed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import anyio.to_thread
import orjson
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from oretrust.api.deps import now_of, verifier_of
from oretrust.api.lean_route import LeanJsonRoute
from oretrust.api.metrics import ServiceMetrics
from oretrust.api.schemas import (
    VerificationReportPublic,
    VerifyCredentialRequest,
    VerifyPresentationRequest,
    problem_responses,
)
from oretrust.api.services import unwrap_token
from oretrust.blocking import WouldBlock, inline
from oretrust.formats.vc_jwt import VC_JWT_MEDIA_TYPE, VP_JWT_MEDIA_TYPE
from oretrust.report import VerificationReport

__all__ = ["router"]

router = APIRouter(tags=["verification"], route_class=LeanJsonRoute)  # body read in one pass

_SD_JWT_MEDIA_TYPES = ("application/dc+sd-jwt", "application/vc+sd-jwt")
_CREDENTIAL_MEDIA_TYPES = (VC_JWT_MEDIA_TYPE, *_SD_JWT_MEDIA_TYPES)
_PRESENTATION_MEDIA_TYPES = (VP_JWT_MEDIA_TYPE, *_SD_JWT_MEDIA_TYPES)

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": VerificationReportPublic, "description": "Verified: the report"},
    400: {
        "model": VerificationReportPublic,
        "description": "Not verified: the report (or a problem+json for an unusable request)",
    },
    **problem_responses(413, 422),
}


def _answer(
    request: Request, kind: str, started: float, report: VerificationReport
) -> JSONResponse:
    """The report as the answer, counted in the metrics (when they are on)."""
    answer = report.to_dict()
    metrics: ServiceMetrics | None = getattr(request.app.state, "metrics", None)
    if metrics is not None:
        metrics.verified(kind, answer, time.perf_counter() - started)
    return _ReportResponse(answer, status_code=200 if answer["verified"] else 400)


class _ReportResponse(JSONResponse):
    """A report written by orjson (json's encoder was a tenth of a verification request);
    what orjson refuses — an integer past 64 bits in the claims — goes to json's encoder."""

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content)
        except orjson.JSONEncodeError:
            return super().render(content)


#: Tokens longer than this go straight to a worker thread: parsing and checking a token near
#: the 256 KiB limit takes milliseconds, which every other request would wait on.
INLINE_MAX_CHARS = 16 * 1024


async def _verified(token: str, verify: Callable[[], VerificationReport]) -> VerificationReport:
    """``verify()`` on the event loop while it needs nothing but memory; the moment it would
    open a database session or fetch, it is abandoned and run again in a worker thread. A
    token past :data:`INLINE_MAX_CHARS` is verified in the thread from the start."""
    if len(token) > INLINE_MAX_CHARS:
        return await _in_worker_thread(verify)
    try:
        with inline():
            return verify()
    except WouldBlock:
        return await _in_worker_thread(verify)


async def _in_worker_thread(verify: Callable[[], VerificationReport]) -> VerificationReport:
    """``verify()`` in a worker thread, where it may block."""
    return await anyio.to_thread.run_sync(verify)


@router.post(
    "/credentials/verify",
    summary="Verify a credential (vc+jwt or SD-JWT VC)",
    response_model=VerificationReportPublic,
    responses=_RESPONSES,
)
async def verify_credential(body: VerifyCredentialRequest, request: Request) -> JSONResponse:
    """Signature, issuer DID, data model, validity period, schema, status, accreditation.

    A compact ``vc+jwt`` or SD-JWT VC (as issued), or an ``EnvelopedVerifiableCredential``
    (``data:application/vc+jwt,…`` or ``data:application/dc+sd-jwt,…``)."""
    started, verifier, now = time.perf_counter(), verifier_of(request), now_of(request)
    token = unwrap_token(
        body.verifiableCredential, "EnvelopedVerifiableCredential", _CREDENTIAL_MEDIA_TYPES
    )
    report = await _verified(token, lambda: verifier.check_credential(token, now=now))
    return _answer(request, "credential", started, report)


@router.post(
    "/presentations/verify",
    summary="Verify a presentation (vp+jwt or SD-JWT+KB)",
    response_model=VerificationReportPublic,
    responses=_RESPONSES,
)
async def verify_presentation(body: VerifyPresentationRequest, request: Request) -> JSONResponse:
    """Holder signature and binding, ``challenge`` (nonce) and ``domain`` (audience),
    freshness, then every credential inside as ``/credentials/verify`` does. A ``vp+jwt`` or
    an SD-JWT VC with a key binding JWT (compact, or enveloped as ``data:application/vp+jwt,…``
    / ``data:application/dc+sd-jwt,…``). ``options.challenge`` and ``options.domain`` are
    required (422 problem+json without them): a presentation checked without this verifier's
    own nonce and audience could be a replay."""
    started, verifier, now = time.perf_counter(), verifier_of(request), now_of(request)
    token = unwrap_token(
        body.verifiablePresentation, "EnvelopedVerifiablePresentation", _PRESENTATION_MEDIA_TYPES
    )
    report = await _verified(  # an SD-JWT+KB goes to the SD-JWT path itself
        token,
        lambda: verifier.check_presentation(
            token, nonce=body.options.challenge, audience=body.options.domain, now=now
        ),
    )
    return _answer(request, "presentation", started, report)
