"""Public JSON Web Keys: import, export, RFC 7638 thumbprints, and the algorithm allow-list.

Only public keys pass through here. The algorithm used to verify a signature is derived from
the *key type* and checked against :data:`ALLOWED_ALGORITHMS` — never taken from a token
header alone (RFC 8725 §3.1).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from oretrust.codes import Code
from oretrust.encoding import b64url_decode, b64url_encode, canonical_json
from oretrust.errors import InputError, MalformedTokenError

__all__ = [
    "ALLOWED_ALGORITHMS",
    "PublicKey",
    "algorithm_for_jwk",
    "is_signing_jwk",
    "public_jwk",
    "public_key_from_jwk",
    "thumbprint",
]

PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey

#: Signature algorithms oretrust accepts, by JOSE name. No ``none``, no HMAC.
ALLOWED_ALGORITHMS: frozenset[str] = frozenset({"EdDSA", "ES256", "ES384", "ES512"})

_EC_CURVES: dict[str, tuple[ec.EllipticCurve, str, int]] = {
    "P-256": (ec.SECP256R1(), "ES256", 32),
    "P-384": (ec.SECP384R1(), "ES384", 48),
    "P-521": (ec.SECP521R1(), "ES512", 66),
}
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "k"})


def algorithm_for_jwk(jwk: dict[str, Any]) -> str:
    """Return the one JOSE algorithm allowed for this key type; raise InputError otherwise."""
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "OKP" and crv == "Ed25519":
        return "EdDSA"
    if kty == "EC" and isinstance(crv, str) and crv in _EC_CURVES:
        return _EC_CURVES[crv][1]
    raise InputError(
        f"unsupported signing key type kty={kty!r} crv={crv!r}", code=Code.UNSUPPORTED_KEY
    )


def is_signing_jwk(jwk: dict[str, Any]) -> bool:
    """True when the JWK may verify signatures: a supported curve and not ``use: enc``."""
    if jwk.get("use") not in (None, "sig"):
        return False
    key_ops = jwk.get("key_ops")
    if key_ops is not None and "verify" not in key_ops:
        return False
    try:
        algorithm_for_jwk(jwk)
    except InputError:
        return False
    return True


def public_key_from_jwk(jwk: dict[str, Any]) -> PublicKey:
    """Import a public JWK (Ed25519 or NIST EC). Refuses JWKs carrying private members.

    Remembered for JWKs whose members are all strings (all of them in practice): importing an
    EC point validates it, which costs more than verifying a signature, and every
    verification imports its signer's key. A public key is public, so remembering it is
    safe; the memory is bounded, and what raises is not remembered."""
    if isinstance(jwk, dict) and all(isinstance(v, str) for v in jwk.values()):
        return _remembered_key(tuple(sorted(jwk.items())))
    return _import_jwk(jwk)


@lru_cache(maxsize=1024)
def _remembered_key(members: tuple[tuple[str, str], ...]) -> PublicKey:
    return _import_jwk(dict(members))


def _import_jwk(jwk: dict[str, Any]) -> PublicKey:
    if not isinstance(jwk, dict):
        raise InputError("a JWK must be a JSON object", code=Code.UNSUPPORTED_KEY)
    if _PRIVATE_MEMBERS & jwk.keys():
        raise InputError(
            "a public JWK must not contain private key members", code=Code.PRIVATE_KEY_EXPOSED
        )
    algorithm_for_jwk(jwk)
    try:
        if jwk["kty"] == "OKP":
            return ed25519.Ed25519PublicKey.from_public_bytes(_coordinate(jwk, "x", 32))
        curve, _, size = _EC_CURVES[jwk["crv"]]
        x = int.from_bytes(_coordinate(jwk, "x", size), "big")
        y = int.from_bytes(_coordinate(jwk, "y", size), "big")
        return ec.EllipticCurvePublicNumbers(x, y, curve).public_key()
    except (ValueError, MalformedTokenError) as exc:
        raise InputError(f"invalid public key: {exc}", code=Code.UNSUPPORTED_KEY) from exc


def public_jwk(key: PublicKey) -> dict[str, str]:
    """Export a public key as a minimal JWK (no ``kid``, no private members)."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}
    for name, (curve, _, size) in _EC_CURVES.items():
        if key.curve.name == curve.name:
            numbers = key.public_numbers()
            return {
                "kty": "EC",
                "crv": name,
                "x": b64url_encode(numbers.x.to_bytes(size, "big")),
                "y": b64url_encode(numbers.y.to_bytes(size, "big")),
            }
    raise InputError(f"unsupported curve {key.curve.name}", code=Code.UNSUPPORTED_KEY)


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url) over the key type's required members."""
    required = {"OKP": ("crv", "kty", "x"), "EC": ("crv", "kty", "x", "y")}.get(jwk.get("kty", ""))
    if required is None:
        raise InputError(f"cannot thumbprint kty={jwk.get('kty')!r}", code=Code.UNSUPPORTED_KEY)
    members = {name: jwk[name] for name in required}
    return b64url_encode(hashlib.sha256(canonical_json(members)).digest())


def _coordinate(jwk: dict[str, Any], name: str, size: int) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise ValueError(f"member {name!r} missing")
    raw = b64url_decode(value)
    if len(raw) != size:
        raise ValueError(f"member {name!r} has {len(raw)} bytes, expected {size}")
    return raw
