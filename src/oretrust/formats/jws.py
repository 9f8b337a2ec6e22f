"""Compact JWS: the sharp tool under vc+jwt, vp+jwt and status-list tokens.

Internal module. Signing goes through a :class:`~oretrust.keys.Signer` (so a key may live in
an HSM); verification takes the *public JWK the caller chose* and derives the algorithm from
its key type, refusing any header ``alg`` that differs or is not allow-listed (RFC 8725).
Headers such as ``jku``, ``x5u`` and ``jwk`` are never used to find a key.

Anything parsed before its signature is checked lives in :class:`UnverifiedJws`. Parsing
refuses a header whose registered members (RFC 7515 §4.1) have the wrong JSON type — an
``alg`` that is an array, a ``kid`` that is an object — so no later step compares, hashes
or prints a value of a type it does not expect; and header and payload JSON nest no deeper
than :data:`~oretrust.encoding.MAX_JSON_DEPTH`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final, Protocol

from jwt.algorithms import get_default_algorithms

from oretrust.codes import Code
from oretrust.encoding import (
    MAX_JSON_DEPTH,
    b64url_decode,
    b64url_encode,
    json_object,
    json_object_from_b64url,
)
from oretrust.errors import InvalidCredentialError, MalformedTokenError
from oretrust.jwk import ALLOWED_ALGORITHMS, PublicKey, algorithm_for_jwk, public_key_from_jwk

__all__ = [
    "MAX_TOKEN_BYTES",
    "JwsSigner",
    "SignatureVerifier",
    "UnverifiedJws",
    "parse_compact",
    "sign_compact",
    "signature_verifier",
    "verify_signature",
]

#: Largest compact token accepted anywhere (a presentation of several credentials fits easily).
MAX_TOKEN_BYTES = 256 * 1024

#: The JSON type RFC 7515 §4.1 (and RFC 7797 for ``b64``) gives each registered header member.
#: ``crit`` is absent: oretrust understands no extension, so any ``crit`` is refused.
_HEADER_MEMBER_TYPES: Final[Mapping[str, type]] = {
    "alg": str,
    "kid": str,
    "typ": str,
    "cty": str,
    "jku": str,
    "x5u": str,
    "x5t": str,
    "x5t#S256": str,
    "jwk": dict,
    "x5c": list,
    "b64": bool,
}
_JSON_TYPE_NAMES: Final[Mapping[type, str]] = {
    str: "string",
    dict: "object",
    list: "array",
    bool: "boolean",
}


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
    signature: bytes = b""

    @property
    def signing_input(self) -> bytes:
        """What the signature covers: ``header.payload`` exactly as received."""
        return self.token.rpartition(".")[0].encode("ascii")

    def unverified_payload(self, *, max_depth: int = MAX_JSON_DEPTH) -> dict[str, Any]:
        """The payload as a JSON object (still unverified); raise MalformedTokenError
        (``TOKEN_TOO_DEEP`` past ``max_depth``)."""
        return json_object(self.unverified_payload_bytes, "JWS payload", max_depth=max_depth)


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


def parse_compact(
    token: str, *, max_bytes: int = MAX_TOKEN_BYTES, max_depth: int = MAX_JSON_DEPTH
) -> UnverifiedJws:
    """Split a compact JWS and decode header and payload bytes; raise MalformedTokenError.

    Codes: ``TOKEN_TOO_LARGE``, ``TOKEN_TOO_DEEP`` (a header nested past ``max_depth``),
    ``MALFORMED_TOKEN`` (parts, base64url, JSON, a header member of the wrong type, ``crit``).
    """
    if not isinstance(token, str):
        raise MalformedTokenError("a compact JWS must be a string")
    if len(token) > max_bytes:
        raise MalformedTokenError(
            f"token of {len(token)} bytes exceeds the {max_bytes}-byte limit",
            code=Code.TOKEN_TOO_LARGE,
        )
    token = token.strip()
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedTokenError("a compact JWS has exactly three dot-separated parts")
    header = _header(parts[0], max_depth)
    payload = b64url_decode(parts[1])
    signature = b64url_decode(parts[2])
    return UnverifiedJws(
        unverified_header=header, unverified_payload_bytes=payload, token=token,
        signature=signature,
    )  # fmt: skip


def _header(text: str, max_depth: int) -> dict[str, Any]:
    """The protected header of ``text``, checked (:func:`_check_header_types`); a copy each
    time. One issuer's tokens share a few headers, so a short one's reading is remembered."""
    if len(text) <= _MAX_REMEMBERED_HEADER:
        return dict(_remembered_header(text, max_depth))
    return _read_header(text, max_depth)


_MAX_REMEMBERED_HEADER = 512


@lru_cache(maxsize=1024)
def _remembered_header(text: str, max_depth: int) -> dict[str, Any]:
    """:func:`_read_header`, remembered (what it raises is not)."""
    return _read_header(text, max_depth)


def _read_header(text: str, max_depth: int) -> dict[str, Any]:
    header = json_object_from_b64url(text, "JWS header", max_depth=max_depth)
    _check_header_types(header)
    return header


def _check_header_types(header: Mapping[str, Any]) -> None:
    """Refuse a protected header whose registered members have the wrong JSON type, or that
    has ``crit`` (no extension is understood, and an empty ``crit`` is itself invalid).

    Every later step may then treat ``alg``, ``kid``, ``typ``, ``cty``… as strings when
    present; a hostile ``"alg": ["EdDSA"]`` is a MalformedTokenError, not a TypeError.
    """
    if "crit" in header:
        raise MalformedTokenError("JWS 'crit' header parameters are not supported")
    for name, expected in _HEADER_MEMBER_TYPES.items():
        if name in header and not isinstance(header[name], expected):
            raise MalformedTokenError(
                f"JWS header {name!r} must be a JSON {_JSON_TYPE_NAMES[expected]}, "
                f"not {_json_type_name(header[name])}"
            )


def _json_type_name(value: Any) -> str:
    """The JSON type of a parsed value, for error details (never the value itself)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)


def verify_signature(unverified: UnverifiedJws, public_jwk: dict[str, Any]) -> bytes:
    """Check the signature with ``public_jwk``; return the now-verified payload bytes.

    The accepted algorithm is the one the key type allows. Raises InvalidCredentialError with
    code ``ALGORITHM_NOT_ALLOWED`` or ``SIGNATURE_INVALID``.
    """
    return signature_verifier(unverified.unverified_header, public_jwk).verify(unverified)


@dataclass(frozen=True)
class SignatureVerifier:
    """A public key imported and its algorithm agreed with a protected header: what verifies
    every signature made under that header with that key (see :func:`signature_verifier`)."""

    algorithm: str
    key: PublicKey

    def verify(self, unverified: UnverifiedJws) -> bytes:
        """Check ``unverified``'s signature; return the now-verified payload bytes. Raises
        InvalidCredentialError ``SIGNATURE_INVALID``."""
        if not _ALGORITHMS[self.algorithm].verify(
            unverified.signing_input, self.key, unverified.signature
        ):
            raise InvalidCredentialError("signature does not verify", code=Code.SIGNATURE_INVALID)
        return unverified.unverified_payload_bytes


def signature_verifier(header: Mapping[str, Any], public_jwk: dict[str, Any]) -> SignatureVerifier:
    """The verifier of signatures made under ``header`` with ``public_jwk``: the header's
    ``alg`` must be allow-listed and be the one the key type allows. Raises
    InvalidCredentialError ``ALGORITHM_NOT_ALLOWED`` (InputError for an unusable key)."""
    header_alg = header.get("alg")
    if not isinstance(header_alg, str) or header_alg not in ALLOWED_ALGORITHMS:
        raise InvalidCredentialError(
            f"algorithm {header_alg!r:.40} is not allowed", code=Code.ALGORITHM_NOT_ALLOWED
        )
    key_alg = algorithm_for_jwk(public_jwk)
    if header_alg != key_alg:
        raise InvalidCredentialError(
            f"header alg {header_alg!r:.40} does not match the {key_alg} key",
            code=Code.ALGORITHM_NOT_ALLOWED,
        )
    return SignatureVerifier(key_alg, public_key_from_jwk(public_jwk))


#: pyjwt's implementations of the allow-listed algorithms (EdDSA, ES256…): the signature
#: check itself, without pyjwt's decoder — the token is already split and decoded, and
#: pyjwt's decoder re-checks the base64url alphabet character by character in Python (a
#: quarter of a whole verification's time, issue 13's profile).
_ALGORITHMS: Final = {
    name: algorithm
    for name, algorithm in get_default_algorithms().items()
    if name in ALLOWED_ALGORITHMS
}
