"""Benchmark status-index allocation as a list fills: the cost must stay flat to the last slot.

Run: ``.venv/bin/python bench/bench_allocation.py [--samples N] [--size N]``.

For each fill level (5%, 95%, 99.9%, and the list's last ``--samples`` free slots) a fresh
issuer's list of ``--size`` slots (131,072, as published) is filled to that level with a bulk
insert of random distinct indices (a test fast path: the rows are what issuance writes), then
``allocate_index`` is timed ``--samples`` times (the last level: until the list is full).
Each figure is printed as milliseconds per allocation and as a ratio to the 5% level
measured in the same run, so the machine's speed cancels out: flat means ratios near 1 (the
random allocator that loaded every taken index once measured ~26 at 95% fill, and 0.3-1 s
per credential near the end).
"""

from __future__ import annotations

import argparse
import json
import random
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
from oretrust.home import Home
from oretrust.status.allocation import allocate_index
from oretrust.status.rules import LIST_SIZE

LEVELS = (0.05, 0.95, 0.999)


def _fill(home: Home, issuer: str, size: int, taken: int, now: datetime) -> None:
    """Open ``issuer``'s list with one allocation, then bulk-insert ``taken - 1`` more rows."""
    first = allocate_index(
        home, issuer_did=issuer, credential_id=f"urn:uuid:{uuid.uuid4()}",
        type_name="MineralOriginCertificate", now=now, list_size=size,
    )  # fmt: skip
    free = [i for i in range(size) if i != first.index]
    chosen = random.Random(size + taken).sample(free, taken - 1)
    rows = [
        {
            "list_id": first.list_id, "list_index": index,
            "credential_id": f"urn:bench:{first.list_id}:{index}",
            "credential_type": "MineralOriginCertificate", "issuer_did": issuer,
            "suspendable": False, "status": 0, "allocated_at": now, "updated_at": now,
        }
        for index in chosen
    ]  # fmt: skip
    with home.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO status_entry (list_id, list_index, credential_id, credential_type,"
                " issuer_did, suspendable, status, allocated_at, updated_at) VALUES (:list_id,"
                " :list_index, :credential_id, :credential_type, :issuer_did, :suspendable,"
                " :status, :allocated_at, :updated_at)"
            ),
            rows,
        )


def _time_allocations(home: Home, issuer: str, size: int, samples: int, now: datetime) -> float:
    """Median seconds of one ``allocate_index`` in ``issuer``'s list."""
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        allocate_index(
            home, issuer_did=issuer, credential_id=f"urn:uuid:{uuid.uuid4()}",
            type_name="MineralOriginCertificate", now=now, list_size=size,
        )  # fmt: skip
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(samples: int, size: int) -> dict[str, float]:
    """Seconds per allocation at each level, in a fresh SQLite home."""
    now = datetime.now(UTC)
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        home = Home.open(Path(folder))
        plan = [(f"{level:.1%}", round(size * level), samples) for level in LEVELS]
        plan.append(("last slots", size - samples, samples))  # until the list is full
        for number, (name, taken, count) in enumerate(plan):
            issuer = f"did:web:issuer-{number}.example"
            identities.add_issuer(home, f"issuer-{number}", display_name=name, did=issuer, now=now)
            _fill(home, issuer, size, taken, now)
            figures[name] = _time_allocations(home, issuer, size, count, now)
        home.engine.dispose()
    return figures


def figures(samples: int = 20, size: int = LIST_SIZE) -> list[Figure]:
    """The figures for ``bench/run_all.py``: each fill level's time beside the 5% level's."""
    measured = run(samples, size)
    baseline = measured["5.0%"]
    return [
        Figure("bench_allocation", f"allocate_index at {name} fill", seconds * 1e3, "ms",
               baseline * 1e3, "ms at 5% fill", lower_is_better=True)
        for name, seconds in measured.items()
        if name != "5.0%"
    ]  # fmt: skip


def main() -> None:
    """Print the table (or ``--json``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20, help="allocations per level")
    parser.add_argument("--size", type=int, default=LIST_SIZE, help="slots per list")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    figures = run(args.samples, args.size)
    baseline = figures["5.0%"]
    if args.json:
        ratios = {name: seconds / baseline for name, seconds in figures.items()}
        print(json.dumps({"seconds": figures, "ratio_to_5_percent": ratios}, indent=2))
        return
    print(f"status-index allocation, list of {args.size} slots (SQLite)")
    for name, seconds in figures.items():
        ratio = seconds / baseline
        print(f"  fill {name:>9}: {seconds * 1000:7.2f} ms  ratio to 5% fill = {ratio:.2f}")


if __name__ == "__main__":
    sys.exit(main())
