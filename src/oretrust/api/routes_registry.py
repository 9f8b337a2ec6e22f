"""The trust registry over HTTP: TRQP v2 queries and the signed trust list (public),
administration (``registry-admin`` tokens), history and the API audit log (readers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Body, Query, Request, Response

from oretrust import registry
from oretrust.api import examples as ex
from oretrust.api import publication
from oretrust.api.audit import list_audit, set_audit_target
from oretrust.api.deps import AdminDep, HomeDep, NowDep, ReaderDep
from oretrust.api.schemas import (
    AccreditationChangeRequest,
    AccreditationPublic,
    AccreditationRequest,
    RecognitionPublic,
    RecognitionRequest,
    document_responses,
    example_response,
    problem_responses,
)
from oretrust.registry import accreditation_claim, recognition_claim
from oretrust.registry.trqp import (
    AuthorizationRequest,
    AuthorizationResponse,
    RecognitionResponse,
    authorization,
    recognition,
)
from oretrust.registry.trqp import RecognitionRequest as TrqpRecognitionRequest

__all__ = ["router"]

router = APIRouter()
_ADMIN_PROBLEMS = problem_responses(400, 401, 403, 404, 409, 413, 422)
_AUTHORIZATION_EXAMPLES = {
    "ministry": {"summary": "May the ministry certify origin?", "value": ex.TRQP_QUERY}
}
_RECOGNITION_EXAMPLES = {
    "national body": {
        "summary": "Is the national accreditation body recognised?",
        "value": {
            **ex.TRQP_QUERY,
            "entity_id": "did:web:cami.gouv.cd.example",
            "action": "accredit:MineralOriginCertificate",
        },
    }
}


@router.post(
    "/authorization",
    tags=["trust registry (TRQP)"],
    summary="TRQP authorization query",
    response_model=AuthorizationResponse,
    responses={
        **example_response({**ex.TRQP_ANSWER, "authorized": True}),
        **problem_responses(404, 413, 422),
    },
)
def trqp_authorization(
    body: Annotated[AuthorizationRequest, Body(openapi_examples=_AUTHORIZATION_EXAMPLES)],
    home: HomeDep,
    now: NowDep,
) -> AuthorizationResponse:
    """Is ``entity_id`` authorized by ``authority_id`` to do ``action`` on ``resource`` (at
    ``context.time``, default now)? 404 when this home runs no registry. Answered from the
    registry's verified signed log, never from its tables alone (503
    ``REGISTRY_LOG_MISMATCH`` when they disagree)."""
    return authorization(registry.verified_trust_source(home), body, now=now)


@router.post(
    "/recognition",
    tags=["trust registry (TRQP)"],
    summary="TRQP recognition query",
    response_model=RecognitionResponse,
    responses={
        **example_response({**ex.TRQP_ANSWER, "recognized": False, "message": "not recognised"}),
        **problem_responses(404, 413, 422),
    },
)
def trqp_recognition(
    body: Annotated[TrqpRecognitionRequest, Body(openapi_examples=_RECOGNITION_EXAMPLES)],
    home: HomeDep,
    now: NowDep,
) -> RecognitionResponse:
    """Does ``authority_id`` recognise authority ``entity_id`` for ``action`` on ``resource``?"""
    return recognition(registry.verified_trust_source(home), body, now=now)


@router.get(
    "/trust-list",
    tags=["trust registry (TRQP)"],
    summary="The signed trust list",
    response_class=Response,
    responses=document_responses(
        "A trust-list+jwt (compact JWS)",
        {"application/jwt": "eyJ0eXAiOiJ0cnVzdC1saXN0K2p3dCJ9.e30.c2ln"},
        404,
    ),
)
def trust_list(request: Request, home: HomeDep, now: NowDep) -> Response:
    """Every accreditation, recognition and high-risk flag, signed by the registry operator
    (header ``typ: trust-list+jwt``), for verifiers that work offline."""
    served = publication.current_trust_list(home, now=now)
    return publication.cacheable(
        request,
        served.body,
        media_type="application/jwt",
        max_age=publication.DOCUMENT_MAX_AGE,
        etag=served.etag,
    )


@router.post(
    "/registry/accreditations",
    tags=["registry administration"],
    summary="Accredit an issuer (registry-admin token)",
    status_code=201,
    response_model=AccreditationPublic,
    responses=_ADMIN_PROBLEMS,
)
def accredit(
    body: AccreditationRequest, request: Request, principal: AdminDep, home: HomeDep, now: NowDep
) -> dict[str, Any]:
    """Accredit ``entity_id`` to issue ``credential_type`` for ``jurisdiction``."""
    model = registry.accredit(
        home,
        body.entity_id,
        body.credential_type,
        body.jurisdiction,
        now=now,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        reason=body.reason,
        actor=principal.actor,
    )
    set_audit_target(request, model.id)
    return accreditation_claim(model, now)


def _accreditation_change(
    name: str, change: Callable[..., registry.Accreditation], summary: str, description: str
) -> None:
    """Add ``POST /registry/accreditations/{accreditation_id}/<name>``, which calls ``change``
    with the body's ``reason`` and ``effective`` (default now) and answers the accreditation."""

    def handler(
        accreditation_id: str,
        body: AccreditationChangeRequest,
        request: Request,
        principal: AdminDep,
        home: HomeDep,
        now: NowDep,
    ) -> dict[str, Any]:
        set_audit_target(request, accreditation_id)
        model = change(
            home,
            accreditation_id,
            effective=body.effective or now,
            reason=body.reason,
            now=now,
            actor=principal.actor,
        )
        return accreditation_claim(model, now)

    router.post(
        f"/registry/accreditations/{{accreditation_id}}/{name}",
        name=name,
        tags=["registry administration"],
        summary=summary,
        description=description,
        response_model=AccreditationPublic,
        responses=_ADMIN_PROBLEMS,
    )(handler)


_accreditation_change(
    "withdraw",
    registry.withdraw,
    "Withdraw an accreditation (registry-admin token)",
    "Withdraw for good as of ``effective`` (default now; may be in the past).",
)
_accreditation_change(
    "suspend",
    registry.suspend,
    "Suspend an accreditation (registry-admin token)",
    "Suspend from ``effective`` (default now) until reinstated.",
)
_accreditation_change(
    "reinstate",
    registry.reinstate,
    "Lift an accreditation's suspension (registry-admin token)",
    "End the current suspension at ``effective`` (default now).",
)


@router.post(
    "/registry/recognitions",
    tags=["registry administration"],
    summary="Recognise another authority (registry-admin token)",
    status_code=201,
    response_model=RecognitionPublic,
    responses=_ADMIN_PROBLEMS,
)
def recognise(
    body: RecognitionRequest, request: Request, principal: AdminDep, home: HomeDep, now: NowDep
) -> dict[str, Any]:
    """Record that this registry recognises authority ``entity_id`` for ``action``."""
    model = registry.recognise(
        home,
        body.entity_id,
        body.action,
        body.resource,
        now=now,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        reason=body.reason,
        actor=principal.actor,
    )
    set_audit_target(request, model.id)
    return recognition_claim(model)


@router.get(
    "/registry/history",
    tags=["audit"],
    summary="The registry's signed event log (auditor or registry-admin token)",
    responses={**example_response([ex.EVENT]), **problem_responses(401, 403, 422)},
)
def history(
    _principal: ReaderDep,
    home: HomeDep,
    response: Response,
    entity_id: Annotated[str | None, Query(max_length=2048)] = None,
    subject: Annotated[str | None, Query(max_length=512)] = None,
    after: Annotated[int, Query(ge=0, le=2**31 - 1, description="Only events after this seq.")] = 0,
    limit: Annotated[
        int, Query(ge=1, le=registry.HISTORY_MAX_LIMIT, description="Events per page.")
    ] = registry.HISTORY_DEFAULT_LIMIT,
) -> list[dict[str, Any]]:
    """Registry events in order (each a JWS signed by the operator), a page of at most
    ``limit`` after ``after``, optionally only those about ``entity_id`` or ``subject``.

    A full page carries ``Link: <…?after=<last seq>…>; rel="next"`` for the next one.
    """
    events = registry.history(home, entity_id=entity_id, subject=subject, after=after, limit=limit)
    if len(events) == limit:
        query = urlencode(
            {
                key: value
                for key, value in (
                    ("entity_id", entity_id),
                    ("subject", subject),
                    ("after", str(events[-1].seq)),
                    ("limit", str(limit)),
                )
                if value is not None
            }
        )
        response.headers["Link"] = f'</registry/history?{query}>; rel="next"'
    return [event.to_dict() for event in events]


@router.get(
    "/audit/log",
    tags=["audit"],
    summary="The API audit log (auditor or registry-admin token)",
    responses={**example_response([ex.AUDIT_ENTRY]), **problem_responses(401, 403, 422)},
)
def audit_log(
    _principal: ReaderDep,
    home: HomeDep,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> list[dict[str, Any]]:
    """The most recent authenticated mutating calls: who, what, and the outcome."""
    return [entry.to_dict() for entry in list_audit(home, limit=limit)]
