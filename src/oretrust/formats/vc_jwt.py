"""VC Data Model 2.0 secured with JOSE: ``vc+jwt`` credentials and ``vp+jwt`` presentations.

The JWS payload *is* the credential (no ``vc``/``vp`` wrapper claim). Protected headers are
``alg``, ``kid`` (a DID URL), ``typ: vc+jwt`` / ``vp+jwt`` and ``cty: vc`` / ``vp``. Beside
the credential the payload may carry JWT registered claims; oretrust adds a numeric ``iat``
(when the signature was made) and ``iss`` equal to the issuer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from oretrust.errors import DataModelError
from oretrust.formats.jws import JwsSigner, sign_compact
from oretrust.formats.vcdm import (
    CREDENTIALS_V2_CONTEXT,
    ENVELOPED_CREDENTIAL,
    EnvelopeType,
    validate_enveloped,
)

__all__ = [
    "CREDENTIALS_V2_CONTEXT",
    "ENVELOPED_PREFIX",
    "VC_JWT_MEDIA_TYPE",
    "VP_JWT_MEDIA_TYPE",
    "envelope",
    "issuer_id",
    "sign_credential",
    "sign_presentation",
    "unwrap_envelope",
]

VC_JWT_MEDIA_TYPE = "application/vc+jwt"
VP_JWT_MEDIA_TYPE = "application/vp+jwt"
ENVELOPED_PREFIX = f"data:{VC_JWT_MEDIA_TYPE},"


def issuer_id(credential: dict[str, Any]) -> str:
    """The issuer's identifier: ``issuer`` as a string or ``issuer.id``."""
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    if not isinstance(issuer, str) or not issuer:
        raise DataModelError("credential has no issuer identifier", rule="issuer-url")
    return issuer


def sign_credential(credential: dict[str, Any], signer: JwsSigner, *, now: datetime) -> str:
    """Secure a (validated) credential as ``vc+jwt``; ``iat`` is ``now``, ``iss`` the issuer."""
    payload = {**credential, "iss": issuer_id(credential), "iat": int(now.timestamp())}
    if "id" in credential:
        payload["jti"] = credential["id"]
    header = {"typ": "vc+jwt", "cty": "vc"}
    return sign_compact(header, _json_bytes(payload), signer)


def envelope(token: str, media_type: str = VC_JWT_MEDIA_TYPE) -> dict[str, Any]:
    """An ``EnvelopedVerifiableCredential`` carrying ``token`` (a vc+jwt unless ``media_type``
    says otherwise) as a ``data:`` URL."""
    return {
        "@context": CREDENTIALS_V2_CONTEXT,
        "id": f"data:{media_type},{token}",
        "type": "EnvelopedVerifiableCredential",
    }


def unwrap_envelope(
    entry: Any, envelope_type: EnvelopeType = ENVELOPED_CREDENTIAL
) -> tuple[str, str]:
    """Split an ``EnvelopedVerifiableCredential`` (or, with ``envelope_type``, an
    ``EnvelopedVerifiablePresentation``) into (media type, secured text).

    Whoever calls this gets the token only from an entry VC DM 2.0 §4.13 allows: an object
    (``vp-vc-object``) of that type (``vp-enveloped``) whose ``@context`` starts with the v2
    context (``context-required``, ``context-first``, see
    :func:`~oretrust.formats.vcdm.validate_enveloped`) and whose ``id`` is a ``data:`` URL of
    an ``application/...`` media type (``vp-enveloped-id``). Raises DataModelError.
    """
    if not isinstance(entry, dict):
        raise DataModelError("verifiableCredential entries must be objects", rule="vp-vc-object")
    types = entry.get("type")
    types = [types] if isinstance(types, str) else types
    if not isinstance(types, list) or envelope_type not in types:
        raise DataModelError(f"only {envelope_type} entries are accepted here", rule="vp-enveloped")
    validate_enveloped(entry, envelope_type)
    ident = entry["id"]  # a data: URL string: validate_enveloped checked it
    if not ident.startswith("data:application/") or "," not in ident:
        raise DataModelError(
            "an enveloped id must be a data: URL such as data:application/vc+jwt,<jwt>",
            rule="vp-enveloped-id",
        )
    media_type, _, content = ident[len("data:") :].partition(",")
    return media_type, content


def sign_presentation(
    credentials: Sequence[str | tuple[str, str]],
    signer: JwsSigner,
    *,
    holder: str,
    nonce: str,
    audience: str,
    now: datetime,
    lifetime_seconds: int = 300,
    presentation_id: str | None = None,
) -> str:
    """Build and sign a ``vp+jwt`` bound to the verifier's ``nonce`` and ``audience``.

    Each credential is a vc+jwt, or a ``(media type, credential)`` pair for another format
    (``("application/dc+sd-jwt", "<sd-jwt>~<disclosures>~")``).
    """
    issued_at = int(now.timestamp())
    payload: dict[str, Any] = {
        "@context": [CREDENTIALS_V2_CONTEXT],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": [
            envelope(entry) if isinstance(entry, str) else envelope(entry[1], entry[0])
            for entry in credentials
        ],
        "iss": holder,
        "aud": audience,
        "nonce": nonce,
        "iat": issued_at,
        "exp": issued_at + lifetime_seconds,
    }
    if presentation_id:
        payload["id"] = presentation_id
        payload["jti"] = presentation_id
    header = {"typ": "vp+jwt", "cty": "vp"}
    return sign_compact(header, _json_bytes(payload), signer)


def _json_bytes(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
