"""Strict base64url and JSON helpers shared by the token formats.

Tokens arrive from strangers, so decoding is strict: only the base64url alphabet, no
padding, and JSON that is an object when an object is expected. Every failure is a
:class:`~oretrust.errors.MalformedTokenError`.

:func:`loads_json` is the one entry point for JSON read from a token (JWS headers and
payloads, SD-JWT disclosures, KB-JWTs, did:jwk keys): UTF-8 only, no ``NaN``/``Infinity``,
nesting bounded by :data:`MAX_JSON_DEPTH` *before* Python's recursive parser runs, so a
10,000-deep document is a clear error instead of a ``RecursionError``, and no string holding a
NUL or a lone surrogate (:func:`forbidden_character`): PostgreSQL cannot store a NUL, and a
lone surrogate has no UTF-8 form, so a report or an answer echoing one could not be written.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from typing import Any, NoReturn

from oretrust.errors import MalformedTokenError

__all__ = [
    "MAX_JSON_DEPTH",
    "TOO_DEEP",
    "b64url_decode",
    "b64url_encode",
    "canonical_json",
    "copy_json",
    "exceeds_json_depth",
    "forbidden_character",
    "json_object",
    "json_object_from_b64url",
    "loads_json",
]

#: Deepest nesting of arrays and objects accepted in any JSON read from a token (or an API
#: request body). Credentials nest a handful of levels; the bound keeps hostile input far
#: from Python's recursion limit.
MAX_JSON_DEPTH = 32
#: The code of a JSON document nested deeper than allowed.
TOO_DEEP = "TOKEN_TOO_DEEP"

_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")
# A string (always matched: to its closing quote or to the end, so no position is rescanned
# and the scan stays linear) or one bracket. Possessive quantifiers: no backtracking.
_JSON_STRUCTURE = re.compile(r'"(?:[^"\\]++|\\.?)*+(?:"|\Z)|[\[\]{}]', re.DOTALL)
# One JSON escape (a \\uXXXX captured), a raw NUL or a raw surrogate. Matched left to right,
# so an escaped backslash is consumed whole and never starts an escape of its own.
_ESCAPE_OR_FORBIDDEN = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|.)|[\x00\ud800-\udfff]", re.DOTALL)
_NUL, _LONE_SURROGATE = "a NUL character", "a lone surrogate"


def b64url_encode(data: bytes) -> str:
    """Encode bytes as unpadded base64url (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


#: The characters that may end an unpadded base64url text of length 2 or 3 (mod 4): those
#: whose bits past the last whole byte are zero. Any other final character decodes to the
#: same bytes (the decoder drops those bits), so accepting it would let one signature or
#: digest stand for several different texts.
_CANONICAL_LAST = {2: frozenset("AQgw"), 3: frozenset("AEIMQUYcgkosw048")}


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url; raise MalformedTokenError on any other alphabet or length,
    and on a final character with non-zero unused bits (RFC 4648 §3.5: a text that is not
    the canonical encoding of its bytes)."""
    if not isinstance(text, str) or not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise MalformedTokenError("not valid base64url")
    allowed = _CANONICAL_LAST.get(len(text) % 4)
    if allowed is not None and text[-1] not in allowed:
        raise MalformedTokenError("not canonical base64url (non-zero trailing bits)")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:  # pragma: no cover - regex already guards
        raise MalformedTokenError("not valid base64url") from exc


def exceeds_json_depth(text: str, max_depth: int) -> bool:
    """Whether arrays/objects in ``text`` nest deeper than ``max_depth`` (strings skipped).

    A linear scan that runs before the recursive parser. Up to the first syntax error it
    counts exactly what :func:`json.loads` would descend into, and the parser stops at that
    error, so a document this scan passes cannot drive the parser deeper than ``max_depth``.
    """
    if text.count("[") + text.count("{") <= max_depth:
        return False  # fewer openers than the bound, counted in C: no nesting can exceed it
    depth = 0
    for match in _JSON_STRUCTURE.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > max_depth:
                return True
        elif token in ("]", "}"):
            depth -= 1
    return False


def forbidden_character(text: str) -> str | None:
    """What is wrong with ``text`` (a JSON text, or any string) if it holds a NUL character or
    a lone surrogate, raw or written as a ``\\u`` escape; None when it holds neither.

    A linear scan of the escapes only. Outside JSON strings a backslash is a syntax error the
    parser reports anyway, so the scan need not know where strings begin.
    """
    if text.isascii() and "\\" not in text and "\x00" not in text:
        return None  # no escape, no NUL, and ASCII holds no surrogate: nothing to find
    high_end = -1  # where the last high-surrogate escape ended, awaiting its low half
    for match in _ESCAPE_OR_FORBIDDEN.finditer(text):
        hex_digits = match.group(1)
        if hex_digits is None and not match.group().startswith("\\"):
            return _NUL if match.group() == "\x00" else _LONE_SURROGATE
        unit = int(hex_digits, 16) if hex_digits is not None else -1
        if high_end >= 0:
            if match.start() != high_end or not 0xDC00 <= unit <= 0xDFFF:
                return _LONE_SURROGATE
            high_end = -1
        elif unit == 0:
            return _NUL
        elif 0xD800 <= unit <= 0xDBFF:
            high_end = match.end()
        elif 0xDC00 <= unit <= 0xDFFF:
            return _LONE_SURROGATE
    return _LONE_SURROGATE if high_end >= 0 else None


def loads_json(
    raw: bytes | str,
    what: str,
    *,
    code: str = MalformedTokenError.default_code,
    max_depth: int = MAX_JSON_DEPTH,
    too_deep_code: str = TOO_DEEP,
    unique_keys: bool = False,
) -> Any:
    """Parse untrusted JSON; ``what`` names it in errors.

    UTF-8 only (RFC 8259 §8.1); ``NaN``, ``Infinity`` and numbers that overflow to infinity
    are refused (they are not JSON numbers and would reach date arithmetic as numbers no
    clock can hold), and so is a NUL or a lone surrogate (:func:`forbidden_character`);
    nesting beyond ``max_depth`` raises ``too_deep_code``;
    ``unique_keys`` refuses duplicate member names. Every failure is a
    :class:`MalformedTokenError` (``code`` unless it is the depth).
    """
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedTokenError(f"{what} is not UTF-8", code=code) from exc
    if exceeds_json_depth(raw, max_depth):
        raise MalformedTokenError(f"{what} nests deeper than {max_depth}", code=too_deep_code)
    forbidden = forbidden_character(raw)
    if forbidden is not None:
        raise MalformedTokenError(f"{what} holds {forbidden} in a string", code=code)
    try:
        return json.loads(
            raw,
            object_pairs_hook=_unique_object if unique_keys else None,
            parse_constant=_no_constant,
            parse_float=_finite_float,
        )
    except RecursionError as exc:  # the scan above should make this unreachable
        raise MalformedTokenError(f"{what} nests too deeply", code=too_deep_code) from exc
    except ValueError as exc:
        raise MalformedTokenError(f"{what} is not valid JSON: {exc}", code=code) from exc


def copy_json(value: Any) -> Any:
    """A deep copy of parsed JSON (objects, arrays, scalars): what :func:`copy.deepcopy`
    gives for such data, several times faster (no memo, no reductions — strings and numbers
    are immutable). Anything else inside is shared, not copied."""
    if isinstance(value, dict):
        return {key: copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_json(item) for item in value]
    return value


def json_object(raw: bytes, what: str, *, max_depth: int = MAX_JSON_DEPTH) -> dict[str, Any]:
    """Parse bytes holding a JSON object (:func:`loads_json`); ``what`` names it in errors."""
    value = loads_json(raw, what, max_depth=max_depth)
    if not isinstance(value, dict):
        raise MalformedTokenError(f"{what} is not a JSON object")
    return value


def json_object_from_b64url(
    text: str, what: str, *, max_depth: int = MAX_JSON_DEPTH
) -> dict[str, Any]:
    """Decode a base64url segment holding a JSON object; ``what`` names it in errors."""
    return json_object(b64url_decode(text), what, max_depth=max_depth)


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:20]} is out of range")
    return value


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key[:40]!r}")
        result[key] = value
    return result


def canonical_json(value: Any) -> bytes:
    """Serialise JSON with sorted keys and no whitespace (used for hashes and thumbprints)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
