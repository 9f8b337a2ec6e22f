"""Compact JWS: the sharp tool under vc+jwt, vp+jwt and status-list tokens.

Internal module. Signing goes through a :class:`~oretrust.keys.Signer` (so a key may live in
an HSM); verification takes the *public JWK the caller chose* and derives the algorithm from
its key type, refusing any header ``alg`` that differs or is not allow-listed (RFC 8725).
Headers such as ``jku``, ``x5u`` and ``jwk`` are never used to find a key.

Anything parsed before its signature is checked lives in :class:`UnverifiedJws`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

import jwt
from jwt.exceptions import InvalidSignatureError, InvalidTokenError

from oretrust.encoding import b64url_decode, b64url_encode, json_object, json_object_from_b64url
from oretrust.errors import InvalidCredentialError, MalformedTokenError
from oretrust.jwk import ALLOWED_ALGORITHMS, algorithm_for_jwk, public_key_from_jwk

__all__ = [
    "MAX_TOKEN_BYTES",
    "JwsSigner",
    "UnverifiedJws",
    "parse_compact",
    "sign_compact",
    "verify_signature",
]

#: Largest compact token accepted anywhere (a presentation of several credentials fits easily).
MAX_TOKEN_BYTES = 256 * 1024


class JwsSigner(Protocol):
    """What JWS signing needs from a key: see :class:`oretrust.keys.Signer`."""

    @property
    def algorithm(self) -> str: ...

    @property
    def kid(self) -> str: ...

    def sign(self, message: bytes) -> bytes: ...


@dataclass(frozen=True)
class UnverifiedJws:
    """A compact JWS split and decoded, its signature NOT yet checked."""

    unverified_header: dict[str, Any]
    unverified_payload_bytes: bytes
    token: str

    def unverified_payload(self) -> dict[str, Any]:
        """The payload as a JSON object (still unverified); raise MalformedTokenError."""
        return json_object(self.unverified_payload_bytes, "JWS payload")


def sign_compact(header: dict[str, Any], payload: bytes, signer: JwsSigner) -> str:
    """Sign ``payload``; ``alg`` and ``kid`` come from the signer, never from the caller."""
    protected = {**header, "alg": signer.algorithm, "kid": signer.kid}
    signing_input = (
        b64url_encode(json.dumps(protected, separators=(",", ":")).encode())
        + "."
        + b64url_encode(payload)
    )
    signature = signer.sign(signing_input.encode("ascii"))
    return signing_input + "." + b64url_encode(signature)


def parse_compact(token: str, *, max_bytes: int = MAX_TOKEN_BYTES) -> UnverifiedJws:
    """Split a compact JWS and decode header and payload; raise MalformedTokenError."""
    if not isinstance(token, str):
        raise MalformedTokenError("a compact JWS must be a string")
    if len(token) > max_bytes:
        raise MalformedTokenError(
            f"token of {len(token)} bytes exceeds the {max_bytes}-byte limit",
            code="TOKEN_TOO_LARGE",
        )
    token = token.strip()
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedTokenError("a compact JWS has exactly three dot-separated parts")
    header = json_object_from_b64url(parts[0], "JWS header")
    payload = b64url_decode(parts[1])
    b64url_decode(parts[2])
    if header.get("crit"):
        raise MalformedTokenError("JWS 'crit' header parameters are not supported")
    return UnverifiedJws(unverified_header=header, unverified_payload_bytes=payload, token=token)


def verify_signature(unverified: UnverifiedJws, public_jwk: dict[str, Any]) -> bytes:
    """Check the signature with ``public_jwk``; return the now-verified payload bytes.

    The accepted algorithm is the one the key type allows. Raises InvalidCredentialError with
    code ``ALGORITHM_NOT_ALLOWED`` or ``SIGNATURE_INVALID``.
    """
    header_alg = unverified.unverified_header.get("alg")
    if header_alg not in ALLOWED_ALGORITHMS:
        raise InvalidCredentialError(
            f"algorithm {header_alg!r} is not allowed", code="ALGORITHM_NOT_ALLOWED"
        )
    key_alg = algorithm_for_jwk(public_jwk)
    if header_alg != key_alg:
        raise InvalidCredentialError(
            f"header alg {header_alg!r} does not match the {key_alg} key",
            code="ALGORITHM_NOT_ALLOWED",
        )
    key = public_key_from_jwk(public_jwk)
    try:
        jwt.api_jws.PyJWS().decode_complete(unverified.token, key=key, algorithms=[key_alg])
    except InvalidSignatureError as exc:
        raise InvalidCredentialError("signature does not verify", code="SIGNATURE_INVALID") from exc
    except InvalidTokenError as exc:
        raise InvalidCredentialError(f"JWS rejected: {exc}", code="SIGNATURE_INVALID") from exc
    return unverified.unverified_payload_bytes
