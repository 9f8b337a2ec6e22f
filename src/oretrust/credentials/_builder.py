"""Assemble the unsigned VC Data Model 2.0 credential for a credential type.

Pure: the identifier and the times are parameters. The result is the JSON that a signer
secures as ``vc+jwt`` (and, for UNTP types, what validates against the UNTP schema).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from oretrust.credentials._base import DID_PATTERN, SubjectModel
from oretrust.credentials._registry import SCHEMA_BASE_URL, CredentialType, get_credential_type
from oretrust.errors import SchemaValidationError

__all__ = ["build_credential", "xsd_datetime"]

_DID = re.compile(DID_PATTERN)


def xsd_datetime(value: datetime, field: str = "validFrom") -> str:
    """``value`` as an XML Schema dateTime in UTC, whole seconds: ``2026-11-23T12:00:00Z``.

    Raises SchemaValidationError (naming ``field``) for a naive datetime.
    """
    return _utc(value, field).replace(tzinfo=None).isoformat() + "Z"


def _utc(value: datetime, field: str) -> datetime:
    if not isinstance(value, datetime):
        raise SchemaValidationError(f"{field}: must be a datetime", field=field)
    if value.tzinfo is None or value.utcoffset() is None:
        raise SchemaValidationError(f"{field}: must be timezone-aware", field=field)
    return value.astimezone(UTC).replace(microsecond=0)


def _credential_id(value: str) -> str:
    prefix = "urn:uuid:"
    try:
        ok = (
            value.startswith(prefix)
            and str(uuid.UUID(value[len(prefix) :])) == value[len(prefix) :]
        )
    except (AttributeError, ValueError):
        ok = False
    if not ok:
        raise SchemaValidationError(
            "id: must be a urn:uuid: URN with a lower-case UUID", field="id"
        )
    return value


def _issuer(
    issuer: str | Mapping[str, Any], issuer_name: str | None, ctype: CredentialType
) -> str | dict[str, str]:
    if isinstance(issuer, str):
        issuer_id: object = issuer
        name: object = None
        id_field = "issuer"
    elif isinstance(issuer, Mapping):
        unknown = sorted(set(issuer) - {"id", "name"})
        if unknown:
            raise SchemaValidationError(
                f"issuer.{unknown[0]}: is not an allowed field", field=f"issuer.{unknown[0]}"
            )
        issuer_id, name, id_field = issuer.get("id"), issuer.get("name"), "issuer.id"
    else:
        raise SchemaValidationError("issuer: must be a DID or an object", field="issuer")
    if not isinstance(issuer_id, str) or not _DID.match(issuer_id):
        raise SchemaValidationError(f"{id_field}: must be a DID", field=id_field)
    if issuer_name is not None:
        if name is not None and name != issuer_name:
            raise SchemaValidationError(
                "issuer.name: differs from issuer_name", field="issuer.name"
            )
        name = issuer_name
    if name is None:
        if ctype.untp_type:
            raise SchemaValidationError(
                f"issuer.name: is required for a UNTP {ctype.untp_type}", field="issuer.name"
            )
        return issuer_id
    if not isinstance(name, str) or not name.strip():
        raise SchemaValidationError("issuer.name: must be a non-empty string", field="issuer.name")
    return {"id": issuer_id, "name": name}


def build_credential(
    type_name: str,
    *,
    issuer: str | Mapping[str, Any],
    subject: Mapping[str, Any] | SubjectModel,
    valid_from: datetime,
    valid_until: datetime | None,
    credential_id: str,
    issuer_name: str | None = None,
    schema_base_url: str = SCHEMA_BASE_URL,
) -> dict[str, Any]:
    """The unsigned VC Data Model 2.0 credential of type ``type_name``.

    ``issuer`` is a DID or ``{"id": DID, "name": ...}``; with ``issuer_name`` (or a name in
    the object) it becomes an object, which UNTP types require. ``credential_id`` must be a
    ``urn:uuid:``. Times must be timezone-aware; they are written in UTC without fractional
    seconds, and ``valid_until`` must be later than ``valid_from``. ``subject`` may be the
    type's model already parsed (:meth:`CredentialType.parse_subject`).

    Raises InputError ``UNKNOWN_CREDENTIAL_TYPE`` for an unknown type, and
    SchemaValidationError naming the field (``credentialSubject.…``, ``issuer.name``,
    ``validUntil``, ``id``) for anything else wrong.
    """
    ctype = get_credential_type(type_name)
    credential_subject = ctype.written_subject(subject)
    credential: dict[str, Any] = {
        "@context": list(ctype.contexts),
        "id": _credential_id(credential_id),
        "type": list(ctype.types),
        "issuer": _issuer(issuer, issuer_name, ctype),
        "validFrom": xsd_datetime(valid_from, "validFrom"),
    }
    if valid_until is not None:
        if _utc(valid_until, "validUntil") <= _utc(valid_from, "validFrom"):
            raise SchemaValidationError("validUntil: must be after validFrom", field="validUntil")
        credential["validUntil"] = xsd_datetime(valid_until, "validUntil")
    credential["credentialSchema"] = {"id": ctype.schema_url(schema_base_url), "type": "JsonSchema"}
    credential["credentialSubject"] = credential_subject
    return credential
