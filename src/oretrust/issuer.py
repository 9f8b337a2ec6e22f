"""The issuer role: issue a typed credential to a holder and record that it was issued.

The path is the same for the CLI, the demo and (later) the HTTP API: validate the subject
against its type's schema, build the VC Data Model 2.0 document, check the data-model rules,
sign as ``vc+jwt`` with the issuer's active key, record id + hash (never the credential).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from oretrust.credentials import build_credential, get_credential_type
from oretrust.errors import InputError
from oretrust.formats.vc_jwt import sign_credential
from oretrust.formats.vcdm import validate_credential
from oretrust.home import Home
from oretrust.identities import find_issuer, signer_for
from oretrust.status.allocation import allocate_index, credential_status_entries
from oretrust.store.db import utc_naive
from oretrust.store.models import IssuedCredentialRecord

__all__ = ["IssuedCredential", "issue_credential"]


@dataclass(frozen=True)
class IssuedCredential:
    """A freshly issued credential and the facts recorded about it."""

    id: str
    type: str
    format: str
    issuer: str
    holder: str | None
    token: str
    credential: dict[str, Any]


def issue_credential(
    home: Home,
    *,
    issuer: str,
    type_name: str,
    subject: dict[str, Any],
    now: datetime,
    holder: str | None = None,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    with_status: bool = True,
) -> IssuedCredential:
    """Issue ``type_name`` from ``issuer`` (name or DID) about ``subject``.

    ``holder`` (a DID) becomes the subject's ``id`` when the subject has none. With
    ``with_status`` (the default) the credential gets a random index in the issuer's status
    list and carries ``credentialStatus`` (see :mod:`oretrust.status.allocation`), so it can
    later be revoked (and, for types that allow it, suspended). Raises
    SchemaValidationError naming the bad field, DataModelError, NotFoundError.
    """
    if not isinstance(subject, dict):
        raise InputError("credentialSubject must be a JSON object", code="INVALID_SUBJECT")
    if valid_until is not None and valid_from is not None and valid_until <= valid_from:
        raise InputError("validUntil must be after validFrom", code="INVALID_VALIDITY_PERIOD")
    credential_type = get_credential_type(type_name)
    record = find_issuer(home, issuer)
    subject = dict(subject)
    if holder and "id" not in subject:
        subject["id"] = holder
    credential_id = f"urn:uuid:{uuid.uuid4()}"
    document = build_credential(
        credential_type.name,
        issuer=record.did,
        issuer_name=record.display_name,
        subject=subject,
        valid_from=valid_from or now,
        valid_until=valid_until,
        credential_id=credential_id,
    )
    if with_status:
        allocation = allocate_index(
            home,
            issuer_did=record.did,
            credential_id=credential_id,
            type_name=credential_type.name,
            now=now,
        )
        document["credentialStatus"] = credential_status_entries(allocation, home.base_url)
    validate_credential(document)
    token = sign_credential(document, signer_for(home, record.did), now=now)
    holder_did = holder or _subject_id(document)
    with home.session() as session:
        session.add(
            IssuedCredentialRecord(
                id=credential_id,
                type=credential_type.name,
                format="vc+jwt",
                issuer_did=record.did,
                holder_did=holder_did,
                issued_at=utc_naive(now),
                valid_from=utc_naive(valid_from or now),
                valid_until=utc_naive(valid_until) if valid_until else None,
                sha256=hashlib.sha256(token.encode()).hexdigest(),
            )
        )
        session.commit()
    return IssuedCredential(
        credential_id, credential_type.name, "vc+jwt", record.did, holder_did, token, document
    )


def _subject_id(document: dict[str, Any]) -> str | None:
    subject = document.get("credentialSubject")
    if isinstance(subject, dict) and isinstance(subject.get("id"), str):
        return str(subject["id"])
    return None
