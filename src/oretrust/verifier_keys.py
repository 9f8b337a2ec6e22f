"""Key steps both verifier paths share (vc+jwt and SD-JWT VC): which key a ``kid`` names, whether
a key was compromised before the signature, whether a DID controls a given key.

Pure: each function reads a DID document it is handed and records its outcome on a
:class:`~oretrust.report.VerificationReport`; none resolves anything or reads the clock.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from oretrust.did import signing_jwk
from oretrust.errors import OreTrustError
from oretrust.jwk import thumbprint
from oretrust.report import VerificationReport
from oretrust.verification_checks import parse_datetime

__all__ = [
    "absolute_kid",
    "check_key_not_compromised",
    "controls_key",
    "method_by_id",
    "same_key",
]


def absolute_kid(kid: Any, controller: str, report: VerificationReport) -> str | None:
    """``kid`` as an absolute DID URL of ``controller``; None (check ``kid`` failed) when it is
    missing or belongs to another DID."""
    if not isinstance(kid, str) or not kid:
        report.failed("kid", "KID_MISSING", "the protected header has no 'kid'")
        return None
    if kid.startswith("#"):
        return controller + kid
    if "#" not in kid and not kid.startswith("did:"):
        return f"{controller}#{kid}"
    if kid.split("#", 1)[0] != controller:
        report.failed("kid", "KID_NOT_IN_ISSUER_DID", f"kid {kid} does not belong to {controller}")
        return None
    return kid


def method_by_id(document: dict[str, Any], kid: str) -> dict[str, Any] | None:
    """The verification method ``kid`` names in ``document`` (absolute or relative id)."""
    for method in _as_list(document.get("verificationMethod", [])):
        if isinstance(method, dict) and method.get("id") in (kid, "#" + kid.split("#", 1)[-1]):
            return method
    return None


def check_key_not_compromised(
    method: dict[str, Any] | None, payload: dict[str, Any], report: VerificationReport
) -> None:
    """Record ``key_validity`` when the key carries a ``revoked`` time: failed
    (``KEY_COMPROMISED``) unless the token was signed (``iat``, else ``validFrom``) before it."""
    revoked = (method or {}).get("revoked")
    if not isinstance(revoked, str):
        return
    compromised_at = parse_datetime(revoked)
    signed_at = payload.get("iat")
    signed = (
        datetime.fromtimestamp(signed_at, tz=UTC)
        if isinstance(signed_at, int | float)
        else parse_datetime(str(payload.get("validFrom", "")))
    )
    if compromised_at is None or signed is None or signed >= compromised_at:
        report.failed(
            "key_validity", "KEY_COMPROMISED", f"signing key was marked compromised as of {revoked}"
        )
    else:
        report.passed("key_validity", f"signed before the key was compromised ({revoked})")


def same_key(left: dict[str, Any], right: dict[str, Any]) -> bool:
    """Whether two public JWKs are the same key (RFC 7638 thumbprints); False if unusable."""
    try:
        return thumbprint(left) == thumbprint(right)
    except (OreTrustError, KeyError, TypeError):
        return False


def controls_key(document: dict[str, Any], jwk: dict[str, Any]) -> bool:
    """Whether ``jwk`` is one of the keys listed under ``authentication`` in ``document``."""
    for entry in _as_list(document.get("authentication", [])):
        method_id = entry.get("id") if isinstance(entry, dict) else entry
        if not isinstance(method_id, str):
            continue
        try:
            candidate = signing_jwk(document, method_id, "authentication")
        except OreTrustError:
            continue
        if same_key(candidate, jwk):
            return True
    return False


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
