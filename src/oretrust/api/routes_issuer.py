"""Issuers over HTTP: issue, attest custody chains and change status (``issuer`` tokens); the
revocation log (readers).

An ``issuer`` token is bound to one issuer DID: it issues as that issuer only, changes the
status of that issuer's credentials only and lists (``GET /credentials``) only what that
issuer issued. The credential's subject id may name any holder DID — a did:jwk of a holder on
its own node included: the issuer never needs the holder's key for a vc+jwt.

``GET /credentials`` is for ``issuer`` tokens only (least privilege): the list names every
holder an issuer issued to, which a registry-admin (who manages accreditations) or an
auditor (who reads the revocation log and the public status lists) does not need; they get
403.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from oretrust.api import examples as ex
from oretrust.api.audit import set_audit_target
from oretrust.api.auth import PermissionDeniedError
from oretrust.api.deps import HomeDep, IssuerDep, NowDep, ReaderDep, VerifierDep
from oretrust.api.metrics import ServiceMetrics
from oretrust.api.schemas import (
    EnvelopedCredential,
    IssuedPublic,
    IssueRequest,
    StatusChangePublic,
    StatusChangeRequest,
    Token,
    example_response,
    problem_responses,
)
from oretrust.api.services import change_own_status, issue_as
from oretrust.codes import Code
from oretrust.credentials import CREDENTIAL_TYPES
from oretrust.custody import ChainReport, ledger
from oretrust.errors import InputError, InvalidCredentialError, OreTrustError
from oretrust.formats.dates import parse_datetime
from oretrust.formats.vc_jwt import envelope
from oretrust.issuer import attest_chain, list_issued
from oretrust.status.log import list_log

__all__ = ["router"]

router = APIRouter()


@router.post(
    "/credentials/issue",
    tags=["issuance"],
    summary="Issue a credential (issuer token)",
    status_code=201,
    response_model=IssuedPublic,
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
def issue(
    body: IssueRequest, request: Request, principal: IssuerDep, home: HomeDep, now: NowDep
) -> IssuedPublic:
    """Sign an unsigned VC DM 2.0 ``credential`` of one oretrust type as ``vc+jwt``.

    The document's ``issuer`` must be the token's issuer (or absent: it is filled in); the
    subject is validated by the type's schema (422 naming the field); the credential gets a
    status-list entry so it can be revoked.
    """
    metrics: ServiceMetrics | None = getattr(request.app.state, "metrics", None)
    type_label = _type_label(body.credential)
    try:
        issued = issue_as(home, principal, body.credential, now=now)
    except OreTrustError as refused:
        if metrics is not None:
            metrics.issuances.labels(type_label, refused.code).inc()
        raise
    if metrics is not None:
        metrics.issuances.labels(type_label, "issued").inc()
    set_audit_target(request, issued.id)
    return IssuedPublic(
        verifiableCredential=EnvelopedCredential.model_validate(envelope(issued.token)),
        credentialId=issued.id,
    )


def _type_label(credential: dict[str, Any]) -> str:
    """The oretrust type a submitted credential names, as a metric label (one of the known
    types or ``other``: a caller cannot grow the label set)."""
    types = credential.get("type")
    named = types if isinstance(types, list) else [types]
    return next((t for t in named if isinstance(t, str) and t in CREDENTIAL_TYPES), "other")


@router.post(
    "/credentials/status",
    tags=["issuance"],
    summary="Revoke, suspend or reinstate a credential (issuer token)",
    response_model=StatusChangePublic,
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
def change_status(
    body: StatusChangeRequest, request: Request, principal: IssuerDep, home: HomeDep, now: NowDep
) -> dict[str, Any]:
    """Revocation is permanent; repeating a change is not an error (``changed: false``)."""
    set_audit_target(request, body.credentialId)
    change = change_own_status(
        home, principal, body.credentialId, body.action, reason=body.reason, now=now
    )
    return change.to_dict()


@router.get(
    "/revocations/log",
    tags=["audit"],
    summary="The hash-chained revocation log (auditor or registry-admin token)",
    responses={**example_response([ex.LOG_ENTRY]), **problem_responses(401, 403, 422)},
)
def revocation_log(
    _principal: ReaderDep,
    home: HomeDep,
    credential_id: Annotated[str | None, Query(max_length=128)] = None,
) -> list[dict[str, Any]]:
    """Every status change, oldest first (only ``credential_id``'s when given)."""
    return [entry.to_dict() for entry in list_log(home, credential_id)]


_ISSUED_EXAMPLE: Any = {
    "id": ex.CREDENTIAL_ID,
    "type": "MiningLicenceCredential",
    "format": "vc+jwt",
    "issuer": ex.MINISTRY,
    "holder": "did:jwk:eyJrdHkiOiJPS1AiLCJjcnYiOiJFZDI1NTE5IiwieCI6Ii4uLiJ9",
    "issued_at": ex.AT,
    "valid_from": ex.AT,
    "valid_until": None,
    "status": "valid",
    "status_list": "69114893845142be",
    "status_index": 90481,
}


@router.get(
    "/credentials",
    tags=["issuance"],
    summary="What the calling issuer has issued (issuer token)",
    responses={**example_response([_ISSUED_EXAMPLE]), **problem_responses(400, 401, 403, 422)},
)
def issued_credentials(
    principal: IssuerDep,
    home: HomeDep,
    credential_type: Annotated[str | None, Query(alias="type", max_length=128)] = None,
    since: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[Literal["valid", "revoked", "suspended"] | None, Query()] = None,
) -> list[dict[str, Any]]:
    """The token's issuer's credentials, oldest first: id, type, holder, issued at, status
    entry and current status (from its records: never the credentials). ``since`` is an ISO
    8601 time with a zone (400 ``INVALID_TIME`` otherwise)."""
    if principal.issuer_did is None:
        raise PermissionDeniedError("this token is not bound to an issuer")
    moment = parse_datetime(since) if since is not None else None
    if since is not None and moment is None:
        raise InputError(f"since: {since!r} is not a date-time with a zone", code=Code.INVALID_TIME)
    rows = list_issued(
        home, issuer=principal.issuer_did, type_name=credential_type, since=moment, status=status
    )
    return [row.to_dict() for row in rows]


class AttestationRequest(BaseModel):
    """``POST /custody/attestations``: the chain to verify and attest to its last buyer."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "event": "eyJhbGciOiJFZERTQSIsImtpZCI6ImRpZDpqd2s6…(the refinery's purchase)",
                    "documents": ["eyJ…(the trader's purchase)", "eyJ…(the origin certificate)"],
                    "lotId": "BCR-7781",
                }
            ]
        },
    )
    event: Token = Field(description="The custody event that put the final lot in hand")
    documents: list[Token] = Field(
        min_length=1,
        max_length=ledger.MAX_DOCUMENTS,
        description="The chain's other credentials: events, period accounts, origin certificates",
    )
    lotId: str | None = Field(
        default=None, min_length=1, max_length=128, description="The final lot, when several"
    )


@router.post(
    "/custody/attestations",
    tags=["issuance"],
    summary="Verify a custody chain and attest it to the last buyer (issuer token)",
    status_code=201,
    response_model=IssuedPublic,
    responses=problem_responses(400, 401, 403, 409, 413, 422),
)
def attest_custody_chain(
    body: AttestationRequest,
    request: Request,
    principal: IssuerDep,
    home: HomeDep,
    verifier: VerifierDep,
    now: NowDep,
) -> IssuedPublic:
    """The token's issuer (an auditor, or the registry operator, accredited for
    ``ChainAttestationCredential`` in the origin country) walks the whole chain; only when it
    verifies is a ``ChainAttestationCredential`` issued, naming the origins and the balance
    and no intermediary. 422 with the chain's code (``MASS_BALANCE_EXCEEDED``…) and nothing
    issued otherwise; 409 ``ISSUER_NOT_ACCREDITED_TO_ISSUE`` for an issuer not accredited."""
    if principal.issuer_did is None:
        raise PermissionDeniedError("this token is not bound to an issuer")
    try:
        issued = attest_chain(
            home, principal.issuer_did, body.event, body.documents,
            verifier=verifier, now=now, lot_id=body.lotId,
        )  # fmt: skip
    except InvalidCredentialError as refused:
        if isinstance(refused.report, ChainReport):
            raise ledger.ChainRejectedError(refused.report) from None
        raise
    set_audit_target(request, issued.id)
    return IssuedPublic(
        verifiableCredential=EnvelopedCredential.model_validate(envelope(issued.token)),
        credentialId=issued.id,
    )
