"""Bounded base64url + DEFLATE decoding shared by both status-list codecs (internal).

Status lists arrive compressed from third parties, and a few kilobytes of gzip or zlib can
expand to gigabytes (a decompression bomb). :func:`inflate_bounded` therefore inflates
incrementally with ``max_length`` and stops one byte past the caller's bound: however the
input was crafted, memory never exceeds the bound. Nothing here decompresses "everything
first" and checks afterwards.

Every failure is a :class:`~oretrust.errors.MalformedTokenError` with one of the codes below.
"""

from __future__ import annotations

import zlib

from oretrust.codes import Code
from oretrust.encoding import b64url_decode
from oretrust.errors import MalformedTokenError

__all__ = [
    "GZIP_WBITS",
    "STATUS_LIST_MALFORMED",
    "STATUS_LIST_TOO_LARGE",
    "STATUS_LIST_TOO_SHORT",
    "ZLIB_WBITS",
    "decode_compressed",
    "inflate_bounded",
]

STATUS_LIST_MALFORMED = Code.STATUS_LIST_MALFORMED
STATUS_LIST_TOO_LARGE = Code.STATUS_LIST_TOO_LARGE
STATUS_LIST_TOO_SHORT = Code.STATUS_LIST_TOO_SHORT

GZIP_WBITS = 16 + zlib.MAX_WBITS  # gzip container only (RFC 1952)
ZLIB_WBITS = zlib.MAX_WBITS  # zlib container only (RFC 1950)


def _max_compressed_size(max_bytes: int) -> int:
    # DEFLATE never needs more than ~5 bytes per 64 KiB stored block plus headers; twice the
    # bound is far above any honest encoder and lets absurd inputs fail before any work.
    return 2 * max_bytes + 1024


def inflate_bounded(data: bytes, *, wbits: int, max_bytes: int) -> bytes:
    """Inflate one gzip/zlib stream (per ``wbits``), refusing output beyond ``max_bytes``.

    Raises MalformedTokenError with code ``STATUS_LIST_TOO_LARGE`` if the stream would expand
    past ``max_bytes``, and ``STATUS_LIST_MALFORMED`` if it is not a complete, checksummed
    stream of the expected container, or has bytes after its end.
    """
    if len(data) > _max_compressed_size(max_bytes):
        raise MalformedTokenError(
            "compressed status list is larger than any accepted list",
            code=STATUS_LIST_TOO_LARGE,
        )
    inflater = zlib.decompressobj(wbits=wbits)
    try:
        out = inflater.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise MalformedTokenError(
            "status list is not valid compressed data", code=STATUS_LIST_MALFORMED
        ) from exc
    if len(out) > max_bytes:
        raise MalformedTokenError(
            f"status list expands beyond {max_bytes} bytes", code=STATUS_LIST_TOO_LARGE
        )
    # Output stayed under max_length, so all input was consumed; an unfinished stream is
    # a truncated one (its checksum was never checked).
    if not inflater.eof:
        raise MalformedTokenError("compressed status list is truncated", code=STATUS_LIST_MALFORMED)
    if inflater.unused_data:
        raise MalformedTokenError(
            "unexpected bytes after the compressed status list", code=STATUS_LIST_MALFORMED
        )
    return out


def decode_compressed(text: str, *, wbits: int, max_bytes: int) -> bytes:
    """Strict-base64url-decode ``text`` and inflate it with :func:`inflate_bounded`.

    Raises MalformedTokenError (``STATUS_LIST_MALFORMED`` / ``STATUS_LIST_TOO_LARGE``).
    """
    if len(text) * 3 // 4 > _max_compressed_size(max_bytes):
        raise MalformedTokenError(
            "encoded status list is larger than any accepted list",
            code=STATUS_LIST_TOO_LARGE,
        )
    try:
        data = b64url_decode(text)
    except MalformedTokenError as exc:
        raise MalformedTokenError(
            "status list is not valid base64url", code=STATUS_LIST_MALFORMED
        ) from exc
    return inflate_bounded(data, wbits=wbits, max_bytes=max_bytes)
