"""Public, cacheable documents: health, DID documents, issuer metadata, status lists, schemas.

No authentication. DID documents, metadata and status lists carry ``Cache-Control`` and an
``ETag`` and answer a matching ``If-None-Match`` with 304.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import text

from oretrust.api import examples as ex
from oretrust.api import publication
from oretrust.api.deps import HomeDep, NowDep
from oretrust.api.problems import ServiceUnavailableError
from oretrust.api.schemas import example_response, problem_responses
from oretrust.credentials import CREDENTIAL_TYPES, get_credential_type
from oretrust.errors import InputError, NotFoundError
from oretrust.status.publication import DEFAULT_TTL, published_status_list

__all__ = ["router"]

router = APIRouter()

DID_JSON = "application/did+json"
DOCUMENT_MAX_AGE = 300
_DID_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The DID document",
        "content": {DID_JSON: {"example": ex.DID_DOCUMENT}},
    },
    304: {"description": "Not modified (If-None-Match)"},
    **problem_responses(404),
}


@router.get(
    "/healthz", tags=["health"], summary="Liveness", responses=example_response({"status": "ok"})
)
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    tags=["health"],
    summary="Readiness",
    responses={**example_response({"status": "ready"}), **problem_responses(503)},
)
def readyz(home: HomeDep) -> dict[str, str]:
    """200 when the database answers, else a 503 problem."""
    try:
        with home.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any database failure means "not ready"
        raise ServiceUnavailableError("the database is not reachable") from exc
    return {"status": "ready"}


@router.get(
    "/issuers/{name}/did.json",
    tags=["did"],
    summary="An issuer's did:web document",
    response_class=Response,
    responses=_DID_RESPONSES,
)
def issuer_did(name: str, request: Request, home: HomeDep) -> Response:
    """The DID document of issuer ``name`` (``did:web:<host>:issuers:<name>``, or the
    explicit did:web it was registered with)."""
    document = publication.issuer_did_document(home, name)
    body = publication.json_bytes(document)
    return publication.cacheable(request, body, media_type=DID_JSON, max_age=DOCUMENT_MAX_AGE)


@router.get(
    "/.well-known/did.json",
    tags=["did"],
    summary="The registry operator's DID document",
    response_class=Response,
    responses=_DID_RESPONSES,
)
def registry_did(request: Request, home: HomeDep) -> Response:
    """The DID document of the trust registry operator."""
    body = publication.json_bytes(publication.registry_did_document(home))
    return publication.cacheable(request, body, media_type=DID_JSON, max_age=DOCUMENT_MAX_AGE)


_METADATA_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JWT VC issuer metadata",
        "content": {"application/json": {"example": ex.ISSUER_METADATA}},
    },
    304: {"description": "Not modified (If-None-Match)"},
    **problem_responses(404),
}


@router.get(
    "/.well-known/jwt-vc-issuer/issuers/{name}",
    tags=["did"],
    summary="An issuer's JWT VC issuer metadata (SD-JWT VC)",
    response_class=Response,
    responses=_METADATA_RESPONSES,
)
def issuer_metadata(name: str, request: Request, home: HomeDep) -> Response:
    """``{issuer, jwks}`` for ``https://<host>/issuers/<name>``; ``kid`` = RFC 7638 thumbprint."""
    body = publication.json_bytes(publication.jwt_vc_issuer_metadata(home, name))
    return publication.cacheable(
        request, body, media_type="application/json", max_age=DOCUMENT_MAX_AGE
    )


@router.get(
    "/.well-known/jwt-vc-issuer",
    tags=["did"],
    summary="The registry operator's JWT VC issuer metadata",
    response_class=Response,
    responses=_METADATA_RESPONSES,
)
def registry_metadata(request: Request, home: HomeDep) -> Response:
    """``{issuer, jwks}`` of the registry operator (issuer ``https://<host>``)."""
    body = publication.json_bytes(publication.jwt_vc_issuer_metadata(home, None))
    return publication.cacheable(
        request, body, media_type="application/json", max_age=DOCUMENT_MAX_AGE
    )


@router.get(
    "/status/{list_id}",
    tags=["status"],
    summary="A status list, as published",
    response_class=Response,
    responses={
        200: {
            "description": "A BitstringStatusListCredential (vc+jwt) or a statuslist+jwt",
            "content": {
                "application/vc+jwt": {"example": "eyJ0eXAiOiJ2Yytqd3QiLCJjdHkiOiJ2YyJ9.e30.c2ln"},
                "application/statuslist+jwt": {
                    "example": "eyJ0eXAiOiJzdGF0dXNsaXN0K2p3dCJ9.e30.c2ln"
                },
            },
        },
        304: {"description": "Not modified (If-None-Match)"},
        **problem_responses(400, 404),
    },
)
def status_list(list_id: str, request: Request, home: HomeDep, now: NowDep) -> Response:
    """``<list>-revocation`` / ``<list>-suspension`` (BSL, ``application/vc+jwt``) or
    ``<list>-tsl`` (``application/statuslist+jwt``). The ``ETag`` follows the list's version
    and signature; ``max-age`` is the list's ``ttl``."""
    published = published_status_list(home, list_id, now=now)
    token = published.token.encode()
    etag = f"{list_id}-v{published.version}-{hashlib.sha256(token).hexdigest()[:16]}"
    return publication.cacheable(
        request,
        token,
        media_type=published.media_type,
        max_age=int(DEFAULT_TTL.total_seconds()),
        etag=etag,
    )


@router.get(
    "/schemas",
    tags=["schemas"],
    summary="The credential types and their schemas",
    responses=example_response(ex.SCHEMA_LIST),
)
def schemas() -> list[dict[str, str]]:
    """Every credential type oretrust issues, with its description and schema URL."""
    return [
        {"type": name, "description": ctype.description, "schema": f"/schemas/{name}"}
        for name, ctype in CREDENTIAL_TYPES.items()
    ]


@router.get(
    "/schemas/{credential_type}",
    tags=["schemas"],
    summary="The JSON Schema of a credential type",
    responses={
        200: {
            "description": "A JSON Schema (Draft 2020-12)",
            "content": {
                "application/schema+json": {"example": ex.SCHEMA},
            },
        },
        **problem_responses(404),
    },
    response_class=Response,
)
def schema(credential_type: str, request: Request) -> Response:
    """The Draft 2020-12 JSON Schema of the whole unsigned credential of that type."""
    try:
        document = get_credential_type(credential_type).json_schema()
    except InputError as exc:
        raise NotFoundError(exc.detail, code="UNKNOWN_CREDENTIAL_TYPE") from None
    body = publication.json_bytes(document)
    return publication.cacheable(
        request, body, media_type="application/schema+json", max_age=DOCUMENT_MAX_AGE
    )
