"""Key steps both verifier paths share (vc+jwt and SD-JWT VC): which key a ``kid`` names in the
signer's DID document, whether a key was compromised before the signature, whether a DID
controls a given key.

Each function records its outcome on a :class:`~oretrust.report.VerificationReport`; none reads
the clock. Only :func:`resolve_signing_method` does I/O, through the resolver it is handed.
"""

from __future__ import annotations

from typing import Any

from oretrust.codes import CheckId, Code
from oretrust.did import DidResolver, signing_jwk, signing_method
from oretrust.errors import OreTrustError
from oretrust.formats.dates import numeric_date, parse_datetime
from oretrust.formats.vcdm import as_list
from oretrust.jwk import thumbprint
from oretrust.report import VerificationReport

__all__ = [
    "absolute_kid",
    "check_key_not_compromised",
    "controls_key",
    "resolve_signing_method",
    "same_key",
]


def absolute_kid(kid: Any, controller: str, report: VerificationReport) -> str | None:
    """``kid`` as an absolute DID URL of ``controller``; None (check ``kid`` failed) when it is
    missing or belongs to another DID."""
    if not isinstance(kid, str) or not kid:
        report.failed(CheckId.KID, Code.KID_MISSING, "the protected header has no 'kid'")
        return None
    if kid.startswith("#"):
        return controller + kid
    if "#" not in kid and not kid.startswith("did:"):
        return f"{controller}#{kid}"
    if kid.split("#", 1)[0] != controller:
        report.failed(
            CheckId.KID, Code.KID_NOT_IN_ISSUER_DID, f"kid {kid} does not belong to {controller}"
        )
        return None
    return kid


def resolve_signing_method(
    did_resolver: DidResolver,
    unverified_kid: Any,
    controller: str,
    relationship: str,
    report: VerificationReport,
) -> dict[str, Any] | None:
    """Resolve ``controller`` and choose the verification method ``unverified_kid`` names under
    ``relationship`` (:func:`~oretrust.did.signing_method`). Records ``kid`` and
    ``issuer_resolved``; returns None once one of them failed."""
    kid = absolute_kid(unverified_kid, controller, report)
    if kid is None:
        return None
    remembered = getattr(did_resolver, "remembered_method", None)
    method: dict[str, Any] | None = (
        remembered(controller, kid, relationship) if remembered is not None else None
    )
    if method is not None:
        report.passed(CheckId.ISSUER_RESOLVED, f"resolved {controller}")
        report.passed(CheckId.KID, f"{kid} is in {relationship} of {controller}")
        return method
    try:
        document = did_resolver.resolve(controller)
        report.passed(CheckId.ISSUER_RESOLVED, f"resolved {controller}")
    except OreTrustError as exc:
        report.failed(CheckId.ISSUER_RESOLVED, exc.code, exc.detail)
        return None
    try:
        method = signing_method(document, kid, relationship)
        report.passed(CheckId.KID, f"{kid} is in {relationship} of {controller}")
    except OreTrustError as exc:
        report.failed(CheckId.KID, exc.code, exc.detail)
        return None
    remember = getattr(did_resolver, "remember_method", None)
    if remember is not None:
        remember(controller, kid, relationship, method)
    return method


def check_key_not_compromised(
    method: dict[str, Any], payload: dict[str, Any], report: VerificationReport
) -> None:
    """Record ``key_validity``: failed (``KEY_COMPROMISED``) when the key carries a ``revoked``
    time, unless the token was signed (``iat``, else ``validFrom``) before it."""
    revoked = method.get("revoked")
    if revoked is None:
        report.passed(CheckId.KEY_VALIDITY, "the key is not marked compromised")
        return
    if not isinstance(revoked, str):
        revoked = repr(revoked)[:40]
    compromised_at = parse_datetime(revoked)
    signed_at = payload.get("iat")
    signed = (
        numeric_date(signed_at)
        if isinstance(signed_at, int | float)
        else parse_datetime(payload.get("validFrom"))
    )
    if compromised_at is None or signed is None or signed >= compromised_at:
        report.failed(
            CheckId.KEY_VALIDITY,
            Code.KEY_COMPROMISED,
            f"signing key was marked compromised as of {revoked}",
        )
    else:
        report.passed(CheckId.KEY_VALIDITY, f"signed before the key was compromised ({revoked})")


def same_key(left: dict[str, Any], right: dict[str, Any]) -> bool:
    """Whether two public JWKs are the same key (RFC 7638 thumbprints); False if unusable."""
    try:
        return thumbprint(left) == thumbprint(right)
    except (OreTrustError, KeyError, TypeError):
        return False


def controls_key(document: dict[str, Any], jwk: dict[str, Any]) -> bool:
    """Whether ``jwk`` is one of the keys listed under ``authentication`` in ``document``."""
    for entry in as_list(document.get("authentication", [])):
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
