"""Verify whatever a user hands the CLI: a vc+jwt, a vp+jwt, or a demo presentation file.

A presentation file (``presentations/<name>.json`` in the demo) carries the nonce and
audience it was made for; explicit ``nonce``/``audience`` arguments take precedence.
"""

from __future__ import annotations

import json
from datetime import datetime

from oretrust.errors import InputError, OreTrustError
from oretrust.formats.jws import parse_compact
from oretrust.home import Home
from oretrust.report import VerificationReport

__all__ = ["verify_token"]


def verify_token(
    home: Home, text: str, *, nonce: str | None, audience: str | None, now: datetime
) -> VerificationReport:
    """Check ``text`` with the home's trust sources and return the report."""
    text = text.strip()
    if text.startswith("{"):
        try:
            wrapper = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"not a token and not valid JSON: {exc.msg}", code="MALFORMED_INPUT"
            ) from exc
        if not isinstance(wrapper, dict) or not isinstance(wrapper.get("presentation"), str):
            raise InputError(
                "a presentation file needs a string 'presentation'", code="MALFORMED_INPUT"
            )
        text = wrapper["presentation"]
        nonce = nonce if nonce is not None else wrapper.get("nonce")
        audience = audience if audience is not None else wrapper.get("audience")
    verifier = home.verifier(now=now)
    try:
        typ = parse_compact(text).unverified_header.get("typ")
    except OreTrustError:
        typ = None
    if typ in ("vp+jwt", "application/vp+jwt"):
        return verifier.check_presentation(text, nonce=nonce, audience=audience, now=now)
    return verifier.check_credential(text, now=now)
