"""Benchmark the trust registry at scale: writes, the served trust list, history pages.

Run: ``.venv/bin/python bench/bench_registry.py [--count N] [--samples N] [--postgres URL]
[--json]``.

In a fresh home with a registry (SQLite; with ``--postgres`` a throwaway schema of that
PostgreSQL database, dropped after), measured twice — with a small log, then after a bulk
load (``registry.accredit_many``) to ``--count`` accreditations (10,000):

* one registry write (``registry.accredit``: lock, head, event, projection, commit), median
  of ``--samples``; the figure is the ratio *large log ÷ small log* (flat is ~1: the head was
  once found by loading every event, ~90 ms → ~440 ms by 10k);
* the log head read as it is now (``ORDER BY seq DESC LIMIT 1``, one row) beside the query
  it replaced (every event loaded as an ORM row, the first kept), at ``--count``;
* the trust list: signing it (first request after a change) and serving it kept (every
  later request: the log head, then memory), and the ratio *kept ÷ signed*;
* ``registry history``: bytes of the default page beside every event unpaged.

Every figure is beside a baseline measured in the same run, so the machine's speed cancels.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from figure_table import Figure
from sqlmodel import col, select

from oretrust import registry
from oretrust.api.publication import current_trust_list
from oretrust.home import Home
from oretrust.registry import GrantRequest
from oretrust.store.registry_models import RegistryEventRecord

REGISTRY = "did:web:registry.minerals-trust.example"


def _median(samples: int, action: Callable[[int], object]) -> float:
    times = []
    for number in range(samples):
        start = time.perf_counter()
        action(number)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _writes(home: Home, samples: int, tag: str) -> float:
    """Median seconds of one accreditation, after five warm-up writes."""

    def write(number: int) -> None:
        entity = f"did:web:probe-{tag}-{number}.example"
        registry.accredit(home, entity, "MineralOriginCertificate", "CD", now=datetime.now(UTC))

    _median(5, lambda n: write(-1 - n))
    return _median(samples, write)


def _head_now(home: Home) -> None:
    with home.session() as session:
        registry.head_of(session)


def _head_before(home: Home) -> None:
    """The head query as it was: no LIMIT, every event loaded."""
    with home.session() as session:
        session.exec(
            select(RegistryEventRecord).order_by(col(RegistryEventRecord.seq).desc())
        ).first()


def _history_bytes(home: Home, limit: int | None) -> int:
    events = registry.history(home, limit=limit)
    return len(json.dumps([event.to_dict() for event in events]).encode())


@contextmanager
def _database(postgres: str | None) -> Iterator[str | None]:
    """None (the home's SQLite), or a URL confined to a fresh PostgreSQL schema."""
    if postgres is None:
        yield None
        return
    schema = f"oretrust_bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in postgres else "?"
    try:
        yield f"{postgres}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run(count: int, samples: int, postgres: str | None = None) -> dict[str, float]:
    """The figures (seconds, bytes, ratios) in a fresh home."""
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder, _database(postgres) as url:
        home = Home.open(Path(folder), database_url=url)
        now = datetime.now(UTC)
        registry.init_registry(home, did=REGISTRY, display_name="Bench registry", now=now)
        figures["write_small_log_s"] = _writes(home, samples, "small")
        grants = [
            GrantRequest(f"did:web:exporter-{n}.cd.example", "MineralOriginCertificate", "CD")
            for n in range(count)
        ]
        start = time.perf_counter()
        registry.accredit_many(home, grants, now=now, reason="bench")
        figures["bulk_load_s"] = time.perf_counter() - start
        if url is None:
            with home.engine.begin() as connection:  # the bulk load's WAL, folded in once
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        figures["write_large_log_s"] = _writes(home, samples, "large")
        figures["head_now_s"] = _median(samples, lambda _n: _head_now(home))
        figures["head_before_s"] = _median(3, lambda _n: _head_before(home))
        figures["write_ratio_large_to_small"] = (
            figures["write_large_log_s"] / figures["write_small_log_s"]
        )
        start = time.perf_counter()
        served = current_trust_list(home, now=datetime.now(UTC))
        figures["trust_list_sign_s"] = time.perf_counter() - start
        figures["trust_list_bytes"] = len(served.body)
        figures["trust_list_kept_s"] = _median(
            samples, lambda _n: current_trust_list(home, now=datetime.now(UTC))
        )
        figures["trust_list_ratio_kept_to_signed"] = (
            figures["trust_list_kept_s"] / figures["trust_list_sign_s"]
        )
        figures["history_default_page_bytes"] = _history_bytes(home, registry.HISTORY_DEFAULT_LIMIT)
        figures["history_unpaged_bytes"] = _history_bytes(home, None)
        home.engine.dispose()
    return figures


def main() -> None:
    """Print the table (or ``--json``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="accreditations bulk-loaded")
    parser.add_argument("--samples", type=int, default=20, help="timed repetitions")
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL database to use")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    f = run(args.count, args.samples, args.postgres)
    if args.json:
        print(json.dumps(f, indent=2))
        return
    engine = "PostgreSQL" if args.postgres else "SQLite"
    print(f"trust registry, {args.count} accreditations ({engine})")
    print(f"  bulk load: {f['bulk_load_s']:.2f} s")
    print(
        f"  one write: {f['write_small_log_s'] * 1000:.1f} ms with a small log,"
        f" {f['write_large_log_s'] * 1000:.1f} ms at {args.count}:"
        f" ratio large/small = {f['write_ratio_large_to_small']:.2f}"
    )
    print(
        f"  log head at {args.count}: {f['head_now_s'] * 1000:.2f} ms (LIMIT 1) vs"
        f" {f['head_before_s'] * 1000:.0f} ms as it was (every event loaded)"
    )
    print(
        f"  trust list ({f['trust_list_bytes'] / 1e6:.1f} MB): signed in"
        f" {f['trust_list_sign_s'] * 1000:.0f} ms, served kept in"
        f" {f['trust_list_kept_s'] * 1000:.2f} ms: ratio kept/signed ="
        f" {f['trust_list_ratio_kept_to_signed']:.4f}"
    )
    print(
        f"  history: default page {f['history_default_page_bytes'] / 1e3:.0f} kB,"
        f" unpaged {f['history_unpaged_bytes'] / 1e6:.1f} MB"
    )


def figures(count: int = 10_000, samples: int = 20, postgres: str | None = None) -> list[Figure]:
    """The figures for ``bench/run_all.py`` (lower is better): a write with ``count`` events
    beside one with a small log, the log head beside the query it replaced, the kept trust
    list beside signing it, the default history page beside the unpaged log."""
    f = run(count, samples, postgres)
    name = "bench_registry"
    return [
        Figure(name, f"registry write at {count:,} events", f["write_large_log_s"] * 1e3, "ms",
               f["write_small_log_s"] * 1e3, "ms small log", lower_is_better=True),
        Figure(name, f"log head at {count:,} events", f["head_now_s"] * 1e3, "ms",
               f["head_before_s"] * 1e3, "ms every event loaded", lower_is_better=True),
        Figure(name, "trust list served kept", f["trust_list_kept_s"] * 1e3, "ms",
               f["trust_list_sign_s"] * 1e3, "ms signing it", lower_is_better=True),
        Figure(name, "history, default page", f["history_default_page_bytes"] / 1e3, "kB",
               f["history_unpaged_bytes"] / 1e3, "kB unpaged", lower_is_better=True),
    ]  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
