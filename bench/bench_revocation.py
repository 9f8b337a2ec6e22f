"""Benchmark the revocation registry on SQLite: allocation, revocation, publication delay.

Run: ``.venv/bin/python bench/bench_revocation.py [--count N] [--samples N]``.

Reports, in a fresh home in a temporary folder (embedded SQLite, WAL):

* status index allocations per second (``allocate_index``, one transaction each);
* revocations per second through the service (``revoke``: conditional update, list version
  bump, hash-chained log entry and the re-signed list documents in one transaction);
* the delay from an acknowledged revocation (``revoke`` returned) to the published list
  showing it (``stored_status_list`` reads what the writer stored: a read + decode of the
  served document), as median and p95, for the BSL and the TSL documents.

Machines are noisy, so every figure is also a ratio to a baseline measured in the same run:
a plain loop inserting one row per transaction into a table of the same database.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from figure_table import Figure

from oretrust import identities
from oretrust.formats.jws import parse_compact
from oretrust.home import Home
from oretrust.status.allocation import Allocation, allocate_index
from oretrust.status.bitstring import decode_bitstring
from oretrust.status.operations import revoke
from oretrust.status.publication import stored_status_list
from oretrust.status.rules import DocumentKind, document_id
from oretrust.status.token_status_list import decode_status_list

ISSUER = "did:web:mines.gouv.cd.example"


def _plain_insert_seconds(home: Home, count: int) -> float:
    """Baseline: ``count`` single-row INSERT + COMMIT transactions, seconds per row."""
    with home.engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE bench_baseline (id INTEGER PRIMARY KEY, v TEXT)"))
    start = time.perf_counter()
    for number in range(count):
        with home.engine.begin() as connection:
            connection.execute(
                sa.text("INSERT INTO bench_baseline (v) VALUES (:v)"), {"v": f"row {number}"}
            )
    return (time.perf_counter() - start) / count


def _allocate(
    home: Home, count: int, now: datetime, rng: random.Random
) -> tuple[list[Allocation], float]:
    start = time.perf_counter()
    allocations = [
        allocate_index(
            home,
            issuer_did=ISSUER,
            credential_id=f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}",
            type_name="MiningLicenceCredential",
            now=now,
        )
        for _ in range(count)
    ]
    return allocations, (time.perf_counter() - start) / count


def _revoke_all(home: Home, allocations: list[Allocation], now: datetime) -> float:
    start = time.perf_counter()
    for allocation in allocations:
        revoke(home, allocation.credential_id, reason="benchmark", actor="bench", now=now)
    return (time.perf_counter() - start) / len(allocations)


def _visible_delay(home: Home, allocation: Allocation, kind: str, now: datetime) -> float:
    """Seconds from ``revoke`` returning to a published document that shows the revocation."""
    published_id = document_id(allocation.list_id, "tsl" if kind == "tsl" else "revocation")
    revoke(home, allocation.credential_id, reason="benchmark", actor="bench", now=now)
    acknowledged = time.perf_counter()
    token = stored_status_list(home, published_id).token
    payload = parse_compact(token).unverified_payload()
    if kind == "tsl":
        shown = decode_status_list(payload["status_list"]).get(allocation.index) == 1
    else:
        encoded = payload["credentialSubject"]["encodedList"]
        shown = decode_bitstring(encoded).get(allocation.index) == 1
    elapsed = time.perf_counter() - acknowledged
    if not shown:
        raise SystemExit(f"revocation of {allocation.credential_id} not visible in {published_id}")
    return elapsed


def measure(
    count: int, samples: int, seed: int
) -> tuple[float, float, float, dict[str, list[float]]]:
    """Seconds per plain insert (baseline), allocation and revocation, and the delays."""
    rng = random.Random(seed)
    now = datetime.now(UTC)

    with tempfile.TemporaryDirectory(prefix="oretrust-bench-") as folder:
        home = Home.open(Path(folder))
        identities.add_issuer(
            home, "ministry", display_name="Ministry of Mines", did=ISSUER, now=now
        )
        baseline = _plain_insert_seconds(home, count)
        allocations, allocate_s = _allocate(home, count + 2 * samples, now, rng)
        timed, delay_pool = allocations[:count], allocations[count:]
        revoke_s = _revoke_all(home, timed, now)
        kinds: tuple[DocumentKind, ...] = ("revocation", "tsl")
        for kind in kinds:  # the writer stored every document already
            stored_status_list(home, document_id(timed[0].list_id, kind))
        delays = {
            "BSL": [_visible_delay(home, a, "bsl", now) for a in delay_pool[:samples]],
            "TSL": [_visible_delay(home, a, "tsl", now) for a in delay_pool[samples:]],
        }
        home.engine.dispose()
    return baseline, allocate_s, revoke_s, delays


def figures(count: int = 500, samples: int = 100, seed: int = 20_261_123) -> list[Figure]:
    """The figures for ``bench/run_all.py``: each time beside a plain INSERT + COMMIT."""
    baseline, allocate_s, revoke_s, delays = measure(count, samples, seed)
    result = [
        Figure("bench_revocation", "allocate_index", allocate_s * 1e3, "ms", baseline * 1e3,
               "ms INSERT+COMMIT", lower_is_better=True),
        Figure("bench_revocation", "revoke (update, log, re-signed documents)", revoke_s * 1e3,
               "ms", baseline * 1e3, "ms INSERT+COMMIT", lower_is_better=True),
    ]  # fmt: skip
    for name, delay in delays.items():
        result.append(Figure("bench_revocation", f"revocation visible in {name} (median)",
                             statistics.median(delay) * 1e3, "ms", baseline * 1e3,
                             "ms INSERT+COMMIT", lower_is_better=True))  # fmt: skip
    return result


def main() -> int:
    """Measure and print the table; return a process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500, help="allocations/revocations to time")
    parser.add_argument("--samples", type=int, default=100, help="publication delay samples")
    parser.add_argument("--seed", type=int, default=20_261_123)
    args = parser.parse_args()
    baseline, allocate_s, revoke_s, delays = measure(args.count, args.samples, args.seed)

    print(
        f"oretrust revocation benchmark: Python {sys.version.split()[0]}, "
        f"SQLite {sqlite3.sqlite_version}, SQLAlchemy {sa.__version__}"
    )
    print(f"{args.count:,} allocations and revocations, {args.samples} delay samples per format\n")
    print(f"  {'operation':<46}{'per op':>11}{'per second':>12}{'ratio':>8}")
    rows = [
        ("baseline: plain INSERT + COMMIT", baseline),
        ("allocate_index (random index, unique insert)", allocate_s),
        ("revoke (update, log, re-signed documents)", revoke_s),
    ]
    for name, seconds in rows:
        print(f"  {name:<46}{_fmt(seconds):>11}{1 / seconds:>12,.0f}{seconds / baseline:>7.2f}x")
    print("\nDelay from acknowledged revocation to a published list showing it")
    print(f"  {'document':<46}{'median':>11}{'p95':>12}{'ratio':>8}")
    for name, samples in delays.items():
        median = statistics.median(samples)
        p95 = statistics.quantiles(samples, n=20)[-1]
        label = f"{name} (stored document read + decode)"
        print(f"  {label:<46}{_fmt(median):>11}{_fmt(p95):>12}{median / baseline:>7.2f}x")
    print(
        "\n(ratio = time / baseline insert, both measured in this run; delay ratio uses the median)"
    )
    return 0


def _fmt(seconds: float) -> str:
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"


if __name__ == "__main__":
    raise SystemExit(main())
