"""SD-JWT and SD-JWT VC verification (internal; RFC 9901 §7.1 and §7.3, SD-JWT VC §3).

Two steps, so key lookup stays with the caller: :func:`~oretrust.formats.sd_jwt_core.parse_sd_jwt`
gives the unverified header and ``iss``; the caller finds the issuer's public JWK (DID
document, ``/.well-known/jwt-vc-issuer``…) and calls :func:`verify_sd_jwt`, which returns a
:class:`VerifiedSdJwt` or raises :class:`~oretrust.errors.InvalidCredentialError`.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn

from oretrust.codes import Code
from oretrust.errors import InputError, InvalidCredentialError, MalformedTokenError
from oretrust.formats.dates import numeric_date, shift
from oretrust.formats.jws import verify_signature
from oretrust.formats.sd_jwt_core import (
    DEFAULT_LIMITS,
    KB_JWT_TYP,
    SD_ALG,
    SD_ALG_KEY,
    SD_JWT_VC_NEVER_DISCLOSABLE,
    SD_JWT_VC_TYP,
    SD_JWT_VC_TYP_LEGACY,
    DisclosedClaim,
    SdJwtLimits,
    StatusListReference,
    UnverifiedSdJwt,
    b64_digest,
    loads_strict,
)
from oretrust.formats.sd_jwt_processing import process_payload

__all__ = [
    "SD_JWT_VC",
    "SdJwtProfile",
    "VerifiedKeyBinding",
    "VerifiedSdJwt",
    "check_sd_jwt_vc_claims",
    "verify_key_binding",
    "verify_sd_jwt",
]


@dataclass(frozen=True)
class SdJwtProfile:
    """What a verifier accepts beyond RFC 9901 itself.

    ``accepted_typ`` holds the header ``typ`` values accepted (``None``: no ``typ``), compared
    case-insensitively without an ``application/`` prefix. With ``sd_jwt_vc`` a string ``vct``
    is required and ``iss``, ``vct``, ``cnf``, ``status``, ``exp``, ``nbf`` must not come from
    disclosures.
    """

    accepted_typ: frozenset[str | None] = frozenset({SD_JWT_VC_TYP, SD_JWT_VC_TYP_LEGACY})
    sd_jwt_vc: bool = True


#: SD-JWT VC: ``typ`` ``dc+sd-jwt`` (or the legacy ``vc+sd-jwt``), ``vct`` required.
SD_JWT_VC = SdJwtProfile()


@dataclass(frozen=True)
class VerifiedKeyBinding:
    """A checked KB-JWT: the holder key it was verified with and its audience, nonce, time."""

    holder_jwk: dict[str, Any]
    audience: str
    nonce: str
    issued_at: datetime


@dataclass(frozen=True)
class VerifiedSdJwt:
    """An SD-JWT whose issuer signature, digests, validity and key binding were checked."""

    claims: dict[str, Any]
    header: dict[str, Any]
    disclosed: tuple[DisclosedClaim, ...]
    #: Digests left without a disclosure (undisclosed claims and decoys alike).
    undisclosed_count: int
    key_binding: VerifiedKeyBinding | None = None
    status_list: StatusListReference | None = None

    @property
    def issuer(self) -> str | None:
        """``iss``, when present."""
        iss = self.claims.get("iss")
        return iss if isinstance(iss, str) else None

    @property
    def vct(self) -> str | None:
        """The SD-JWT VC credential type, when present."""
        vct = self.claims.get("vct")
        return vct if isinstance(vct, str) else None


def verify_sd_jwt(
    unverified: UnverifiedSdJwt,
    issuer_jwk: dict[str, Any],
    *,
    now: datetime,
    audience: str | None = None,
    nonce: str | None = None,
    require_key_binding: bool | None = None,
    profile: SdJwtProfile = SD_JWT_VC,
    leeway: timedelta = timedelta(seconds=60),
    kb_max_age: timedelta = timedelta(minutes=5),
    limits: SdJwtLimits = DEFAULT_LIMITS,
) -> VerifiedSdJwt:
    """Verify an SD-JWT (SD-JWT VC by default) with the issuer key the caller looked up.

    Key binding is required when ``require_key_binding`` is true, or when it is ``None`` and
    the credential has ``cnf``; a KB-JWT that is present is always checked, against
    ``audience`` and ``nonce`` (both then needed: InputError ``KB_JWT_EXPECTATIONS_MISSING``).

    Raises InvalidCredentialError with code ``TYP_INVALID``, ``ALGORITHM_NOT_ALLOWED``,
    ``SIGNATURE_INVALID``, ``SD_ALG_UNSUPPORTED``, the disclosure codes of
    :mod:`~oretrust.formats.sd_jwt_processing`, ``CREDENTIAL_EXPIRED``,
    ``CREDENTIAL_NOT_YET_VALID``, ``CLAIM_INVALID``, ``VCT_MISSING``, ``STATUS_MALFORMED``,
    ``KB_JWT_MISSING``, ``KB_JWT_INVALID``, ``KB_JWT_SIGNATURE_INVALID``, ``KB_JWT_STALE``,
    ``KB_JWT_IAT_IN_FUTURE``, ``KB_JWT_AUDIENCE_MISMATCH``, ``KB_JWT_NONCE_MISMATCH`` or
    ``KB_JWT_SD_HASH_MISMATCH``; MalformedTokenError ``SD_JWT_TOO_DEEP``; InputError for a
    naive ``now`` or an unusable ``issuer_jwk``.
    """
    if now.tzinfo is None:
        raise InputError("now must be timezone-aware", code=Code.NAIVE_DATETIME)
    header = unverified.unverified_header
    _check_typ(header.get("typ"), profile.accepted_typ)
    verify_signature(unverified.jws, issuer_jwk)
    payload = unverified.unverified_payload  # parsed from the bytes just verified
    if payload.get(SD_ALG_KEY, SD_ALG) != SD_ALG:
        _reject(Code.SD_ALG_UNSUPPORTED, f"unsupported _sd_alg {payload.get(SD_ALG_KEY)!r}")
    processed = process_payload(
        payload,
        unverified.disclosures,
        max_depth=limits.max_depth,
        never_disclosable=SD_JWT_VC_NEVER_DISCLOSABLE if profile.sd_jwt_vc else frozenset(),
    )
    claims = processed.claims
    _check_validity(claims, now, leeway)
    if profile.sd_jwt_vc:
        check_sd_jwt_vc_claims(claims)
    required = ("cnf" in claims) if require_key_binding is None else require_key_binding
    key_binding = None
    if unverified.kb_jwt is not None or required:
        key_binding = verify_key_binding(
            unverified,
            claims,
            audience=audience,
            nonce=nonce,
            now=now,
            leeway=leeway,
            max_age=kb_max_age,
            limits=limits,
        )
    return VerifiedSdJwt(
        claims=claims,
        header=dict(header),
        disclosed=processed.disclosed,
        undisclosed_count=processed.undisclosed_count,
        key_binding=key_binding,
        status_list=_status_list(claims),
    )


def check_sd_jwt_vc_claims(claims: dict[str, Any]) -> StatusListReference | None:
    """The SD-JWT VC rules on processed claims: a non-empty string ``vct``, a string ``iss``,
    NumericDate ``iat``/``nbf``/``exp``, a well-formed ``status``; returns the status list
    reference, if any. Raises InvalidCredentialError ``VCT_MISSING``, ``CLAIM_INVALID`` or
    ``STATUS_MALFORMED``."""
    if not isinstance(claims.get("vct"), str) or not claims["vct"]:
        _reject(Code.VCT_MISSING, "an SD-JWT VC needs a string 'vct'")
    if "iss" in claims and not isinstance(claims["iss"], str):
        _reject(Code.CLAIM_INVALID, "'iss' must be a string")
    for name in ("iat", "nbf", "exp"):
        _numeric_date(claims, name)
    return _status_list(claims)


def _check_typ(typ: Any, accepted: frozenset[str | None]) -> None:
    if typ is None and None in accepted:
        return
    normalised = {t.lower().removeprefix("application/") for t in accepted if t is not None}
    if not isinstance(typ, str) or typ.lower().removeprefix("application/") not in normalised:
        _reject(Code.TYP_INVALID, f"typ {typ!r} is not one of {sorted(normalised)}")


def _check_validity(claims: dict[str, Any], now: datetime, leeway: timedelta) -> None:
    exp, nbf = _numeric_date(claims, "exp"), _numeric_date(claims, "nbf")
    if exp is not None and shift(now, -leeway) >= exp:
        _reject(Code.CREDENTIAL_EXPIRED, f"expired at {exp.isoformat()}")
    if nbf is not None and shift(now, leeway) < nbf:
        _reject(Code.CREDENTIAL_NOT_YET_VALID, f"not valid before {nbf.isoformat()}")


def verify_key_binding(
    unverified: UnverifiedSdJwt,
    claims: dict[str, Any],
    *,
    audience: str | None,
    nonce: str | None,
    now: datetime,
    leeway: timedelta = timedelta(seconds=60),
    max_age: timedelta = timedelta(minutes=5),
    limits: SdJwtLimits = DEFAULT_LIMITS,
) -> VerifiedKeyBinding:
    """Check the KB-JWT of an SD-JWT whose issuer signature and disclosures were verified
    (``claims`` are its processed claims, as :func:`verify_sd_jwt` returned them).

    For a caller that verified the credential once and checks key binding later (the
    verifier's presentation path) without verifying the issuer's signature again. Raises
    InvalidCredentialError with the ``KB_JWT_*`` codes of :func:`verify_sd_jwt`, InputError
    ``KB_JWT_EXPECTATIONS_MISSING`` without ``audience`` or ``nonce``.
    """
    kb = unverified.kb_jwt
    if kb is None:
        _reject(Code.KB_JWT_MISSING, "key binding is required but no KB-JWT was presented")
    if audience is None or nonce is None:
        raise InputError(
            "checking a key binding JWT needs the expected audience and nonce",
            code=Code.KB_JWT_EXPECTATIONS_MISSING,
        )
    cnf = claims.get("cnf")
    holder_jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    if not isinstance(holder_jwk, dict):
        _reject(Code.KB_JWT_INVALID, "the credential has no 'cnf.jwk' to check the KB-JWT with")
    if kb.unverified_header.get("typ") != KB_JWT_TYP:
        _reject(Code.KB_JWT_INVALID, f"KB-JWT typ must be {KB_JWT_TYP!r}")
    try:
        raw = verify_signature(kb, holder_jwk)
    except InputError as exc:
        _reject(Code.KB_JWT_INVALID, f"cnf.jwk cannot verify signatures: {exc}")
    except InvalidCredentialError as exc:
        _reject(Code.KB_JWT_SIGNATURE_INVALID, f"KB-JWT: {exc}")
    try:
        body = loads_strict(
            raw, "KB-JWT payload", max_depth=limits.max_depth, code=Code.KB_JWT_MALFORMED
        )
    except MalformedTokenError as exc:
        _reject(Code.KB_JWT_INVALID, str(exc))
    if not isinstance(body, dict):
        _reject(Code.KB_JWT_INVALID, "KB-JWT payload is not a JSON object")
    iat = _numeric_date(body, "iat", code=Code.KB_JWT_INVALID)
    if iat is None:
        _reject(Code.KB_JWT_INVALID, "KB-JWT has no 'iat'")
    if iat > shift(now, leeway):
        _reject(Code.KB_JWT_IAT_IN_FUTURE, f"KB-JWT issued in the future ({iat.isoformat()})")
    if iat < shift(now, -(max_age + leeway)):
        _reject(Code.KB_JWT_STALE, f"KB-JWT issued at {iat.isoformat()} is too old")
    if body.get("aud") != audience:
        _reject(Code.KB_JWT_AUDIENCE_MISMATCH, "KB-JWT 'aud' is not this verifier")
    presented_nonce = body.get("nonce")
    if not isinstance(presented_nonce, str) or not hmac.compare_digest(
        presented_nonce.encode(), nonce.encode()
    ):
        _reject(Code.KB_JWT_NONCE_MISMATCH, "KB-JWT 'nonce' is not the one this verifier issued")
    sd_hash = body.get("sd_hash")
    if not isinstance(sd_hash, str) or not hmac.compare_digest(
        sd_hash.encode(), b64_digest(unverified.sd_hash_input).encode()
    ):
        _reject(Code.KB_JWT_SD_HASH_MISMATCH, "KB-JWT 'sd_hash' does not match the presentation")
    return VerifiedKeyBinding(dict(holder_jwk), audience, nonce, iat)


def _status_list(claims: dict[str, Any]) -> StatusListReference | None:
    if "status" not in claims:
        return None
    status = claims["status"]
    if not isinstance(status, dict):
        _reject(Code.STATUS_MALFORMED, "'status' must be an object")
    if "status_list" not in status:
        return None
    entry = status["status_list"]
    idx = entry.get("idx") if isinstance(entry, dict) else None
    uri = entry.get("uri") if isinstance(entry, dict) else None
    if isinstance(idx, bool) or not isinstance(idx, int) or idx < 0 or not isinstance(uri, str):
        _reject(Code.STATUS_MALFORMED, "'status.status_list' needs an integer idx >= 0 and a uri")
    return StatusListReference(idx, uri)


def _numeric_date(
    claims: dict[str, Any], name: str, code: str = Code.CLAIM_INVALID
) -> datetime | None:
    """``claims[name]`` read by the one NumericDate reader (:mod:`oretrust.formats.dates`);
    None when absent; ``code`` when present but not a usable NumericDate."""
    if claims.get(name) is None:
        return None
    moment = numeric_date(claims[name])
    if moment is None:
        _reject(code, f"'{name}' must be a NumericDate")
    return moment


def _reject(code: str, detail: str) -> NoReturn:
    raise InvalidCredentialError(detail, code=code)
