"""A ``vp+jwt`` whose ``EnvelopedVerifiableCredential`` entries may be of any media type.

A wallet that holds SD-JWT VCs too puts them in as
``data:application/dc+sd-jwt,<sd-jwt>~<disclosures>~``. The presentation's signature (by the
holder, over the verifier's ``nonce`` and ``aud``) is what binds every entry to this verifier;
see :mod:`oretrust.sd_jwt_presentation`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from oretrust.formats.jws import JwsSigner
from oretrust.formats.vc_jwt import envelope, sign_presentation

__all__ = ["enveloped", "sign_enveloped_presentation"]


def enveloped(media_type: str, token: str) -> dict[str, Any]:
    """An ``EnvelopedVerifiableCredential`` carrying ``token`` as a ``data:`` URL."""
    return envelope(token, media_type)


def sign_enveloped_presentation(
    credentials: Sequence[tuple[str, str]],
    signer: JwsSigner,
    *,
    holder: str,
    nonce: str,
    audience: str,
    now: datetime,
    lifetime_seconds: int = 300,
) -> str:
    """Sign a ``vp+jwt`` of ``(media type, credential)`` pairs for one verifier challenge
    (:func:`oretrust.formats.vc_jwt.sign_presentation`)."""
    return sign_presentation(
        list(credentials),
        signer,
        holder=holder,
        nonce=nonce,
        audience=audience,
        now=now,
        lifetime_seconds=lifetime_seconds,
    )
