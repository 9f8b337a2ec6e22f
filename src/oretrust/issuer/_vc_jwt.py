"""vc+jwt issuance (internal; the face is :mod:`oretrust.issuer`)."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from oretrust.credentials import CREDENTIAL_TYPES, build_credential, get_credential_type
from oretrust.credentials._registry import CredentialType
from oretrust.errors import ConflictError, DataModelError, InputError
from oretrust.formats.vc_jwt import sign_credential
from oretrust.formats.vcdm import parse_datetime_stamp, validate_credential
from oretrust.home import Home
from oretrust.identities import find_issuer, signer_for
from oretrust.status.allocation import allocate_index, credential_status_entries
from oretrust.store.db import as_utc
from oretrust.store.models import IssuedCredentialRecord

__all__ = ["IssuedCredential", "issue_credential", "issue_document"]


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
    credential_id: str | None = None,
) -> IssuedCredential:
    """Issue ``type_name`` from ``issuer`` (name or DID) about ``subject``.

    ``holder`` (a DID) becomes the subject's ``id`` when the subject has none. With
    ``with_status`` (the default) the credential gets a random index in the issuer's status
    list and carries ``credentialStatus`` (see :mod:`oretrust.status.allocation`), so it can
    later be revoked (and, for types that allow it, suspended). ``credential_id`` (a fresh
    lower-case ``urn:uuid:``) replaces the generated id. Raises SchemaValidationError naming
    the bad field, DataModelError, NotFoundError, ConflictError (the id is taken).
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
    if credential_id is not None:
        _require_unused(home, credential_id)
    credential_id = credential_id or f"urn:uuid:{uuid.uuid4()}"
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
                issued_at=as_utc(now),
                valid_from=as_utc(valid_from or now),
                valid_until=as_utc(valid_until) if valid_until else None,
                sha256=hashlib.sha256(token.encode()).hexdigest(),
            )
        )
        try:
            session.commit()
        except IntegrityError as exc:
            raise ConflictError(
                f"a credential {credential_id} was already issued", code="CREDENTIAL_EXISTS"
            ) from exc
    return IssuedCredential(
        credential_id, credential_type.name, "vc+jwt", record.did, holder_did, token, document
    )


def _subject_id(document: dict[str, Any]) -> str | None:
    subject = document.get("credentialSubject")
    if isinstance(subject, dict) and isinstance(subject.get("id"), str):
        return str(subject["id"])
    return None


#: Members of an issuance request the issuer fills in itself, or that oretrust does not carry.
_ISSUER_MEMBERS = ("credentialStatus", "proof")
_UNSUPPORTED_MEMBERS = (
    "name", "description", "evidence", "termsOfUse", "refreshService", "renderMethod",
    "relatedResource", "confidenceMethod",
)  # fmt: skip


def issue_document(home: Home, *, issuer: str, credential: Any, now: datetime) -> IssuedCredential:
    """Issue an unsigned VC Data Model 2.0 ``credential`` as ``issuer`` (a DID or name).

    The document must pass the data-model rules in issuance mode (``issuer`` may be absent;
    it is filled in), name exactly one oretrust credential type in ``type`` (with that type's
    other ``type`` and ``@context`` entries or none of them, and nothing else), have one
    ``credentialSubject`` object valid for the type, and carry no ``credentialStatus`` or
    ``proof`` (the issuer adds status; the input is unsecured) nor members oretrust does not
    sign (``evidence``, ``termsOfUse``…). ``issuer`` in the document, if given, must be this
    issuer; ``id`` may be a fresh ``urn:uuid:``; ``validFrom`` defaults to ``now``.

    Raises DataModelError (a broken VC DM rule, an unknown or unsupported type or member,
    another issuer), SchemaValidationError (the subject), NotFoundError (no such issuer),
    ConflictError (the id is taken).
    """
    validate_credential(credential, require_issuer=False)
    assert isinstance(credential, dict)  # validate_credential guarantees an object
    record = find_issuer(home, issuer)
    credential_type = _oretrust_type(credential)
    for member in (*_ISSUER_MEMBERS, *_UNSUPPORTED_MEMBERS):
        if member in credential:
            reason = "is set by the issuer" if member in _ISSUER_MEMBERS else "is not supported"
            raise DataModelError(
                f"{member} {reason} in an issuance request",
                rule="oretrust-profile",
                code="UNSUPPORTED_PROPERTY",
            )
    _check_subset(credential.get("@context"), credential_type.contexts, "@context")
    if "issuer" in credential:
        given = credential["issuer"]
        given = given if isinstance(given, dict) else {"id": given}
        if given.get("id") != record.did:
            raise DataModelError(
                f"issuer must be {record.did}, the authenticated issuer",
                rule="oretrust-profile",
                code="ISSUER_MISMATCH",
            )
        if set(given) - {"id", "name"} or given.get("name", record.display_name) != (
            record.display_name
        ):
            raise DataModelError(
                f"issuer may only carry id and the registered name {record.display_name!r}",
                rule="oretrust-profile",
                code="UNSUPPORTED_PROPERTY",
            )
    schema = credential.get("credentialSchema")
    expected_schema = {"id": credential_type.schema_url(), "type": "JsonSchema"}
    if schema is not None and schema not in (expected_schema, [expected_schema]):
        raise DataModelError(
            f"credentialSchema must be {expected_schema} (or absent)",
            rule="oretrust-profile",
            code="UNSUPPORTED_PROPERTY",
        )
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        raise DataModelError(
            "credentialSubject must be one object", rule="oretrust-profile", code="INVALID_SUBJECT"
        )
    return issue_credential(
        home,
        issuer=record.did,
        type_name=credential_type.name,
        subject=subject,
        now=now,
        valid_from=_utc_time(credential, "validFrom"),
        valid_until=_utc_time(credential, "validUntil"),
        credential_id=credential.get("id"),
    )


def _oretrust_type(credential: dict[str, Any]) -> CredentialType:
    types = credential.get("type")
    names = [types] if isinstance(types, str) else list(types or [])
    known = [name for name in names if name in CREDENTIAL_TYPES]
    if len(known) != 1:
        raise DataModelError(
            "type must name exactly one oretrust credential type: "
            + ", ".join(sorted(CREDENTIAL_TYPES)),
            rule="oretrust-profile",
            code="UNKNOWN_CREDENTIAL_TYPE",
        )
    credential_type = get_credential_type(known[0])
    _check_subset(types, credential_type.types, "type")
    return credential_type


def _check_subset(given: Any, allowed: tuple[str, ...], member: str) -> None:
    values = [given] if isinstance(given, str) else list(given or [])
    extra = [value for value in values if value not in allowed]
    if extra:
        raise DataModelError(
            f"{member} may only hold {list(allowed)}; {str(extra[0])[:80]!r} is not carried",
            rule="oretrust-profile",
            code="UNSUPPORTED_PROPERTY",
        )


def _utc_time(credential: dict[str, Any], member: str) -> datetime | None:
    if member not in credential:
        return None
    moment = parse_datetime_stamp(credential[member], member)
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise DataModelError(
            f"{member} is out of range", rule="datetime-format", code="DATA_MODEL_INVALID"
        ) from exc


def _require_unused(home: Home, credential_id: str) -> None:
    with home.session() as session:
        if session.get(IssuedCredentialRecord, credential_id) is not None:
            raise ConflictError(
                f"a credential {credential_id} was already issued", code="CREDENTIAL_EXISTS"
            )
