"""Benchmark issue-and-persist beside raw Ed25519 signing, and a bulk issuance of 100,000.

Run: ``.venv/bin/python bench/bench_issue.py [--count N] [--batch-count N] [--postgres URL]``.

In a fresh home (embedded SQLite, WAL; and, with ``--postgres URL`` or
``ORETRUST_TEST_POSTGRES_URL``, a throwaway schema on that PostgreSQL) with a trust registry
accrediting a did:web ministry for ``MineralOriginCertificate`` in CD, it times, in the same
run:

* the **baseline**: ``cryptography``'s ``Ed25519PrivateKey.sign`` of a payload the size of an
  issued credential's signing input (best of 3 rounds; so are the two rates below);
* **one by one**: :func:`oretrust.issuer.issue_credential` ``--count`` times (validate,
  accreditation, status index, sign, record; each issuance commits on its own);
* **batched**: :class:`oretrust.issuer.BatchIssuer` in transactions of ``--batch-size``, as
  ``oretrust issue --batch`` issues (target: at least 0.1 of raw signing, issue 13);
* **bulk file** (SQLite): ``oretrust issue --batch`` of a ``--batch-count``-line JSON-lines
  file into a ``.jsonl`` output, in process (its journal fsynced per batch): total time and
  credentials/s.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from figure_table import Figure, postgres_schema, postgres_url, print_table

from oretrust import identities, registry
from oretrust.cli.batch_issue import run_batch
from oretrust.credentials import EXAMPLES
from oretrust.home import Home
from oretrust.issuer import BatchIssuer, BatchRequest, issue_credential

BENCHMARK = "bench_issue"
DOMAIN = "registry.minerals-trust.example"
ISSUER = "did:web:mines.gouv.cd.example"
TYPE = "MineralOriginCertificate"
TARGET = 0.1


def _prepared_home(folder: Path, now: datetime, database_url: str | None = None) -> Home:
    home = Home.open(folder, database_url=database_url)
    home.set_domain(DOMAIN)
    registry.init_registry(home, did=f"did:web:{DOMAIN}", display_name="Registry", now=now)
    identities.add_issuer(home, "ministry", display_name="Ministry of Mines", did=ISSUER, now=now)
    identities.add_holder(home, "kivu", display_name="Kivu Minerals SARL", now=now)
    registry.accredit(home, ISSUER, TYPE, "CD", now=now)
    return home


def _subject(home: Home, number: int) -> dict[str, Any]:
    subject = copy.deepcopy(EXAMPLES[TYPE])
    subject["lotId"] = f"KVM-LOT-{number:07d}"
    subject["exporter"]["id"] = identities.find_holder(home, "kivu").did
    return subject


def _raw_sign_rate(payload_size: int, count: int) -> float:
    """Best of 3 rounds of ``count`` Ed25519 signatures over ``payload_size`` bytes."""
    key, payload = Ed25519PrivateKey.generate(), b"x" * payload_size
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(count):
            key.sign(payload)
        best = min(best, time.perf_counter() - start)
    return count / best


def _rate(operation: Callable[[], int], rounds: int = 3) -> float:
    """The best of ``rounds`` rounds, as the baseline is measured (a noisy machine slows
    some rounds of either)."""
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        done = operation()
        best = max(best, done / (time.perf_counter() - start))
    return best


def _database_figures(
    home: Home, label: str, raw: float, count: int, batch_size: int, now: datetime
) -> list[Figure]:
    """One-by-one and batched issue-and-persist rates in ``home``."""
    subject = _subject(home, 0)

    def one_by_one() -> int:
        for _ in range(count):
            issue_credential(home, issuer="ministry", type_name=TYPE, subject=subject, now=now)
        return count

    def batched() -> int:
        issuing = BatchIssuer(home, issuer="ministry", now=now, credential_format="vc+jwt")
        total = max(count * 10, batch_size)
        for start in range(0, total, batch_size):
            size = min(batch_size, total - start)
            issuing.issue([issuing.prepare(BatchRequest(TYPE, subject)) for _ in range(size)])
        return total

    single, bulk = _rate(one_by_one), _rate(batched)
    return [
        Figure(BENCHMARK, f"issue+persist one by one ({label})", single, "/s", raw, "sign/s"),
        Figure(BENCHMARK, f"issue+persist batched x{batch_size} ({label})", bulk, "/s", raw,
               "sign/s", target=TARGET),
    ]  # fmt: skip


def _bulk_file_figures(
    home: Home, folder: Path, lines: int, batch_size: int, raw: float, now: datetime
) -> list[Figure]:
    """``oretrust issue --batch`` of a ``lines``-line file, in process."""
    source, out = folder / "subjects.jsonl", folder / "issued.jsonl"
    with source.open("w", encoding="utf-8") as handle:
        for number in range(lines):
            handle.write(json.dumps({"credentialSubject": _subject(home, number)}) + "\n")
    start = time.perf_counter()
    summary = run_batch(
        home, source, issuer="ministry", type_name=TYPE, credential_format="vc+jwt", out=out,
        batch_size=batch_size, now=now, progress=False,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    assert summary.issued == lines, summary
    return [
        Figure(BENCHMARK, f"issue --batch of {lines:,} lines: time", seconds, "s"),
        Figure(BENCHMARK, f"issue --batch of {lines:,} lines: rate", lines / seconds, "/s", raw,
               "sign/s"),
    ]  # fmt: skip


def figures(
    count: int = 200,
    batch_size: int = 2000,
    batch_count: int = 100_000,
    postgres: str | None = None,
) -> list[Figure]:
    """Measure every figure of this benchmark (see the module docstring)."""
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="oretrust-bench-issue-") as name:
        folder = Path(name)
        home = _prepared_home(folder / "sqlite", now)
        sample = issue_credential(
            home, issuer="ministry", type_name=TYPE, subject=_subject(home, 0), now=now
        ).token
        raw = _raw_sign_rate(len(sample.rpartition(".")[0]), 5000)
        result = [Figure(BENCHMARK, "raw Ed25519 sign (same payload size)", raw, "/s")]
        result += _database_figures(home, "SQLite", raw, count, batch_size, now)
        if batch_count:
            bulk_home = _prepared_home(folder / "bulk", now)
            result += _bulk_file_figures(bulk_home, folder, batch_count, batch_size, raw, now)
            bulk_home.engine.dispose()
        home.engine.dispose()
        if postgres:
            with postgres_schema(postgres) as url:
                pg_home = _prepared_home(folder / "pg", now, database_url=url)
                result += _database_figures(pg_home, "PostgreSQL", raw, count, batch_size, now)
                pg_home.engine.dispose()
    return result


def main() -> int:
    """Measure and print the table (or ``--json``); return a process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="one-by-one issuances (x10 batched)")
    parser.add_argument("--batch-size", type=int, default=2000, help="credentials per transaction")
    parser.add_argument("--batch-count", type=int, default=100_000, help="lines of the bulk file")
    parser.add_argument("--postgres", default=None, help="also measure on this PostgreSQL URL")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    measured = figures(args.count, args.batch_size, args.batch_count, postgres_url(args.postgres))
    if args.json:
        print(json.dumps([f.to_dict() for f in measured], indent=2))
        return 0
    print(f"oretrust issuance benchmark: Python {sys.version.split()[0]}")
    print_table(measured)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
