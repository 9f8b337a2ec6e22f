"""IETF Token Status List codec (draft-ietf-oauth-status-list): ``status_list`` (internal).

A status list token carries ``status_list: {"bits": 1|2|4|8, "lst": ...}`` where ``lst`` is
base64url (no padding) of the ZLIB-compressed byte array. Entry ``i`` lives in byte
``i*bits // 8`` at shift ``(i*bits) % 8`` counted from the **least significant** bit (the
opposite of the W3C bitstring, see :mod:`oretrust.status.bitstring`). Values: 0 VALID,
1 INVALID, 2 SUSPENDED, 3 and 0x0C..0x0F application-specific.

The token carries no size, so the decoder takes ``max_entries`` (what the verifier is willing
to hold) and refuses, each with a :class:`~oretrust.errors.MalformedTokenError` code:

- ``STATUS_LIST_MALFORMED``: bad ``bits``/``lst``, bad base64url, not a complete zlib stream;
- ``STATUS_LIST_TOO_LARGE``: would inflate beyond ``max_entries`` (decompression bomb);
- ``STATUS_LIST_TOO_SHORT``: an empty list.

Misuse by the caller (index out of range, value too wide) raises
:class:`~oretrust.errors.InputError`.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any, TypedDict

from oretrust.codes import Code
from oretrust.encoding import b64url_encode
from oretrust.errors import InputError, MalformedTokenError
from oretrust.status._compression import (
    STATUS_LIST_MALFORMED,
    STATUS_LIST_TOO_SHORT,
    ZLIB_WBITS,
    decode_compressed,
)

__all__ = [
    "DEFAULT_MAX_TOKEN_STATUS_ENTRIES",
    "INVALID",
    "SUSPENDED",
    "TOKEN_STATUS_BITS",
    "VALID",
    "StatusListClaim",
    "TokenStatusList",
    "decode_lst",
    "decode_status_list",
    "encode_lst",
    "encode_status_list",
]

VALID = 0
INVALID = 1
SUSPENDED = 2

TOKEN_STATUS_BITS = (1, 2, 4, 8)
"""The only ``bits`` values the draft allows."""

DEFAULT_MAX_TOKEN_STATUS_ENTRIES = 1 << 24
"""Default decoding bound: 16,777,216 entries (2 MiB at 1 bit, 16 MiB at 8 bits)."""


class StatusListClaim(TypedDict):
    """The ``status_list`` claim of a status list token."""

    bits: int
    lst: str


def _check_bits(bits: int) -> None:
    if bits not in TOKEN_STATUS_BITS:
        raise InputError(
            f"bits must be 1, 2, 4 or 8, not {bits}", code=Code.STATUS_SIZE_UNSUPPORTED
        )


class TokenStatusList:
    """A mutable Token Status List of ``size`` entries of ``bits`` bits each."""

    __slots__ = ("_bits", "_data", "_mask", "_size")

    def __init__(self, size: int, *, bits: int = 1) -> None:
        """Create an all-VALID list; raise InputError for a bad ``bits`` or ``size < 1``."""
        _check_bits(bits)
        if size < 1:
            raise InputError("a status list needs at least one entry", code=STATUS_LIST_TOO_SHORT)
        self._bits = bits
        self._mask = (1 << bits) - 1
        self._size = size
        self._data = bytearray(-(-size * bits // 8))

    @classmethod
    def from_bytes(cls, data: bytes, *, bits: int = 1) -> TokenStatusList:
        """Wrap an uncompressed byte array (copied); it holds ``len(data)*8 // bits`` entries."""
        _check_bits(bits)
        if not data:
            raise InputError("a status list needs at least one entry", code=STATUS_LIST_TOO_SHORT)
        status_list = cls.__new__(cls)
        status_list._bits = bits
        status_list._mask = (1 << bits) - 1
        status_list._size = len(data) * 8 // bits
        status_list._data = bytearray(data)
        return status_list

    @property
    def bits(self) -> int:
        """Bits per entry: 1, 2, 4 or 8."""
        return self._bits

    @property
    def size(self) -> int:
        """Number of entries (byte padding included when decoded)."""
        return self._size

    def __len__(self) -> int:
        return self._size

    def _out_of_range(self, index: int) -> InputError:
        return InputError(
            f"status index {index} is outside the list (0..{self._size - 1})",
            code=Code.STATUS_INDEX_OUT_OF_RANGE,
        )

    def get(self, index: int) -> int:
        """Return the status at ``index`` (e.g. VALID); raise InputError if out of range."""
        if not 0 <= index < self._size:
            raise self._out_of_range(index)
        pos = index * self._bits
        return (self._data[pos >> 3] >> (pos & 7)) & self._mask

    def set(self, index: int, status: int) -> None:
        """Store ``status`` at ``index``; raise InputError if either does not fit."""
        if not 0 <= index < self._size:
            raise self._out_of_range(index)
        if not 0 <= status <= self._mask:
            raise InputError(
                f"status {status} does not fit in {self._bits} bit(s)",
                code=Code.STATUS_VALUE_OUT_OF_RANGE,
            )
        pos = index * self._bits
        shift = pos & 7
        byte = self._data[pos >> 3] & ~(self._mask << shift) & 0xFF
        self._data[pos >> 3] = byte | (status << shift)

    def to_bytes(self) -> bytes:
        """The uncompressed byte array (least significant bits first)."""
        return bytes(self._data)


def encode_lst(status_list: TokenStatusList, *, level: int = 9) -> str:
    """Encode the list as ``lst``: base64url (no padding) of zlib(bytes) at ``level``."""
    return b64url_encode(zlib.compress(status_list.to_bytes(), level))


def decode_lst(
    lst: str, *, bits: int, max_entries: int = DEFAULT_MAX_TOKEN_STATUS_ENTRIES
) -> TokenStatusList:
    """Decode ``lst`` for ``bits``-bit entries, inflating at most ``max_entries`` of them.

    Raises MalformedTokenError: ``STATUS_LIST_MALFORMED`` (bad base64url, not zlib,
    truncated, bad ``bits``), ``STATUS_LIST_TOO_LARGE`` (beyond ``max_entries``: a bomb),
    ``STATUS_LIST_TOO_SHORT`` (empty). InputError if ``max_entries`` is under one byte.
    """
    if bits not in TOKEN_STATUS_BITS:
        raise MalformedTokenError(
            f"status_list.bits must be 1, 2, 4 or 8, not {bits!r}", code=STATUS_LIST_MALFORMED
        )
    # A list has len(bytes) * 8 // bits entries, so flooring keeps the bound exact.
    max_bytes = max_entries * bits // 8
    if max_bytes < 1:
        raise InputError(f"max_entries {max_entries} is below one byte", code=Code.INVALID_INPUT)
    raw = decode_compressed(lst, wbits=ZLIB_WBITS, max_bytes=max_bytes)
    if not raw:
        raise MalformedTokenError("status list is empty", code=STATUS_LIST_TOO_SHORT)
    return TokenStatusList.from_bytes(raw, bits=bits)


def encode_status_list(status_list: TokenStatusList, *, level: int = 9) -> StatusListClaim:
    """Build the token's ``status_list`` claim ``{"bits": ..., "lst": ...}``."""
    return {"bits": status_list.bits, "lst": encode_lst(status_list, level=level)}


def decode_status_list(
    claim: Mapping[str, Any], *, max_entries: int = DEFAULT_MAX_TOKEN_STATUS_ENTRIES
) -> TokenStatusList:
    """Decode a ``status_list`` claim (other members such as ``aggregation_uri`` are ignored).

    Raises MalformedTokenError as :func:`decode_lst` does, and ``STATUS_LIST_MALFORMED`` if
    ``bits`` is not an integer or ``lst`` not a string.
    """
    bits, lst = claim.get("bits"), claim.get("lst")
    if not isinstance(bits, int) or isinstance(bits, bool):
        raise MalformedTokenError("status_list.bits must be an integer", code=STATUS_LIST_MALFORMED)
    if not isinstance(lst, str):
        raise MalformedTokenError("status_list.lst must be a string", code=STATUS_LIST_MALFORMED)
    return decode_lst(lst, bits=bits, max_entries=max_entries)
