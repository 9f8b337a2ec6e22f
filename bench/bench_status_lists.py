"""Benchmark the two status-list codecs on a 1,000,000-entry list with 1% of entries set.

Run: ``.venv/bin/python bench/bench_status_lists.py [--seed N] [--repeat N]``.

Reports, for the IETF Token Status List (1 bit) and the W3C Bitstring Status List:
compressed size at zlib levels 6 and 9 (the IETF draft's size table gives 13.7 KB for 1M
entries at 1%, measured as zlib level 9 bytes with KB = 1024 bytes), decode time and time
per lookup after decoding. Machines are noisy, so each time also appears as a ratio to a
baseline measured in the same run: decode against a bare ``zlib.decompress`` of the same
compressed bytes, lookup against a plain loop indexing a Python ``bytes`` object.
Timings are the median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from figure_table import Figure

from oretrust.encoding import b64url_decode
from oretrust.status.bitstring import BitstringStatusList, decode_bitstring, encode_bitstring
from oretrust.status.token_status_list import INVALID, TokenStatusList, decode_lst, encode_lst

ENTRIES = 1_000_000
SET_FRACTION = 0.01
LOOKUPS = 1_000_000
IETF_TABLE_KB = 13.7


def _median_seconds(func: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _lookup_loop(get: Callable[[int], int], indices: list[int]) -> Callable[[], int]:
    def run() -> int:
        total = 0
        for index in indices:
            total += get(index)
        return total

    return run


def _bytes_loop(raw: bytes, indices: list[int]) -> Callable[[], int]:
    def run() -> int:
        total = 0
        for index in indices:
            total += raw[index >> 3]
        return total

    return run


@dataclass(frozen=True)
class Measured:
    """What one run measured: the lists, sizes per codec and level, the timed rows."""

    revoked: int
    uncompressed: int
    sizes: list[tuple[str, int, int, int]]  # codec, level, bytes, encoded chars
    tsl_bytes: int  # the TSL at level 9
    rows: list[tuple[str, float, float, str]]  # operation, seconds, baseline seconds, baseline is


def measure(seed: int, repeat: int) -> Measured:
    """Build the lists, check they decode back, and time decode and lookup (module docstring)."""
    rng = random.Random(seed)
    revoked = rng.sample(range(ENTRIES), int(ENTRIES * SET_FRACTION))
    lookups = [rng.randrange(ENTRIES) for _ in range(LOOKUPS)]

    tsl = TokenStatusList(ENTRIES, bits=1)
    bsl = BitstringStatusList(ENTRIES)
    for index in revoked:
        tsl.set(index, INVALID)
        bsl.set(index)

    sizes: list[tuple[str, int, int, int]] = []
    encoded: dict[str, str] = {}
    for level in (6, 9):
        lst = encode_lst(tsl, level=level)
        bits = encode_bitstring(bsl, level=level)
        for name, text, raw_len in (
            ("TSL  (zlib, bits=1)", lst, len(b64url_decode(lst))),
            ("BSL  (gzip, multibase)", bits, len(b64url_decode(bits[1:]))),
        ):
            sizes.append((name, level, raw_len, len(text)))
        encoded = {"tsl": lst, "bsl": bits}  # keep the level-9 encodings
    tsl_bytes = len(b64url_decode(encoded["tsl"]))

    tsl_compressed = b64url_decode(encoded["tsl"])
    bsl_compressed = b64url_decode(encoded["bsl"][1:])
    decoded_tsl = decode_lst(encoded["tsl"], bits=1)
    decoded_bsl = decode_bitstring(encoded["bsl"])
    assert decoded_tsl.to_bytes() == tsl.to_bytes()
    assert decoded_bsl.to_bytes() == bsl.to_bytes()
    assert all(decoded_tsl.get(i) == INVALID and decoded_bsl.get(i) == 1 for i in revoked)

    rows: list[tuple[str, float, float, str]] = []
    zlib_tsl = _median_seconds(lambda: zlib.decompress(tsl_compressed), repeat)
    zlib_bsl = _median_seconds(lambda: zlib.decompress(bsl_compressed, wbits=31), repeat)
    dec_tsl = _median_seconds(lambda: decode_lst(encoded["tsl"], bits=1), repeat)
    dec_bsl = _median_seconds(lambda: decode_bitstring(encoded["bsl"]), repeat)
    rows += [
        ("decode TSL (base64url+bounded zlib)", dec_tsl, zlib_tsl, "zlib.decompress"),
        ("decode BSL (base64url+bounded gzip)", dec_bsl, zlib_bsl, "zlib.decompress"),
    ]

    raw = tsl.to_bytes()
    lookup_repeat = max(3, repeat // 2)
    base = _median_seconds(_bytes_loop(raw, lookups), lookup_repeat) / LOOKUPS
    get_tsl = _median_seconds(_lookup_loop(decoded_tsl.get, lookups), lookup_repeat) / LOOKUPS
    get_bsl = _median_seconds(_lookup_loop(decoded_bsl.get, lookups), lookup_repeat) / LOOKUPS
    rows += [
        (f"lookup TSL .get (avg of {LOOKUPS:,})", get_tsl, base, "bytes[i>>3] loop"),
        (f"lookup BSL .get (avg of {LOOKUPS:,})", get_bsl, base, "bytes[i>>3] loop"),
    ]
    return Measured(len(revoked), len(tsl.to_bytes()), sizes, tsl_bytes, rows)


def figures(seed: int = 20_260_101, repeat: int = 7) -> list[Figure]:
    """The figures for ``bench/run_all.py``: the TSL's size beside the IETF draft's, and each
    time beside its baseline (lower is better)."""
    measured = measure(seed, repeat)
    result = [
        Figure("bench_status_lists", "TSL size, 1M entries at 1% (zlib 9)",
               measured.tsl_bytes / 1024, "KB", IETF_TABLE_KB, "KB (IETF draft)", target=1.0,
               lower_is_better=True),
    ]  # fmt: skip
    for name, seconds, baseline, what in measured.rows:
        result.append(
            Figure("bench_status_lists", name, seconds * 1e6, "us", baseline * 1e6, f"us {what}",
                   lower_is_better=True)
        )  # fmt: skip
    return result


def main() -> int:
    """Build the lists, measure, print the table; return a process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20_260_101)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    measured = measure(args.seed, args.repeat)

    python = sys.version.split()[0]
    print(f"oretrust status-list benchmark: Python {python}, zlib {zlib.ZLIB_VERSION}")
    print(
        f"{ENTRIES:,} entries, {measured.revoked:,} set ({SET_FRACTION:.0%}, random, "
        f"seed {args.seed})"
    )
    print(
        f"uncompressed {measured.uncompressed:,} bytes; times are medians of {args.repeat} runs\n"
    )

    print("Compressed size")
    print(f"  {'codec':<28}{'level':>6}{'bytes':>10}{'KB':>8}{'encoded chars':>15}")
    for name, level, raw_len, chars in measured.sizes:
        print(f"  {name:<28}{level:>6}{raw_len:>10,}{raw_len / 1024:>8.1f}{chars:>15,}")
    tsl_bytes = measured.tsl_bytes
    verdict = "at or under" if round(tsl_bytes / 1024, 1) <= IETF_TABLE_KB else "OVER"
    print(
        f"  -> TSL at level 9: {tsl_bytes / 1024:.1f} KB, {verdict} the IETF draft's "
        f"{IETF_TABLE_KB} KB for 1M entries at 1%\n"
    )

    print("Time (ratio = measured / baseline from this run)")
    print(f"  {'operation':<38}{'time':>11}{'baseline':>11}{'ratio':>8}  baseline is")
    for name, value, baseline, what in measured.rows:
        print(f"  {name:<38}{_fmt(value):>11}{_fmt(baseline):>11}{value / baseline:>7.2f}x  {what}")
    return 0


def _fmt(seconds: float) -> str:
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    if seconds >= 1e-6:
        return f"{seconds * 1e6:.2f} us"
    return f"{seconds * 1e9:.1f} ns"


if __name__ == "__main__":
    raise SystemExit(main())
