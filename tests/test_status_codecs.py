"""Status-list codecs: W3C Bitstring Status List and IETF Token Status List.

Vectors come from ``tests/vectors/bsl`` (npm @digitalbazaar/bitstring) and
``tests/vectors/tsl`` (oauth-wg/draft-ietf-oauth-status-list examples); we compare
decoded bits, never encoded strings, because gzip/zlib output legitimately differs.
"""

from __future__ import annotations

import base64
import gzip
import json
import random
import re
import tracemalloc
import zlib
from collections.abc import Callable
from functools import cache, partial
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oretrust.errors import InputError, MalformedTokenError
from oretrust.status.bitstring import (
    DEFAULT_MAX_BITSTRING_ENTRIES,
    MIN_BITSTRING_ENTRIES,
    BitstringStatusList,
    decode_bitstring,
    encode_bitstring,
)
from oretrust.status.token_status_list import (
    INVALID,
    SUSPENDED,
    VALID,
    TokenStatusList,
    decode_lst,
    decode_status_list,
    encode_lst,
    encode_status_list,
)

MB = 1 << 20


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _gzip_encoded(raw: bytes) -> str:
    return "u" + _b64url(gzip.compress(raw, mtime=0))


# --- loaders: one per vector format ---------------------------------------------------------


@cache
def _bsl_vectors(vectors_dir: Path) -> dict[str, dict[str, Any]]:
    data = json.loads((vectors_dir / "bsl" / "vectors.json").read_text())
    return {v["name"]: v for v in data}


@cache
def _tsl_expected(vectors_dir: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((vectors_dir / "tsl" / "expected.json").read_text())
    return result


def _tsl_json_example(path: Path) -> dict[str, Any]:
    """Parse a draft's ``status_list_encoding*_json.md``: a JSON object with wrapped ``lst``."""
    text = path.read_text()
    body = text[text.index("{") : text.rindex("}") + 1]
    # The draft wraps lst over lines; no key or value contains meaningful whitespace.
    result: dict[str, Any] = json.loads(re.sub(r"\s+", "", body))
    return result


def _eight_bit_long_expected() -> dict[int, int]:
    """Regenerate the draft's 8-bit example as described in expected.json (later writes win)."""
    rng = random.Random(42)
    statuses: dict[int, int] = {}
    for value in range(256):
        statuses[rng.randint(0, 2**20 - 1)] = value
    return {i: v for i, v in statuses.items() if v}


# --- W3C Bitstring Status List: vectors --------------------------------------------------------

BSL_VECTOR_NAMES = ["all-zero-131072", "idx0-only", "idx7-only", "idx8-only", "mixed"]


def test_bsl_vector_file_has_no_untested_cases(vectors_dir: Path) -> None:
    assert sorted(_bsl_vectors(vectors_dir)) == sorted(BSL_VECTOR_NAMES)


@pytest.mark.parametrize("name", BSL_VECTOR_NAMES)
def test_bsl_vector_decodes(vectors_dir: Path, name: str) -> None:
    vector = _bsl_vectors(vectors_dir)[name]
    status_list = decode_bitstring(vector["encodedList"])
    raw = status_list.to_bytes()
    assert status_list.length == vector["length"]
    assert raw[:2].hex() == vector["first_bytes_hex"]
    assert all(status_list.get(i) == 1 for i in vector["set_indices"])
    assert sum(bin(b).count("1") for b in raw) == len(vector["set_indices"])
    # our own encoding decodes back to the same bits
    assert decode_bitstring(encode_bitstring(status_list)).to_bytes() == raw


def test_bsl_index_zero_is_most_significant_bit() -> None:
    status_list = BitstringStatusList()
    status_list.set(0)
    status_list.set(9)
    assert status_list.to_bytes()[:2] == bytes([0x80, 0x40])
    assert status_list.get(0) == 1 and status_list.get(1) == 0 and status_list.get(9) == 1


def test_bsl_default_list_is_minimum_size_and_all_zero() -> None:
    status_list = BitstringStatusList()
    assert len(status_list) == MIN_BITSTRING_ENTRIES == 131_072
    assert status_list.to_bytes() == bytes(16 * 1024)


def test_bsl_set_can_clear_a_bit() -> None:
    status_list = BitstringStatusList()
    status_list.set(5)
    status_list.set(5, 0)
    assert status_list.get(5) == 0
    assert status_list.to_bytes() == bytes(16 * 1024)


def test_bsl_encoding_is_deterministic_and_multibase() -> None:
    status_list = BitstringStatusList()
    status_list.set(42)
    encoded = encode_bitstring(status_list)
    assert encoded.startswith("u") and "=" not in encoded
    assert encoded == encode_bitstring(status_list)
    assert gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "==")) == status_list.to_bytes()


def test_bsl_status_size_two_packs_msb_first() -> None:
    status_list = BitstringStatusList(status_size=2)
    status_list.set(0, 0b10)
    status_list.set(1, 0b01)
    status_list.set(3, 0b11)
    assert status_list.to_bytes()[0] == 0b1001_0011
    assert [status_list.get(i) for i in range(5)] == [2, 1, 0, 3, 0]
    assert len(status_list.to_bytes()) == 32 * 1024
    decoded = decode_bitstring(encode_bitstring(status_list), status_size=2)
    assert decoded.to_bytes() == status_list.to_bytes()


@settings(max_examples=30, deadline=None)
@given(
    status_size=st.sampled_from([1, 2, 3, 8]),
    entries=st.dictionaries(st.integers(0, MIN_BITSTRING_ENTRIES - 1), st.integers(0, 255)),
)
def test_bsl_round_trip(status_size: int, entries: dict[int, int]) -> None:
    status_list = BitstringStatusList(status_size=status_size)
    expected = {i: v % (1 << status_size) for i, v in entries.items()}
    for index, value in expected.items():
        status_list.set(index, value)
    decoded = decode_bitstring(encode_bitstring(status_list), status_size=status_size)
    assert decoded.length == MIN_BITSTRING_ENTRIES
    for index, value in expected.items():
        assert decoded.get(index) == value
    assert decoded.to_bytes() == status_list.to_bytes()


def test_bsl_index_and_value_bounds() -> None:
    status_list = BitstringStatusList()
    for index in (-1, MIN_BITSTRING_ENTRIES):
        with pytest.raises(InputError) as exc_info:
            status_list.get(index)
        assert exc_info.value.code == "STATUS_INDEX_OUT_OF_RANGE"
    with pytest.raises(InputError) as exc_info:
        status_list.set(0, 2)
    assert exc_info.value.code == "STATUS_VALUE_OUT_OF_RANGE"
    with pytest.raises(InputError) as exc_info:
        BitstringStatusList(status_size=9)
    assert exc_info.value.code == "STATUS_SIZE_UNSUPPORTED"


# --- W3C Bitstring Status List: refusals ------------------------------------------------------


def _code_of(call: Callable[[], object]) -> str:
    with pytest.raises(MalformedTokenError) as exc_info:
        call()
    return exc_info.value.code


def test_list_shorter_than_minimum_refused() -> None:
    short = _gzip_encoded(bytes(16 * 1024 - 1))
    assert _code_of(lambda: decode_bitstring(short)) == "STATUS_LIST_TOO_SHORT"
    # with statusSize 2 the minimum is 131,072 two-bit entries, i.e. 32 KB
    sixteen_kb = _gzip_encoded(bytes(16 * 1024))
    assert _code_of(lambda: decode_bitstring(sixteen_kb, status_size=2)) == (
        "STATUS_LIST_TOO_SHORT"
    )
    with pytest.raises(InputError) as exc_info:
        BitstringStatusList(MIN_BITSTRING_ENTRIES - 1)
    assert exc_info.value.code == "STATUS_LIST_TOO_SHORT"
    with pytest.raises(InputError) as exc_info:
        BitstringStatusList.from_bytes(bytes(100))
    assert exc_info.value.code == "STATUS_LIST_TOO_SHORT"


def test_truncated_bitstring_refused() -> None:
    status_list = BitstringStatusList()
    status_list.set(1234)
    compressed = gzip.compress(status_list.to_bytes(), mtime=0)
    # drop the CRC/ISIZE trailer, then cut into the deflate data itself
    for cut in (1, 4, 8, len(compressed) // 2, len(compressed) - 10):
        encoded = "u" + _b64url(compressed[:-cut])
        assert _code_of(partial(decode_bitstring, encoded)) == "STATUS_LIST_MALFORMED"


def test_bitstring_with_bad_checksum_refused() -> None:
    compressed = bytearray(gzip.compress(bytes(16 * 1024), mtime=0))
    compressed[-8] ^= 0xFF  # CRC32 of the uncompressed data
    encoded = "u" + _b64url(bytes(compressed))
    assert _code_of(lambda: decode_bitstring(encoded)) == "STATUS_LIST_MALFORMED"


def test_bitstring_with_trailing_bytes_refused() -> None:
    encoded = "u" + _b64url(gzip.compress(bytes(16 * 1024), mtime=0) + b"\x00junk")
    assert _code_of(lambda: decode_bitstring(encoded)) == "STATUS_LIST_MALFORMED"


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param("", id="empty"),
        pytest.param(_b64url(gzip.compress(bytes(16384), mtime=0)), id="no-multibase-prefix"),
        pytest.param("z" + _b64url(gzip.compress(bytes(16384), mtime=0)), id="base58-prefix"),
        pytest.param("uH4sI+AAA/AAA", id="standard-alphabet"),
        pytest.param("uH4sIAA==", id="padding"),
        pytest.param("uH4sIA", id="length-mod-4-is-1"),
        pytest.param("u", id="prefix-only"),
    ],
)
def test_malformed_base64_bitstring_refused(encoded: str) -> None:
    assert _code_of(lambda: decode_bitstring(encoded)) == "STATUS_LIST_MALFORMED"


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(zlib.compress(bytes(16384)), id="zlib-not-gzip"),
        pytest.param(bytes(16384), id="uncompressed"),
        pytest.param(b"\x1f\x8b\x08\x00garbage-after-magic", id="gzip-magic-then-garbage"),
    ],
)
def test_malformed_gzip_bitstring_refused(payload: bytes) -> None:
    assert _code_of(lambda: decode_bitstring("u" + _b64url(payload))) == "STATUS_LIST_MALFORMED"


def test_bitstring_bound_is_exact() -> None:
    at_bound = _gzip_encoded(bytes(32 * 1024))  # 262,144 one-bit entries
    assert decode_bitstring(at_bound, max_entries=262_144).length == 262_144
    over = _gzip_encoded(bytes(32 * 1024 + 1))
    assert _code_of(lambda: decode_bitstring(over, max_entries=262_144)) == (
        "STATUS_LIST_TOO_LARGE"
    )
    with pytest.raises(InputError):
        decode_bitstring(at_bound, max_entries=MIN_BITSTRING_ENTRIES - 1)


# --- IETF Token Status List: vectors ----------------------------------------------------------

# draft example file -> (expected.json key for its statuses, whether it is the 2**20 "long" list)
TSL_EXAMPLES = {
    "status_list_encoding_json.md": ("one_bit", False),
    "status_list_encoding2_json.md": ("two_bit", False),
    "status_list_encoding1_long_json.md": ("one_bit_long_nonzero", True),
    "status_list_encoding2_long_json.md": ("two_bit_long_nonzero", True),
    "status_list_encoding4_json.md": ("four_bit_long_nonzero", True),
    "status_list_encoding8_json.md": ("eight_bit_long", True),
}


def test_tsl_example_files_are_all_tested(vectors_dir: Path) -> None:
    on_disk = {p.name for p in (vectors_dir / "tsl").glob("status_list_encoding*_json.md")}
    assert on_disk == set(TSL_EXAMPLES)


@pytest.mark.parametrize("filename", list(TSL_EXAMPLES))
def test_tsl_vector_decodes(vectors_dir: Path, filename: str) -> None:
    expected = _tsl_expected(vectors_dir)
    key, is_long = TSL_EXAMPLES[filename]
    claim = _tsl_json_example(vectors_dir / "tsl" / filename)
    status_list = decode_status_list(claim)
    assert status_list.bits == claim["bits"]
    values = [status_list.get(i) for i in range(status_list.size)]
    if not is_long:
        assert values == expected[key]["statuses"]
        assert status_list.to_bytes().hex() == expected[key]["raw_hex"]
        assert claim == {"bits": expected[key]["bits"], "lst": expected[key]["lst"]}
    else:
        assert status_list.size == expected["long_size"]
        if key == "eight_bit_long":
            nonzero = _eight_bit_long_expected()
            assert len(nonzero) == 255
        else:
            nonzero = {int(i): v for i, v in expected[key].items()}
        assert {i: v for i, v in enumerate(values) if v} == nonzero
    # our own encoding decodes back to the same values
    assert decode_status_list(encode_status_list(status_list)).to_bytes() == (
        status_list.to_bytes()
    )


def test_tsl_status_list_token_index_zero_is_invalid(vectors_dir: Path) -> None:
    expected = _tsl_expected(vectors_dir)
    status_list = decode_status_list(expected["status_list_token_claims"]["status_list"])
    referenced = expected["referenced_token_expected"]
    index = referenced["status"]["status_list"]["idx"]
    assert status_list.get(index) == referenced["status_value_at_idx"] == INVALID


def test_tsl_packs_least_significant_bit_first() -> None:
    one_bit = TokenStatusList(16, bits=1)
    one_bit.set(0, INVALID)
    one_bit.set(9, INVALID)
    assert one_bit.to_bytes() == bytes([0x01, 0x02])
    two_bit = TokenStatusList(4, bits=2)
    two_bit.set(0, SUSPENDED)
    two_bit.set(3, INVALID)
    assert two_bit.to_bytes() == bytes([0b01_00_00_10])
    assert [two_bit.get(i) for i in range(4)] == [SUSPENDED, VALID, VALID, INVALID]


def test_the_two_encodings_pack_in_opposite_orders() -> None:
    bsl = BitstringStatusList()
    tsl = TokenStatusList(MIN_BITSTRING_ENTRIES, bits=1)
    bsl.set(0)
    tsl.set(0, INVALID)
    assert bsl.to_bytes()[0] == 0x80
    assert tsl.to_bytes()[0] == 0x01


def test_tsl_status_constants() -> None:
    assert (VALID, INVALID, SUSPENDED) == (0, 1, 2)


def test_tsl_size_rounds_up_to_whole_bytes() -> None:
    status_list = TokenStatusList(10, bits=1)
    assert len(status_list) == 10 and len(status_list.to_bytes()) == 2
    # a decoded list knows only its byte length: the padding entries exist and are VALID
    decoded = decode_lst(encode_lst(status_list), bits=1)
    assert decoded.size == 16 and decoded.get(15) == VALID


@settings(max_examples=40, deadline=None)
@given(
    bits=st.sampled_from([1, 2, 4, 8]),
    size=st.integers(1, 5000),
    data=st.data(),
)
def test_tsl_round_trip(bits: int, size: int, data: st.DataObject) -> None:
    entries = data.draw(
        st.dictionaries(st.integers(0, size - 1), st.integers(0, (1 << bits) - 1), max_size=200)
    )
    status_list = TokenStatusList(size, bits=bits)
    for index, value in entries.items():
        status_list.set(index, value)
    claim = encode_status_list(status_list)
    assert claim["bits"] == bits
    decoded = decode_status_list(claim)
    for index in range(size):
        assert decoded.get(index) == entries.get(index, VALID)


def test_tsl_index_and_value_bounds() -> None:
    status_list = TokenStatusList(8, bits=2)
    with pytest.raises(InputError) as exc_info:
        status_list.get(8)
    assert exc_info.value.code == "STATUS_INDEX_OUT_OF_RANGE"
    with pytest.raises(InputError) as exc_info:
        status_list.set(0, 4)
    assert exc_info.value.code == "STATUS_VALUE_OUT_OF_RANGE"
    for bad_bits in (0, 3, 16):
        with pytest.raises(InputError) as exc_info:
            TokenStatusList(8, bits=bad_bits)
        assert exc_info.value.code == "STATUS_SIZE_UNSUPPORTED"


# --- IETF Token Status List: refusals ---------------------------------------------------------


@pytest.mark.parametrize(
    "claim",
    [
        pytest.param({"bits": 3, "lst": "eNrbuRgAAhcBXQ"}, id="bits-3"),
        pytest.param({"bits": "1", "lst": "eNrbuRgAAhcBXQ"}, id="bits-string"),
        pytest.param({"bits": True, "lst": "eNrbuRgAAhcBXQ"}, id="bits-bool"),
        pytest.param({"lst": "eNrbuRgAAhcBXQ"}, id="bits-missing"),
        pytest.param({"bits": 1, "lst": 12}, id="lst-number"),
        pytest.param({"bits": 1}, id="lst-missing"),
        pytest.param({"bits": 1, "lst": "eNrbuRgAAhcBXQ=="}, id="lst-padded"),
        pytest.param({"bits": 1, "lst": "eNrbuRgAAhcB+Q"}, id="lst-standard-alphabet"),
        pytest.param({"bits": 1, "lst": _b64url(gzip.compress(b"\xb9\xa3"))}, id="gzip-not-zlib"),
        pytest.param({"bits": 1, "lst": _b64url(b"\xb9\xa3")}, id="uncompressed"),
        pytest.param({"bits": 1, "lst": _b64url(zlib.compress(b"\xb9\xa3")[:-2])}, id="truncated"),
        pytest.param({"bits": 1, "lst": _b64url(zlib.compress(b"\xb9\xa3") + b"x")}, id="trailing"),
    ],
)
def test_malformed_status_list_claim_refused(claim: dict[str, Any]) -> None:
    assert _code_of(lambda: decode_status_list(claim)) == "STATUS_LIST_MALFORMED"


def test_empty_token_status_list_refused() -> None:
    assert _code_of(lambda: decode_lst(_b64url(zlib.compress(b"")), bits=1)) == (
        "STATUS_LIST_TOO_SHORT"
    )


def test_token_status_list_bound_is_exact() -> None:
    lst = _b64url(zlib.compress(bytes(1000)))  # 1000 bytes = 2000 four-bit entries
    assert decode_lst(lst, bits=4, max_entries=2000).size == 2000
    assert _code_of(lambda: decode_lst(lst, bits=4, max_entries=1999)) == "STATUS_LIST_TOO_LARGE"
    with pytest.raises(InputError):
        decode_lst(lst, bits=1, max_entries=7)  # less than one byte can never hold a list


# --- decompression bombs (both codecs) ---------------------------------------------------------


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    """100 MB of zeros, compressed (~100 KB) as gzip and as zlib, built without a 100 MB buffer."""
    made = {}
    for name, wbits in (("gzip", 16 + 15), ("zlib", 15)):
        compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
        chunk = bytes(MB)
        parts = [compressor.compress(chunk) for _ in range(100)]
        made[name] = b"".join([*parts, compressor.flush()])
    return made


@pytest.mark.parametrize("codec", ["bitstring", "token_status_list"])
def test_gzip_bomb_refused(bombs: dict[str, bytes], codec: str) -> None:
    if codec == "bitstring":
        assert len(bombs["gzip"]) < 200 * 1024

        def decode() -> object:
            return decode_bitstring("u" + _b64url(bombs["gzip"]))
    else:
        assert len(bombs["zlib"]) < 200 * 1024

        def decode() -> object:
            return decode_status_list({"bits": 1, "lst": _b64url(bombs["zlib"])})

    tracemalloc.start()
    try:
        code = _code_of(decode)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert code == "STATUS_LIST_TOO_LARGE"
    # inflation stops just past the 2 MiB default bound: never anywhere near 100 MB
    assert DEFAULT_MAX_BITSTRING_ENTRIES // 8 == 2 * MB
    assert peak < 8 * MB


def test_oversized_encoded_list_refused_before_decoding() -> None:
    huge = "A" * (8 * MB)
    assert _code_of(lambda: decode_bitstring("u" + huge, max_entries=1 << 20)) == (
        "STATUS_LIST_TOO_LARGE"
    )
    assert _code_of(lambda: decode_lst(huge, bits=1, max_entries=1 << 20)) == (
        "STATUS_LIST_TOO_LARGE"
    )
