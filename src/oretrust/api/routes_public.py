"""Public, cacheable documents: health, DID documents, issuer metadata, status lists, schemas.

No authentication. DID documents, metadata and status lists carry ``Cache-Control`` and an
``ETag`` and answer a matching ``If-None-Match`` with 304.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from fastapi import APIRouter, Request, Response

from oretrust.api import examples as ex
from oretrust.api import publication
from oretrust.api.deps import HomeDep, NowDep
from oretrust.api.metrics import CONTENT_TYPE, ServiceMetrics
from oretrust.api.problems import ServiceUnavailableError
from oretrust.api.schemas import document_responses, example_response, problem_responses
from oretrust.codes import Code
from oretrust.credentials import CREDENTIAL_TYPES, get_credential_type
from oretrust.errors import InputError, NotFoundError
from oretrust.status.publication import DEFAULT_TTL, served_status_list
from oretrust.store.migrate import HEAD_REVISION, current_revision

__all__ = ["router"]

router = APIRouter()
_log = logging.getLogger("oretrust.api")

DID_JSON = "application/did+json"
_DID_RESPONSES = document_responses("The DID document", {DID_JSON: ex.DID_DOCUMENT}, 404)
_METADATA_RESPONSES = document_responses(
    "JWT VC issuer metadata", {"application/json": ex.ISSUER_METADATA}, 404
)


def _json_document(
    request: Request, document: dict[str, Any], media_type: str = "application/json"
) -> Response:
    """``document`` as compact JSON with ``Cache-Control``/``ETag`` (304 on a match)."""
    body = publication.json_bytes(document)
    return publication.cacheable(
        request, body, media_type=media_type, max_age=publication.DOCUMENT_MAX_AGE
    )


@router.get(
    "/healthz", tags=["health"], summary="Liveness", responses=example_response({"status": "ok"})
)
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


_METRICS_EXAMPLE = (
    "# TYPE oretrust_verifications_total counter\n"
    'oretrust_verifications_total{code="OK",kind="credential",verdict="VALID"} 41.0\n'
)


@router.get(
    "/metrics",
    tags=["health"],
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {
            "content": {CONTENT_TYPE: {"example": _METRICS_EXAMPLE}},
            "description": "The text exposition",
        }
    },
)
def metrics(request: Request) -> Response:
    """Requests, verifications and issuances by outcome and code, latency histograms, cache
    hit counts, the age of each served status list and trust list, database pool use
    (404 when ``ORETRUST_METRICS`` is off)."""
    service: ServiceMetrics | None = getattr(request.app.state, "metrics", None)
    if service is None:
        raise NotFoundError("metrics are turned off (ORETRUST_METRICS)")
    return Response(service.exposition(), media_type=CONTENT_TYPE)


@router.get(
    "/readyz",
    tags=["health"],
    summary="Readiness",
    responses={**example_response({"status": "ready"}), **problem_responses(503)},
)
def readyz(home: HomeDep) -> dict[str, str]:
    """200 when the database answers at this service's schema revision, else a 503 problem.

    The full schema was checked at start-up; a revision that changed since (a newer
    release migrated the database under this one) makes the service unready, so a rolling
    upgrade takes it out of rotation instead of letting its endpoints fail.
    """
    try:
        with home.engine.connect() as connection:
            revision = current_revision(connection)
    except Exception as exc:  # any database failure means "not ready"
        raise ServiceUnavailableError("the database is not reachable") from exc
    if revision != HEAD_REVISION:
        _log.warning("not ready: the database schema is at %s, this service needs %s",
                     revision, HEAD_REVISION)  # fmt: skip
        raise ServiceUnavailableError("the database schema is not this service's")
    return {"status": "ready"}


@router.get(
    "/issuers/{name}/did.json",
    tags=["did"],
    summary="An issuer's did:web document",
    response_class=Response,
    responses=_DID_RESPONSES,
)
def issuer_did(name: str, request: Request, home: HomeDep) -> Response:
    """``did:web:<Host>:issuers:<name>`` when hosted here; else, by name, the DID document of
    issuer ``name`` if its DID has no path (an explicit did:web such as
    ``did:web:mines.gouv.cd.example``). A path-based DID answers only for its own Host."""
    try:
        document = publication.did_document_at(home, request.headers.get("host"), _raw(request))
    except NotFoundError:
        document = publication.issuer_did_document(home, name)
    return _json_document(request, document, DID_JSON)


@router.get(
    "/.well-known/did.json",
    tags=["did"],
    summary="The DID document of the did:web DID named by the Host",
    response_class=Response,
    responses=_DID_RESPONSES,
)
def host_did(request: Request, home: HomeDep) -> Response:
    """The document of ``did:web:<Host>`` (a port written ``%3A<port>``): the registry
    operator's or an issuer's, whichever this home hosts for that Host; 404 otherwise."""
    document = publication.did_document_at(home, request.headers.get("host"), _raw(request))
    return _json_document(request, document, DID_JSON)


@router.get(
    "/.well-known/jwt-vc-issuer/issuers/{name}",
    tags=["did"],
    summary="An issuer's JWT VC issuer metadata (SD-JWT VC)",
    response_class=Response,
    responses=_METADATA_RESPONSES,
)
def issuer_metadata(name: str, request: Request, home: HomeDep) -> Response:
    """``{issuer, jwks}`` for ``https://<host>/issuers/<name>``; ``kid`` = RFC 7638 thumbprint."""
    return _json_document(request, publication.jwt_vc_issuer_metadata(home, name))


@router.get(
    "/.well-known/jwt-vc-issuer",
    tags=["did"],
    summary="The registry operator's JWT VC issuer metadata",
    response_class=Response,
    responses=_METADATA_RESPONSES,
)
def registry_metadata(request: Request, home: HomeDep) -> Response:
    """``{issuer, jwks}`` of the registry operator (issuer ``https://<host>``)."""
    return _json_document(request, publication.jwt_vc_issuer_metadata(home, None))


@router.get(
    "/status/{list_id}",
    tags=["status"],
    summary="A status list, as published",
    response_class=Response,
    responses=document_responses(
        "A BitstringStatusListCredential (vc+jwt) or a statuslist+jwt",
        {
            "application/vc+jwt": "eyJ0eXAiOiJ2Yytqd3QiLCJjdHkiOiJ2YyJ9.e30.c2ln",
            "application/statuslist+jwt": "eyJ0eXAiOiJzdGF0dXNsaXN0K2p3dCJ9.e30.c2ln",
        },
        400,
        404,
    ),
)
def status_list(list_id: str, request: Request, home: HomeDep, now: NowDep) -> Response:
    """``<list>-revocation`` / ``<list>-suspension`` (BSL, ``application/vc+jwt``) or
    ``<list>-tsl`` (``application/statuslist+jwt``), as the revocation side stored it (a list
    never published is signed once, at the server's clock). The ``ETag`` follows the list's
    version and signature; ``max-age`` is the list's ``ttl``."""
    published = served_status_list(home, list_id, now=now)
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
    "/{did_path:path}/did.json",
    tags=["did"],
    summary="The DID document of a path-based did:web DID",
    response_class=Response,
    responses=_DID_RESPONSES,
)
def path_did(did_path: str, request: Request, home: HomeDep) -> Response:
    """The document of ``did:web:<Host>:<path segments>`` (``/a/b/did.json`` is
    ``did:web:<Host>:a:b``) when this home hosts it; 404 otherwise."""
    document = publication.did_document_at(home, request.headers.get("host"), _raw(request))
    return _json_document(request, document, DID_JSON)


def _raw(request: Request) -> bytes:
    """The request path as sent (percent-encoding kept, as in the DID), without the query."""
    raw = request.scope.get("raw_path")
    path = raw if isinstance(raw, bytes) and raw else request.url.path.encode()
    return path.partition(b"?")[0]


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
    responses=document_responses(
        "A JSON Schema (Draft 2020-12)", {"application/schema+json": ex.SCHEMA}, 404
    ),
    response_class=Response,
)
def schema(credential_type: str, request: Request) -> Response:
    """The Draft 2020-12 JSON Schema of the whole unsigned credential of that type."""
    try:
        document = get_credential_type(credential_type).json_schema()
    except InputError as exc:
        raise NotFoundError(exc.detail, code=Code.UNKNOWN_CREDENTIAL_TYPE) from None
    return _json_document(request, document, "application/schema+json")
