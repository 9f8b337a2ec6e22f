"""The few service steps that exist only for the HTTP API; routes stay parse → call → return.

* :func:`unwrap_token` accepts what the VC API allows for a credential or presentation: a
  compact token, or an ``Enveloped…`` object whose ``id`` is ``data:<media type>,<token>``.
* :func:`issue_as` issues a VC DM 2.0 document as the token's issuer, refusing another
  issuer's name in the document with 403.
* :func:`change_own_status` revokes / suspends / reinstates a credential *of the token's
  issuer*. A credential of another issuer is answered exactly like an unknown one (404), so
  an issuer's token cannot probe which credentials others have issued.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import select

from oretrust.api.auth import PermissionDeniedError, Principal
from oretrust.codes import Code
from oretrust.errors import InputError, NotFoundError
from oretrust.formats.vc_jwt import unwrap_envelope
from oretrust.formats.vcdm import EnvelopeType, validate_credential
from oretrust.home import Home
from oretrust.issuer import IssuedCredential, issue_document
from oretrust.status.operations import Action, StatusChange, change_status
from oretrust.store.models import IssuedCredentialRecord
from oretrust.store.status_models import StatusEntryRecord

__all__ = ["change_own_status", "issue_as", "unwrap_token"]


def unwrap_token(
    value: str | BaseModel, envelope_type: EnvelopeType, media_types: tuple[str, ...]
) -> str:
    """The compact token in ``value``: a string, or an ``envelope_type`` object that VC DM 2.0
    §4.13 allows (``@context`` starting with the v2 context, a ``data:`` URL ``id``) of one
    of ``media_types``. Raises DataModelError for an envelope the data model refuses (422),
    InputError ``UNSUPPORTED_FORMAT`` for another type or media type."""
    if isinstance(value, str):
        return value.strip()
    envelope: dict[str, Any] = value.model_dump(by_alias=True, exclude_none=True)
    types = envelope.get("type")
    if envelope_type not in ([types] if isinstance(types, str) else list(types or [])):
        raise InputError(f"expected an {envelope_type}", code=Code.UNSUPPORTED_FORMAT)
    media_type, token = unwrap_envelope(envelope, envelope_type)
    if media_type not in media_types or not token.strip():
        raise InputError(
            f"the {envelope_type}'s id must be data:<{' | '.join(media_types)}>,<token>",
            code=Code.UNSUPPORTED_FORMAT,
        )
    return token.strip()


def issue_as(
    home: Home, principal: Principal, credential: dict[str, Any], *, now: datetime
) -> IssuedCredential:
    """Issue ``credential`` as the token's issuer (see :func:`oretrust.issuer.issue_document`).

    A document that breaks the data model is refused first (422); one naming another issuer
    then gets 403.
    """
    issuer = principal.issuer_did
    if issuer is None:
        raise PermissionDeniedError("this token is not bound to an issuer")
    validate_credential(credential, require_issuer=False)  # a broken document is 422 first
    given = credential.get("issuer")
    given_id = given.get("id") if isinstance(given, dict) else given
    if given_id is not None and given_id != issuer:
        raise PermissionDeniedError(f"this token may only issue as {issuer}")
    return issue_document(home, issuer=issuer, credential=credential, now=now)


def change_own_status(
    home: Home,
    principal: Principal,
    credential_id: str,
    action: Action,
    *,
    reason: str,
    now: datetime,
) -> StatusChange:
    """Apply ``action`` to a credential the token's issuer issued; see the module docstring."""
    with home.session() as session:
        owner = session.exec(
            select(StatusEntryRecord.issuer_did).where(
                StatusEntryRecord.credential_id == credential_id
            )
        ).first()
        if owner is None:
            issued = session.get(IssuedCredentialRecord, credential_id)
            owner = issued.issuer_did if issued is not None else None
    if owner is None or owner != principal.issuer_did:
        raise NotFoundError(
            f"no credential {credential_id[:128]!r} issued by {principal.issuer_did}",
            code=Code.CREDENTIAL_NOT_FOUND,
        )
    return change_status(home, credential_id, action, reason=reason, now=now, actor=principal.actor)
