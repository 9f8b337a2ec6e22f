"""Status-list sizes and lookup times for 100k / 1M / 10M entries at 0.1% / 1% / 10% set,
beside the sizes the IETF Token Status List draft publishes for the same lists.

Run: ``.venv/bin/python bench/bench_status_sizes.py [--seed N] [--max-entries N]``.

For each list, random indices are set, the list is encoded as a Token Status List
(``encode_lst``, 1 bit, zlib level 9 — how the draft measured its table, KB = 1,024 bytes)
and decoded back (``decode_lst``, checked equal), and 100,000 random lookups are timed. Each
size is printed beside the draft's (draft-ietf-oauth-status-list, appendix "Size of Status
Lists for varying amount of entries and revocation rates"), as a ratio; each decode time
beside a bare ``zlib.decompress`` of the same bytes, and each lookup beside indexing a
Python ``bytes`` object, both measured in the same run.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import zlib

from figure_table import Figure

from oretrust.encoding import b64url_decode
from oretrust.status.token_status_list import INVALID, TokenStatusList, decode_lst, encode_lst

#: The draft's table, in bytes (KB = 1,024): (entries, percent set) -> size.
DRAFT_BYTES = {
    (100_000, 0.1): 252, (100_000, 1.0): 1.4 * 1024, (100_000, 10.0): 6.9 * 1024,
    (1_000_000, 0.1): 2.2 * 1024, (1_000_000, 1.0): 13.7 * 1024, (1_000_000, 10.0): 67.6 * 1024,
    (10_000_000, 0.1): 21.1 * 1024, (10_000_000, 1.0): 135.4 * 1024,
    (10_000_000, 10.0): 672.9 * 1024,
}  # fmt: skip
LOOKUPS = 100_000


def _seconds(run: object, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return best


def measure(entries: int, percent: float, rng: random.Random) -> dict[str, float]:
    """One list: its encoded size, decode and lookup times and their baselines."""
    status = TokenStatusList(entries, bits=1)
    for index in rng.sample(range(entries), int(entries * percent / 100)):
        status.set(index, INVALID)
    encoded = encode_lst(status, level=9)
    compressed = b64url_decode(encoded)
    decoded = decode_lst(encoded, bits=1)
    assert decoded.to_bytes() == status.to_bytes()
    raw = status.to_bytes()
    indices = [rng.randrange(entries) for _ in range(LOOKUPS)]
    return {
        "bytes": len(compressed),
        "decode": _seconds(lambda: decode_lst(encoded, bits=1)),
        "decode_baseline": _seconds(lambda: zlib.decompress(compressed)),
        "lookup": _seconds(lambda: [decoded.get(i) for i in indices]) / LOOKUPS,
        "lookup_baseline": _seconds(lambda: [raw[i >> 3] for i in indices]) / LOOKUPS,
    }


def main() -> int:
    """Measure and print the table; return a process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--max-entries", type=int, default=10_000_000, help="skip larger lists")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(f"oretrust status-list sizes: Python {sys.version.split()[0]}, zlib level 9, "
          f"{LOOKUPS:,} random lookups per list")  # fmt: skip
    print(f"  {'entries':>10} {'set':>5} {'bytes':>9} {'draft':>9} {'size ratio':>10}"
          f" {'decode ms':>9} {'x zlib':>6} {'lookup ns':>9} {'x bytes':>7}")  # fmt: skip
    for (entries, percent), draft in DRAFT_BYTES.items():
        if entries > args.max_entries:
            continue
        m = measure(entries, percent, rng)
        print(f"  {entries:>10,} {percent:>4g}% {m['bytes']:>9,} {draft:>9,.0f}"
              f" {m['bytes'] / draft:>10.3f} {m['decode'] * 1000:>9.2f}"
              f" {m['decode'] / m['decode_baseline']:>6.2f} {m['lookup'] * 1e9:>9.1f}"
              f" {m['lookup'] / m['lookup_baseline']:>7.2f}")  # fmt: skip
    return 0


def figures(seed: int = 20261201, max_entries: int = 10_000_000) -> list[Figure]:
    """The figures for ``bench/run_all.py``: each list's size beside the draft's, its decode
    and lookup times beside their baselines (lower is better)."""
    rng = random.Random(seed)
    result: list[Figure] = []
    for (entries, percent), draft in DRAFT_BYTES.items():
        if entries > max_entries:
            continue
        m = measure(entries, percent, rng)
        name = f"TSL {entries:,} entries at {percent:g}%"
        result += [
            Figure("bench_status_sizes", f"{name}: size", m["bytes"], "B", draft, "B (IETF draft)",
                   lower_is_better=True),
            Figure("bench_status_sizes", f"{name}: decode", m["decode"] * 1e3, "ms",
                   m["decode_baseline"] * 1e3, "ms zlib.decompress", lower_is_better=True),
            Figure("bench_status_sizes", f"{name}: lookup", m["lookup"] * 1e9, "ns",
                   m["lookup_baseline"] * 1e9, "ns bytes[i>>3]", lower_is_better=True),
        ]  # fmt: skip
    return result


if __name__ == "__main__":
    raise SystemExit(main())
