"""``OT1:`` — a credential or presentation as text that fits one QR code.

The scheme follows the EU digital COVID certificate: compress, then Base45 (RFC 9285),
whose 45 characters are exactly QR's alphanumeric mode (5.5 bits a character instead of 8 in
byte mode), behind a short prefix naming the scheme and its version::

    OT1:<base45( zlib( packed ) )>

``packed`` starts with one byte saying how the text was packed:

* ``0x01`` *segments*: a compact JWS, an SD-JWT (``~``-separated) or a JWT-shaped text whose
  every ``.``/``~``-separated part is canonical base64url. The parts are kept as the bytes they
  encode (JSON, signatures), which compress far better than their base64url text: about a third
  fewer QR characters. Canonical base64url re-encodes to the very same text, so the token comes
  back byte for byte and its signature still verifies.
* ``0x00`` *text*: anything else (a presentation file's JSON), as UTF-8.

Decoding is bounded: the decompressed size may not exceed ``max_bytes``, checked while
decompressing, so a small QR code cannot expand into a zlib bomb. Pure: no I/O, no clock.
Errors are :class:`~oretrust.errors.InputError` ``QR_INVALID``.
"""

from __future__ import annotations

import base64
import re
import zlib

import base45  # type: ignore[import-untyped]

from oretrust.codes import Code
from oretrust.errors import InputError

__all__ = ["MAX_DECODED_BYTES", "PREFIX", "decode_ot1", "encode_ot1", "is_ot1"]

PREFIX = "OT1:"
#: The largest text an ``OT1:`` string may decode to (far above what one QR code holds).
MAX_DECODED_BYTES = 256 * 1024

_TEXT, _SEGMENTS = 0, 1
_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


def is_ot1(text: str) -> bool:
    """Whether ``text`` (stripped) is in the ``OT1:`` form."""
    return text.strip().upper().startswith(PREFIX)


def encode_ot1(text: str) -> str:
    """The ``OT1:`` form of ``text`` (uppercase letters, digits and ``$%*+-./: `` only)."""
    packed = _pack_segments(text)
    if packed is None:
        packed = bytes([_TEXT]) + text.encode("utf-8")
    encoded: bytes = base45.b45encode(zlib.compress(packed, 9))
    return PREFIX + encoded.decode("ascii")


def decode_ot1(text: str, *, max_bytes: int = MAX_DECODED_BYTES) -> str:
    """The text an ``OT1:`` string carries. Raises InputError ``QR_INVALID`` for another
    prefix, bad Base45, bad zlib data, an unknown packing, or more than ``max_bytes``."""
    stripped = text.strip()
    if not is_ot1(stripped):
        raise InputError(f"not an {PREFIX} text", code=Code.QR_INVALID)
    try:
        compressed = base45.b45decode(stripped[len(PREFIX) :])
    except ValueError as exc:
        raise InputError(f"{PREFIX} text is not Base45: {exc}", code=Code.QR_INVALID) from exc
    packed = _inflate(compressed, max_bytes)
    if not packed:
        raise InputError(f"{PREFIX} text carries nothing", code=Code.QR_INVALID)
    if packed[0] == _TEXT:
        try:
            return packed[1:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"{PREFIX} text is not UTF-8", code=Code.QR_INVALID) from exc
    if packed[0] == _SEGMENTS:
        return _unpack_segments(packed[1:])
    raise InputError(f"{PREFIX} packing {packed[0]} is unknown", code=Code.QR_INVALID)


def _inflate(compressed: bytes, max_bytes: int) -> bytes:
    """zlib-decompress at most ``max_bytes``; refuse more, truncated or trailing data."""
    inflater = zlib.decompressobj()
    try:
        packed = inflater.decompress(compressed, max_bytes + 1)
    except zlib.error as exc:
        raise InputError(f"{PREFIX} data is not zlib: {exc}", code=Code.QR_INVALID) from exc
    if len(packed) > max_bytes or inflater.unconsumed_tail:
        raise InputError(f"{PREFIX} data expands beyond {max_bytes} bytes", code=Code.QR_INVALID)
    if not inflater.eof or inflater.unused_data:
        raise InputError(f"{PREFIX} data is truncated or padded", code=Code.QR_INVALID)
    return packed


def _pack_segments(text: str) -> bytes | None:
    """Parts of ``text`` as bytes, or None when a part is not canonical base64url."""
    out = bytearray([_SEGMENTS])
    parts = text.split("~")
    _put_length(out, len(parts))
    for part in parts:
        segments = part.split(".")
        _put_length(out, len(segments))
        for segment in segments:
            if not _B64URL.match(segment) or len(segment) % 4 == 1:
                return None  # not base64url at all
            raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
            if _b64url(raw) != segment:
                return None  # not canonical: packing would change the text
            _put_length(out, len(raw))
            out += raw
    return bytes(out)


def _unpack_segments(data: bytes) -> str:
    position = 0

    def take_length() -> int:
        nonlocal position
        value, shift = 0, 0
        while True:
            if position >= len(data) or shift > 28:
                raise InputError(f"{PREFIX} segments are truncated", code=Code.QR_INVALID)
            byte = data[position]
            position += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value

    parts: list[str] = []
    for _ in range(take_length()):
        segments: list[str] = []
        for _ in range(take_length()):
            size = take_length()
            if position + size > len(data):
                raise InputError(f"{PREFIX} segments are truncated", code=Code.QR_INVALID)
            segments.append(_b64url(data[position : position + size]))
            position += size
        parts.append(".".join(segments))
    if position != len(data):
        raise InputError(f"{PREFIX} segments have trailing data", code=Code.QR_INVALID)
    return "~".join(parts)


def _put_length(out: bytearray, value: int) -> None:
    """An unsigned LEB128 varint."""
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
