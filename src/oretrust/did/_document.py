"""DID document shapes shared by every method, and choosing the key that may verify a signature.

A DID document is untrusted data until a key has been chosen from it under the rules below, so
:func:`signing_method` (and :func:`signing_jwk`, its key) is the one place where a ``kid`` from
a token header becomes a public key:

* the ``kid`` must be a DID URL of the document's own DID (a key of another DID is refused);
* the key must be listed — by reference or embedded — under the requested verification
  relationship (``assertionMethod`` for credentials), not merely present in the document;
* the JWK must be a signing key on our allow-list (``use: enc`` and X25519 are refused).
"""

from __future__ import annotations

from typing import Any

from oretrust.codes import Code
from oretrust.errors import InputError, InvalidCredentialError
from oretrust.jwk import is_signing_jwk, public_key_from_jwk

__all__ = [
    "DID_CONTEXT",
    "JWK_CONTEXT",
    "RELATIONSHIPS",
    "SIGNING_RELATIONSHIPS",
    "jwk_verification_method",
    "signing_jwk",
    "signing_method",
    "split_did_url",
]

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
#: Defines the ``JsonWebKey`` verification method type (W3C Controlled Identifiers 1.0).
JWK_CONTEXT = "https://w3id.org/security/jwk/v1"

#: Relationships under which a key may sign (everything except ``keyAgreement``).
SIGNING_RELATIONSHIPS: tuple[str, ...] = (
    "assertionMethod",
    "authentication",
    "capabilityInvocation",
    "capabilityDelegation",
)
RELATIONSHIPS: tuple[str, ...] = (*SIGNING_RELATIONSHIPS, "keyAgreement")
_JWK_METHOD_TYPES = frozenset({"JsonWebKey", "JsonWebKey2020"})


def jwk_verification_method(method_id: str, controller: str, jwk: dict[str, Any]) -> dict[str, Any]:
    """Build a ``JsonWebKey`` verification method holding a copy of the public ``jwk``."""
    return {
        "id": method_id,
        "type": "JsonWebKey",
        "controller": controller,
        "publicKeyJwk": dict(jwk),
    }


def split_did_url(did_url: str) -> tuple[str, str]:
    """Split ``did:x:y#frag`` into ``("did:x:y", "frag")``; the fragment may be empty."""
    did, _, fragment = did_url.partition("#")
    return did, fragment


def signing_method(
    document: dict[str, Any], kid: str, relationship: str = "assertionMethod"
) -> dict[str, Any]:
    """Return (a copy of) the verification method ``kid`` names in ``document`` for
    ``relationship``, once its ``publicKeyJwk`` has passed every rule of :func:`signing_jwk`.

    The whole method matters beyond its key: its ``revoked`` time says since when signatures
    by it are not to be trusted, whether it is referenced or embedded under ``relationship``.
    Raises as :func:`signing_jwk`.
    """
    if relationship not in SIGNING_RELATIONSHIPS:
        raise InputError(f"{relationship!r} is not a signing verification relationship")
    doc_id = document.get("id")
    # A DID, or an HTTPS URL for a controller document (VC-JOSE-COSE allows both).
    if not isinstance(doc_id, str) or not doc_id.startswith(("did:", "https://")):
        raise InvalidCredentialError("DID document has no valid id", code=Code.DID_DOCUMENT_INVALID)
    absolute = _absolute(doc_id, kid)
    method = _listed_method(document, doc_id, absolute, relationship)
    if method.get("type") not in _JWK_METHOD_TYPES or not isinstance(
        method.get("publicKeyJwk"), dict
    ):
        raise InvalidCredentialError(
            f"verification method {absolute} is not a JsonWebKey", code=Code.KEY_UNSUPPORTED
        )
    jwk: dict[str, Any] = dict(method["publicKeyJwk"])
    if not is_signing_jwk(jwk):
        raise InvalidCredentialError(
            f"key {absolute} is not a signing key on the allow-list", code=Code.KEY_NOT_FOR_SIGNING
        )
    try:
        public_key_from_jwk(jwk)
    except InputError as exc:
        raise InvalidCredentialError(
            f"key {absolute}: {exc.detail}", code=Code.KEY_INVALID
        ) from exc
    return {**method, "publicKeyJwk": jwk}


def signing_jwk(
    document: dict[str, Any], kid: str, relationship: str = "assertionMethod"
) -> dict[str, Any]:
    """Return the public JWK that ``kid`` names in ``document`` for ``relationship``.

    ``kid`` is absolute (``did:web:x#key-1``) or relative (``#key-1``). Raises
    :class:`InvalidCredentialError` with code ``KID_INVALID`` (no fragment),
    ``KID_NOT_IN_ISSUER_DID`` (another DID's key), ``KEY_NOT_AUTHORIZED`` (not listed under
    ``relationship``), ``KID_NOT_FOUND`` (referenced but not defined), ``KEY_UNSUPPORTED``
    (not a JsonWebKey), ``KEY_NOT_FOR_SIGNING`` (``use: enc``, X25519, …) or ``KEY_INVALID``;
    :class:`InputError` for an unknown or non-signing ``relationship``.
    """
    jwk: dict[str, Any] = signing_method(document, kid, relationship)["publicKeyJwk"]
    return jwk


def _absolute(doc_id: str, kid: str) -> str:
    if not isinstance(kid, str):
        raise InvalidCredentialError("kid must be a string", code=Code.KID_INVALID)
    did, fragment = split_did_url(kid)
    if not fragment:
        raise InvalidCredentialError(
            f"kid {kid!r} is not a DID URL with a fragment", code=Code.KID_INVALID
        )
    if did == "":
        return f"{doc_id}#{fragment}"
    if did != doc_id:
        raise InvalidCredentialError(
            f"kid {kid!r} does not belong to {doc_id}", code=Code.KID_NOT_IN_ISSUER_DID
        )
    return kid


def _listed_method(
    document: dict[str, Any], doc_id: str, absolute: str, relationship: str
) -> dict[str, Any]:
    """Find ``absolute`` under ``relationship``, dereferencing into ``verificationMethod``."""
    entries = document.get(relationship, [])
    if not isinstance(entries, list):
        entries = []
    for entry in entries:
        if isinstance(entry, str) and _resolve_ref(doc_id, entry) == absolute:
            return _defined_method(document, doc_id, absolute)
        if isinstance(entry, dict) and _resolve_ref(doc_id, entry.get("id")) == absolute:
            return entry
    raise InvalidCredentialError(
        f"key {absolute} is not listed under {relationship}", code=Code.KEY_NOT_AUTHORIZED
    )


def _defined_method(document: dict[str, Any], doc_id: str, absolute: str) -> dict[str, Any]:
    methods = document.get("verificationMethod", [])
    for method in methods if isinstance(methods, list) else []:
        if isinstance(method, dict) and _resolve_ref(doc_id, method.get("id")) == absolute:
            return method
    raise InvalidCredentialError(
        f"verification method {absolute} not found", code=Code.KID_NOT_FOUND
    )


def _resolve_ref(doc_id: str, ref: object) -> str | None:
    if not isinstance(ref, str):
        return None
    return f"{doc_id}{ref}" if ref.startswith("#") else ref
