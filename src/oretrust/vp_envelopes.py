"""A ``vp+jwt`` whose ``EnvelopedVerifiableCredential`` entries may be of any media type.

:func:`oretrust.formats.vc_jwt.sign_presentation` envelopes vc+jwt only; a wallet that holds
SD-JWT VCs too puts them in as ``data:application/dc+sd-jwt,<sd-jwt>~<disclosures>~``. The
presentation's signature (by the holder, over the verifier's ``nonce`` and ``aud``) is what
binds every entry to this verifier; see :mod:`oretrust.sd_jwt_presentation`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from oretrust.formats.jws import JwsSigner, sign_compact
from oretrust.formats.vc_jwt import CREDENTIALS_V2_CONTEXT

__all__ = ["enveloped", "sign_enveloped_presentation"]


def enveloped(media_type: str, token: str) -> dict[str, Any]:
    """An ``EnvelopedVerifiableCredential`` carrying ``token`` as a ``data:`` URL."""
    return {
        "@context": CREDENTIALS_V2_CONTEXT,
        "id": f"data:{media_type},{token}",
        "type": "EnvelopedVerifiableCredential",
    }


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
    """Sign a ``vp+jwt`` of ``(media type, credential)`` pairs for one verifier challenge."""
    issued_at = int(now.timestamp())
    payload: dict[str, Any] = {
        "@context": [CREDENTIALS_V2_CONTEXT],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": [enveloped(media, token) for media, token in credentials],
        "iss": holder,
        "aud": audience,
        "nonce": nonce,
        "iat": issued_at,
        "exp": issued_at + lifetime_seconds,
    }
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return sign_compact({"typ": "vp+jwt", "cty": "vp"}, body, signer)
