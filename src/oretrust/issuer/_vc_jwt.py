"""vc+jwt issuance (internal; the face is :mod:`oretrust.issuer`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from oretrust.codes import Code
from oretrust.credentials import (
    CREDENTIAL_TYPES,
    CredentialType,
    build_credential,
    get_credential_type,
)
from oretrust.errors import DataModelError
from oretrust.formats.vc_jwt import sign_credential
from oretrust.formats.vcdm import parse_datetime_stamp, validate_credential
from oretrust.home import Home
from oretrust.identities import find_issuer
from oretrust.issuer._record import Issuance, begin_issuance, sign_and_record
from oretrust.status.allocation import Allocation, credential_status_entries

__all__ = ["IssuedCredential", "issue_credential", "issue_document"]

VC_JWT_FORMAT = "vc+jwt"


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
    lower-case ``urn:uuid:``) replaces the generated id. Checks, allocation and record are
    the shared path of :mod:`oretrust.issuer._record` (its codes: ``INVALID_SUBJECT``,
    ``INVALID_VALIDITY_PERIOD``, ``UNKNOWN_CREDENTIAL_TYPE``, NotFoundError,
    ConflictError ``CREDENTIAL_EXISTS``); this function builds and signs the document.
    Also raises SchemaValidationError naming the bad field, DataModelError.
    """
    issuance = begin_issuance(
        home,
        issuer=issuer,
        type_name=type_name,
        subject=subject,
        now=now,
        valid_from=valid_from,
        valid_until=valid_until,
        with_status=with_status,
        credential_id=credential_id,
    )
    subject = dict(subject)
    if holder and "id" not in subject:
        subject["id"] = holder
    document = build_credential(
        issuance.credential_type.name,
        issuer=issuance.issuer.did,
        issuer_name=issuance.issuer.display_name,
        subject=subject,
        valid_from=issuance.valid_from,
        valid_until=valid_until,
        credential_id=issuance.credential_id,
    )
    holder_did = holder or subject_id(document)
    token, _ = sign_and_record(
        home,
        issuance,
        credential_format=VC_JWT_FORMAT,
        holder_did=holder_did,
        sign_with=lambda allocation: sign_document(home.base_url, issuance, document, allocation),
    )
    return IssuedCredential(
        issuance.credential_id,
        issuance.credential_type.name,
        VC_JWT_FORMAT,
        issuance.issuer.did,
        holder_did,
        token,
        document,
    )


def sign_document(
    base_url: str, issuance: Issuance, document: dict[str, Any], allocation: Allocation | None
) -> str:
    """The vc+jwt part of issuance: add ``credentialStatus`` for ``allocation`` to
    ``document`` (in place: the caller returns it), check the data model, sign."""
    if allocation is not None:
        document["credentialStatus"] = credential_status_entries(allocation, base_url)
    validate_credential(document)
    return sign_credential(document, issuance.signer, now=issuance.now)


def subject_id(document: dict[str, Any]) -> str | None:
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
                code=Code.UNSUPPORTED_PROPERTY,
            )
    _check_subset(credential.get("@context"), credential_type.contexts, "@context")
    if "issuer" in credential:
        given = credential["issuer"]
        given = given if isinstance(given, dict) else {"id": given}
        if given.get("id") != record.did:
            raise DataModelError(
                f"issuer must be {record.did}, the authenticated issuer",
                rule="oretrust-profile",
                code=Code.ISSUER_MISMATCH,
            )
        if set(given) - {"id", "name"} or given.get("name", record.display_name) != (
            record.display_name
        ):
            raise DataModelError(
                f"issuer may only carry id and the registered name {record.display_name!r}",
                rule="oretrust-profile",
                code=Code.UNSUPPORTED_PROPERTY,
            )
    schema = credential.get("credentialSchema")
    expected_schema = {"id": credential_type.schema_url(), "type": "JsonSchema"}
    if schema is not None and schema not in (expected_schema, [expected_schema]):
        raise DataModelError(
            f"credentialSchema must be {expected_schema} (or absent)",
            rule="oretrust-profile",
            code=Code.UNSUPPORTED_PROPERTY,
        )
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        raise DataModelError(
            "credentialSubject must be one object",
            rule="oretrust-profile",
            code=Code.INVALID_SUBJECT,
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
            code=Code.UNKNOWN_CREDENTIAL_TYPE,
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
            code=Code.UNSUPPORTED_PROPERTY,
        )


def _utc_time(credential: dict[str, Any], member: str) -> datetime | None:
    if member not in credential:
        return None
    moment = parse_datetime_stamp(credential[member], member)
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise DataModelError(
            f"{member} is out of range", rule="datetime-format", code=Code.DATA_MODEL_INVALID
        ) from exc
