"""The verifier role: check credentials and presentations, report every check.

Formats: ``vc+jwt`` credentials, ``vp+jwt`` presentations (whose enveloped credentials may be
``vc+jwt`` or ``dc+sd-jwt``), and SD-JWT VC (``dc+sd-jwt``) credentials and SD-JWT+KB
presentations (the SD-JWT path lives in :mod:`._sd_jwt` and :mod:`._sd_jwt_presentation`).

Trust enters only through injected interfaces: a DID resolver, and extra credential checks
(revocation status, issuer accreditation) supplied by the caller. The clock is a parameter.

``check_*`` methods always return a :class:`~oretrust.report.VerificationReport`;
``verify_*`` methods return a verified object or raise
:class:`~oretrust.errors.InvalidCredentialError` carrying that report — never a bare bool.
Data read from a token before its signature is checked is named ``unverified_*``.
"""

from __future__ import annotations

from oretrust.verifier._keys import same_key
from oretrust.verifier._sd_jwt import looks_like_sd_jwt
from oretrust.verifier._verifier import VerifiedCredential, VerifiedPresentation, Verifier
from oretrust.verifier.files import verify_token
from oretrust.verifier.home import verifier_for

__all__ = [
    "VerifiedCredential",
    "VerifiedPresentation",
    "Verifier",
    "looks_like_sd_jwt",
    "same_key",
    "verifier_for",
    "verify_token",
]
