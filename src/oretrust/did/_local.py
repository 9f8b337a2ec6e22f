"""did:jwk and did:key: methods whose DID *is* the key, so they resolve with no network.

did:jwk (https://github.com/quartzjer/did-jwk): the method-specific id is the base64url of the
public JWK's JSON; the single verification method is ``<did>#0``. A JWK with ``use: "enc"``
appears **only** under ``keyAgreement`` so it can never be taken for a signing key; ``use:
"sig"`` excludes ``keyAgreement``.

did:key (W3C CCG did:key 0.7): ``z`` + base58btc(multicodec varint ‖ public key). Ed25519
(0xed) and compressed NIST points P-256/P-384/P-521 (0x1200-0x1202) are supported; an Ed25519
key also gets the X25519 ``keyAgreement`` key derived from it, as the spec describes.
secp256k1 is refused: ES256K is not on our algorithm allow-list.
"""

from __future__ import annotations

import json
import re
from typing import Any

import base58
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from oretrust.codes import Code
from oretrust.did._document import (
    DID_CONTEXT,
    JWK_CONTEXT,
    RELATIONSHIPS,
    SIGNING_RELATIONSHIPS,
    jwk_verification_method,
)
from oretrust.encoding import b64url_encode, json_object_from_b64url
from oretrust.errors import InputError, MalformedTokenError, ResolutionError
from oretrust.jwk import public_jwk

__all__ = ["create_did_jwk", "resolve_did_jwk", "resolve_did_key"]

_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "k", "oth"})
_B64URL_ID = re.compile(r"^did:jwk:([A-Za-z0-9_-]+)$")
_BASE58_ID = re.compile(r"^did:key:(z[1-9A-HJ-NP-Za-km-z]+)$")
_MAX_DID_LENGTH = 4096

_ED25519, _X25519, _SECP256K1 = 0xED, 0xEC, 0xE7
_EC_CODECS: dict[int, tuple[ec.EllipticCurve, int]] = {
    0x1200: (ec.SECP256R1(), 33),
    0x1201: (ec.SECP384R1(), 49),
    0x1202: (ec.SECP521R1(), 67),
}
_P25519 = 2**255 - 19


def create_did_jwk(jwk: dict[str, Any]) -> str:
    """Return ``did:jwk:`` + base64url of the JWK's compact JSON (keys sorted, so stable).

    Raises :class:`InputError` when ``jwk`` is not an object with a ``kty`` or carries private
    key members — a private key must never end up inside an identifier.
    """
    _check_public_jwk(jwk, InputError)
    body = json.dumps(jwk, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "did:jwk:" + b64url_encode(body.encode())


def resolve_did_jwk(did: str) -> dict[str, Any]:
    """Resolve a did:jwk locally; raise ResolutionError(code="INVALID_DID") if malformed."""
    match = _B64URL_ID.match(did) if len(did) <= _MAX_DID_LENGTH else None
    if match is None:
        raise ResolutionError(f"not a valid did:jwk: {did[:80]!r}", code=Code.INVALID_DID)
    try:
        jwk = json_object_from_b64url(match.group(1), "did:jwk key")
    except MalformedTokenError as exc:
        raise ResolutionError(
            f"did:jwk does not encode a JWK: {exc}", code=Code.INVALID_DID
        ) from exc
    _check_public_jwk(jwk, ResolutionError)
    use = jwk.get("use")
    if use == "enc":
        relationships: tuple[str, ...] = ("keyAgreement",)
    elif use == "sig":
        relationships = SIGNING_RELATIONSHIPS
    elif use is None:
        relationships = RELATIONSHIPS
    else:
        raise ResolutionError(f"did:jwk key has unknown use {use!r}", code=Code.INVALID_DID)
    method_id = f"{did}#0"
    document = _document(did, [jwk_verification_method(method_id, did, jwk)])
    for name in relationships:
        document[name] = [method_id]
    return document


def resolve_did_key(did: str) -> dict[str, Any]:
    """Resolve a did:key locally to a document of ``JsonWebKey`` verification methods.

    Raises ResolutionError with code ``INVALID_DID`` (bad encoding or key bytes) or
    ``DID_KEY_UNSUPPORTED`` (secp256k1 or any other key type we do not accept).
    """
    match = _BASE58_ID.match(did) if len(did) <= _MAX_DID_LENGTH else None
    if match is None:
        raise ResolutionError(f"not a valid did:key: {did[:80]!r}", code=Code.INVALID_DID)
    multibase = match.group(1)
    codec, key = _split_multicodec(base58.b58decode(multibase[1:]))
    method_id = f"{did}#{multibase}"
    if codec == _X25519:
        jwk = _x25519_jwk(key)
        document = _document(did, [jwk_verification_method(method_id, did, jwk)])
        document["keyAgreement"] = [method_id]
        return document
    jwk = _signing_jwk_from_key_bytes(codec, key)
    methods = [jwk_verification_method(method_id, did, jwk)]
    agreement: list[str] = []
    if codec == _ED25519:
        x_key = _ed25519_to_x25519(key)
        x_id = f"{did}#z" + base58.b58encode(bytes([_X25519, 0x01]) + x_key).decode()
        methods.append(jwk_verification_method(x_id, did, _x25519_jwk(x_key)))
        agreement.append(x_id)
    document = _document(did, methods)
    for name in SIGNING_RELATIONSHIPS:
        document[name] = [method_id]
    if agreement:
        document["keyAgreement"] = agreement
    return document


def _document(did: str, methods: list[dict[str, Any]]) -> dict[str, Any]:
    return {"@context": [DID_CONTEXT, JWK_CONTEXT], "id": did, "verificationMethod": methods}


def _check_public_jwk(jwk: object, error: type[InputError] | type[ResolutionError]) -> None:
    if not isinstance(jwk, dict) or not isinstance(jwk.get("kty"), str):
        raise error("a JWK must be a JSON object with a kty", code=Code.INVALID_DID)
    if _PRIVATE_MEMBERS & jwk.keys():
        raise error("a DID must never carry private key members", code=Code.PRIVATE_KEY_EXPOSED)


def _split_multicodec(data: bytes) -> tuple[int, bytes]:
    """Read the unsigned-varint multicodec prefix (at most 3 bytes here)."""
    value = 0
    for index, byte in enumerate(data[:3]):
        value |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            return value, data[index + 1 :]
    raise ResolutionError("did:key has no valid multicodec prefix", code=Code.INVALID_DID)


def _signing_jwk_from_key_bytes(codec: int, key: bytes) -> dict[str, str]:
    try:
        if codec == _ED25519 and len(key) == 32:
            return public_jwk(ed25519.Ed25519PublicKey.from_public_bytes(key))
        if codec in _EC_CODECS:
            curve, size = _EC_CODECS[codec]
            if len(key) != size or key[0] not in (2, 3):
                raise ValueError(f"expected a {size}-byte compressed point")
            return public_jwk(ec.EllipticCurvePublicKey.from_encoded_point(curve, key))
    except (ValueError, UnsupportedAlgorithm, InputError) as exc:
        raise ResolutionError(
            f"did:key holds an invalid key: {exc}", code=Code.INVALID_DID
        ) from exc
    if codec == _SECP256K1:
        raise ResolutionError(
            "did:key secp256k1 keys are not supported: ES256K is not on the algorithm allow-list",
            code=Code.DID_KEY_UNSUPPORTED,
        )
    if codec == _ED25519:
        raise ResolutionError("did:key Ed25519 key must be 32 bytes", code=Code.INVALID_DID)
    raise ResolutionError(
        f"did:key multicodec 0x{codec:x} is not supported", code=Code.DID_KEY_UNSUPPORTED
    )


def _x25519_jwk(key: bytes) -> dict[str, str]:
    if len(key) != 32:
        raise ResolutionError("did:key X25519 key must be 32 bytes", code=Code.INVALID_DID)
    return {"kty": "OKP", "crv": "X25519", "x": b64url_encode(key)}


def _ed25519_to_x25519(key: bytes) -> bytes:
    """Birational map Edwards y → Montgomery u = (1 + y) / (1 - y) mod p (RFC 7748 §4.1)."""
    y = int.from_bytes(key, "little") & ((1 << 255) - 1)
    if y >= _P25519 or y == 1:
        raise ResolutionError("did:key Ed25519 key is not a valid point", code=Code.INVALID_DID)
    u = (1 + y) * pow(1 - y, -1, _P25519) % _P25519
    return u.to_bytes(32, "little")
