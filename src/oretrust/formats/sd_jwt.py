"""SD-JWT (RFC 9901) and SD-JWT VC: issue, present, verify — pure functions.

No I/O and no clock: ``now`` is always a parameter and salts come from an injectable
``salt_source``. Three roles over a shared core (``sd_jwt_core``, ``sd_jwt_processing``):

- issuer (:mod:`.sd_jwt_issuer`): :func:`issue_sd_jwt_vc` (safe recipe) and
  :func:`issue_sd_jwt` (plain RFC 9901); claims made selectively disclosable by
  :data:`ClaimPath`, e.g. ``("address", "street_address")`` or ``("nationalities", None)``;
- holder (:mod:`.sd_jwt_holder`): :func:`present_sd_jwt` picks claims by path and appends a
  Key Binding JWT;
- verifier (:mod:`.sd_jwt_verifier`): :func:`parse_sd_jwt` (or :func:`parse_sd_jwt_json`)
  exposes the unverified header and ``iss`` so the caller can find the issuer's key, then
  :func:`verify_sd_jwt` returns a :class:`VerifiedSdJwt` or raises
  (:func:`verify_key_binding` checks a KB-JWT of an SD-JWT verified earlier).

Errors, all from :mod:`oretrust.errors`:

- :class:`~oretrust.errors.MalformedTokenError` (cannot be parsed): ``SD_JWT_MALFORMED``,
  ``DISCLOSURE_MALFORMED``, ``KB_JWT_MALFORMED``, ``TOKEN_TOO_LARGE``,
  ``SD_JWT_TOO_MANY_DISCLOSURES``, ``SD_JWT_TOO_DEEP``;
- :class:`~oretrust.errors.InvalidCredentialError` (rejected): ``TYP_INVALID``,
  ``ALGORITHM_NOT_ALLOWED``, ``SIGNATURE_INVALID``, ``SD_ALG_UNSUPPORTED``,
  ``DISCLOSURE_MALFORMED``, ``DISCLOSURE_NOT_REFERENCED``, ``DUPLICATE_DIGEST``,
  ``DISCLOSURE_RESERVED_NAME``, ``DISCLOSURE_OVERWRITES_CLAIM``, ``CLAIM_NOT_DISCLOSABLE``,
  ``CREDENTIAL_EXPIRED``, ``CREDENTIAL_NOT_YET_VALID``, ``CLAIM_INVALID``, ``VCT_MISSING``,
  ``STATUS_MALFORMED``, ``KB_JWT_MISSING``, ``KB_JWT_INVALID``, ``KB_JWT_SIGNATURE_INVALID``,
  ``KB_JWT_STALE``, ``KB_JWT_IAT_IN_FUTURE``, ``KB_JWT_AUDIENCE_MISMATCH``,
  ``KB_JWT_NONCE_MISMATCH``, ``KB_JWT_SD_HASH_MISMATCH``;
- :class:`~oretrust.errors.InputError` (the caller's mistake): ``CLAIM_PATH_NOT_FOUND``,
  ``CLAIM_PATH_INVALID``, ``CLAIM_NOT_DISCLOSABLE`` (at issuance), ``RESERVED_CLAIM_NAME``,
  ``KB_JWT_EXPECTATIONS_MISSING``, ``NAIVE_DATETIME``, …
"""

from __future__ import annotations

from oretrust.formats.sd_jwt_core import (
    DEFAULT_LIMITS,
    KB_JWT_TYP,
    SD_JWT_VC_NEVER_DISCLOSABLE,
    SD_JWT_VC_TYP,
    SD_JWT_VC_TYP_LEGACY,
    ClaimPath,
    DisclosedClaim,
    Disclosure,
    SaltSource,
    SdJwtLimits,
    StatusListReference,
    UnverifiedSdJwt,
    new_salt,
    parse_sd_jwt,
    parse_sd_jwt_json,
)
from oretrust.formats.sd_jwt_holder import present_sd_jwt
from oretrust.formats.sd_jwt_issuer import IssuedSdJwt, issue_sd_jwt, issue_sd_jwt_vc
from oretrust.formats.sd_jwt_verifier import (
    SD_JWT_VC,
    SdJwtProfile,
    VerifiedKeyBinding,
    VerifiedSdJwt,
    check_sd_jwt_vc_claims,
    verify_key_binding,
    verify_sd_jwt,
)

__all__ = [
    "DEFAULT_LIMITS",
    "KB_JWT_TYP",
    "SD_JWT_VC",
    "SD_JWT_VC_NEVER_DISCLOSABLE",
    "SD_JWT_VC_TYP",
    "SD_JWT_VC_TYP_LEGACY",
    "ClaimPath",
    "DisclosedClaim",
    "Disclosure",
    "IssuedSdJwt",
    "SaltSource",
    "SdJwtLimits",
    "SdJwtProfile",
    "StatusListReference",
    "UnverifiedSdJwt",
    "VerifiedKeyBinding",
    "VerifiedSdJwt",
    "check_sd_jwt_vc_claims",
    "issue_sd_jwt",
    "issue_sd_jwt_vc",
    "new_salt",
    "parse_sd_jwt",
    "parse_sd_jwt_json",
    "present_sd_jwt",
    "verify_key_binding",
    "verify_sd_jwt",
]
