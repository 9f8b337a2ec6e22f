"""Strict base64url and JSON helpers shared by the token formats.

Tokens arrive from strangers, so decoding is strict: only the base64url alphabet, no
padding, and JSON that is an object when an object is expected. Every failure is a
:class:`~oretrust.errors.MalformedTokenError`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any, NoReturn

from oretrust.errors import MalformedTokenError

__all__ = [
    "b64url_decode",
    "b64url_encode",
    "canonical_json",
    "json_object",
    "json_object_from_b64url",
]

_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


def b64url_encode(data: bytes) -> str:
    """Encode bytes as unpadded base64url (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url; raise MalformedTokenError on any other alphabet or length."""
    if not isinstance(text, str) or not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise MalformedTokenError("not valid base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:  # pragma: no cover - regex already guards
        raise MalformedTokenError("not valid base64url") from exc


def json_object(raw: bytes, what: str) -> dict[str, Any]:
    """Parse bytes holding a JSON object; ``what`` names it in errors.

    ``NaN`` and ``Infinity`` are refused: they are not JSON (RFC 8259) and would reach date
    arithmetic as numbers no clock can hold.
    """
    try:
        value = json.loads(raw, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedTokenError(f"{what} is not valid JSON") from exc
    if not isinstance(value, dict):
        raise MalformedTokenError(f"{what} is not a JSON object")
    return value


def json_object_from_b64url(text: str, what: str) -> dict[str, Any]:
    """Decode a base64url segment holding a JSON object; ``what`` names it in errors."""
    return json_object(b64url_decode(text), what)


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def canonical_json(value: Any) -> bytes:
    """Serialise JSON with sorted keys and no whitespace (used for hashes and thumbprints)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
