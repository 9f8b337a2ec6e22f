"""W3C Bitstring Status List v1.0 codec: the ``encodedList`` bitstring (bit-level, internal).

An ``encodedList`` is multibase base64url (``u`` prefix, no padding) of the GZIP-compressed
bitstring. Entry ``i`` occupies ``statusSize`` bits starting at bit ``i * statusSize``, and
bit 0 is the **most significant** bit of the first byte (the opposite of the IETF Token
Status List, see :mod:`oretrust.status.token_status_list`). A list holds at least 131,072
entries (16 KB per status bit) for herd privacy.

Decoding refuses, each with a :class:`~oretrust.errors.MalformedTokenError` code:

- ``STATUS_LIST_MALFORMED``: no ``u`` prefix, bad base64url, not a complete gzip stream;
- ``STATUS_LIST_TOO_LARGE``: would inflate beyond ``max_entries`` (decompression bomb);
- ``STATUS_LIST_TOO_SHORT``: fewer than 131,072 entries.

Misuse by the caller (index out of range, value too wide) raises
:class:`~oretrust.errors.InputError`.
"""

from __future__ import annotations

import gzip

from oretrust.codes import Code
from oretrust.encoding import b64url_encode
from oretrust.errors import InputError, MalformedTokenError
from oretrust.status._compression import (
    GZIP_WBITS,
    STATUS_LIST_MALFORMED,
    STATUS_LIST_TOO_SHORT,
    decode_compressed,
)

__all__ = [
    "DEFAULT_MAX_BITSTRING_ENTRIES",
    "MIN_BITSTRING_ENTRIES",
    "MULTIBASE_BASE64URL_PREFIX",
    "BitstringStatusList",
    "decode_bitstring",
    "encode_bitstring",
]

MIN_BITSTRING_ENTRIES = 131_072
"""The spec's minimum list length (16 KB of 1-bit entries)."""

DEFAULT_MAX_BITSTRING_ENTRIES = 1 << 24
"""Default decoding bound: 16,777,216 entries (2 MiB at ``statusSize`` 1)."""

MULTIBASE_BASE64URL_PREFIX = "u"


def _check_status_size(status_size: int) -> None:
    if not 1 <= status_size <= 8:
        raise InputError(
            f"statusSize {status_size} is not supported (1..8)", code=Code.STATUS_SIZE_UNSUPPORTED
        )


class BitstringStatusList:
    """A mutable bitstring status list of ``length`` entries of ``status_size`` bits each."""

    __slots__ = ("_data", "_length", "_status_size")

    def __init__(self, length: int = MIN_BITSTRING_ENTRIES, *, status_size: int = 1) -> None:
        """Create an all-zero list; raise InputError if ``length`` is below 131,072."""
        _check_status_size(status_size)
        if length < MIN_BITSTRING_ENTRIES:
            raise InputError(
                f"a bitstring status list needs at least {MIN_BITSTRING_ENTRIES} entries",
                code=STATUS_LIST_TOO_SHORT,
            )
        self._length = length
        self._status_size = status_size
        self._data = bytearray(-(-length * status_size // 8))

    @classmethod
    def from_bytes(cls, data: bytes, *, status_size: int = 1) -> BitstringStatusList:
        """Wrap an uncompressed bitstring (copied); its length is ``len(data)*8 // status_size``.

        Raises InputError (``STATUS_LIST_TOO_SHORT``) below 131,072 entries.
        """
        _check_status_size(status_size)
        length = len(data) * 8 // status_size
        if length < MIN_BITSTRING_ENTRIES:
            raise InputError(
                f"bitstring holds {length} entries, fewer than {MIN_BITSTRING_ENTRIES}",
                code=STATUS_LIST_TOO_SHORT,
            )
        status_list = cls.__new__(cls)
        status_list._length = length
        status_list._status_size = status_size
        status_list._data = bytearray(data)
        return status_list

    @property
    def length(self) -> int:
        """Number of entries in the list."""
        return self._length

    @property
    def status_size(self) -> int:
        """Bits per entry (the credential's ``statusSize``, default 1)."""
        return self._status_size

    def __len__(self) -> int:
        return self._length

    def _out_of_range(self, index: int) -> InputError:
        return InputError(
            f"status index {index} is outside the list (0..{self._length - 1})",
            code=Code.STATUS_INDEX_OUT_OF_RANGE,
        )

    def get(self, index: int) -> int:
        """Return entry ``index`` (0 or 1 for 1-bit lists); raise InputError if out of range."""
        if not 0 <= index < self._length:
            raise self._out_of_range(index)
        data = self._data
        if self._status_size == 1:
            return (data[index >> 3] >> (7 - (index & 7))) & 1
        value = 0
        start = index * self._status_size
        for pos in range(start, start + self._status_size):
            value = (value << 1) | ((data[pos >> 3] >> (7 - (pos & 7))) & 1)
        return value

    def set(self, index: int, value: int = 1) -> None:
        """Store ``value`` at entry ``index``; raise InputError if either does not fit."""
        if not 0 <= index < self._length:
            raise self._out_of_range(index)
        if not 0 <= value < (1 << self._status_size):
            raise InputError(
                f"status value {value} does not fit in {self._status_size} bit(s)",
                code=Code.STATUS_VALUE_OUT_OF_RANGE,
            )
        data = self._data
        start = index * self._status_size
        for offset in range(self._status_size):
            pos = start + offset
            mask = 0x80 >> (pos & 7)
            if (value >> (self._status_size - 1 - offset)) & 1:
                data[pos >> 3] |= mask
            else:
                data[pos >> 3] &= ~mask & 0xFF

    def to_bytes(self) -> bytes:
        """The uncompressed bitstring (most significant bit first)."""
        return bytes(self._data)


def encode_bitstring(status_list: BitstringStatusList, *, level: int = 9) -> str:
    """Encode as an ``encodedList``: ``u`` + base64url(gzip(bitstring)), deterministic.

    The gzip header's mtime is fixed at 0 so the output depends only on the bits and
    ``level`` (no clock).
    """
    compressed = gzip.compress(status_list.to_bytes(), compresslevel=level, mtime=0)
    return MULTIBASE_BASE64URL_PREFIX + b64url_encode(compressed)


def decode_bitstring(
    encoded: str,
    *,
    status_size: int = 1,
    max_entries: int = DEFAULT_MAX_BITSTRING_ENTRIES,
) -> BitstringStatusList:
    """Decode an ``encodedList``, inflating at most ``max_entries * status_size`` bits.

    Raises MalformedTokenError: ``STATUS_LIST_MALFORMED`` (no ``u`` prefix, bad base64url,
    not gzip, truncated), ``STATUS_LIST_TOO_LARGE`` (beyond ``max_entries``: a bomb),
    ``STATUS_LIST_TOO_SHORT`` (under 131,072 entries). InputError for a bad ``status_size``
    or a ``max_entries`` below the minimum.
    """
    _check_status_size(status_size)
    if max_entries < MIN_BITSTRING_ENTRIES:
        raise InputError(
            f"max_entries {max_entries} is below the spec minimum {MIN_BITSTRING_ENTRIES}",
            code=Code.INVALID_INPUT,
        )
    if not encoded.startswith(MULTIBASE_BASE64URL_PREFIX):
        raise MalformedTokenError(
            "encodedList must be multibase base64url (prefix 'u')", code=STATUS_LIST_MALFORMED
        )
    max_bytes = max_entries * status_size // 8  # floored: the bound stays exact
    raw = decode_compressed(encoded[1:], wbits=GZIP_WBITS, max_bytes=max_bytes)
    if len(raw) * 8 // status_size < MIN_BITSTRING_ENTRIES:
        raise MalformedTokenError(
            f"encodedList holds fewer than {MIN_BITSTRING_ENTRIES} entries",
            code=STATUS_LIST_TOO_SHORT,
        )
    return BitstringStatusList.from_bytes(raw, status_size=status_size)
