"""Issuers over HTTP: issue and change status (``issuer`` tokens); the revocation log (readers).

An ``issuer`` token is bound to one issuer DID: it issues as that issuer only and changes the
status of that issuer's credentials only.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from oretrust.api import examples as ex
from oretrust.api.audit import set_audit_target
from oretrust.api.deps import HomeDep, IssuerDep, NowDep, ReaderDep
from oretrust.api.schemas import (
    EnvelopedCredential,
    IssuedPublic,
    IssueRequest,
    StatusChangePublic,
    StatusChangeRequest,
    example_response,
    problem_responses,
)
from oretrust.api.services import change_own_status, issue_as
from oretrust.formats.vc_jwt import envelope
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
    issued = issue_as(home, principal, body.credential, now=now)
    set_audit_target(request, issued.id)
    return IssuedPublic(
        verifiableCredential=EnvelopedCredential.model_validate(envelope(issued.token)),
        credentialId=issued.id,
    )


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
