"""Run every benchmark in ``bench/`` and print one table (or ``--json``).

Run: ``.venv/bin/python bench/run_all.py [--full] [--only NAME ...] [--postgres URL] [--json]``.

Each ``bench_*.py`` script exposes ``figures(...)``, which measures and returns its figures as
data (:class:`figure_table.Figure`: value, the baseline measured in the same run, ratio,
issue 13's target where it names one); this runner imports each, calls it, and prints one
table — benchmark, figure, value, baseline, ratio, target, met? — without parsing any text.

By default every benchmark runs with quick parameters (:data:`QUICK`: a couple of minutes
in all on a shared 2-core machine); ``--full`` uses each script's own defaults (the sizes
issue 13 names: 100,000 credentials in bulk, a 1,000,000-credential bundle…). ``--smoke``
uses tiny counts, for the test that keeps this runner working; its figures mean nothing.
A script without ``figures()`` (or whose imports are missing, e.g. ``sd-jwt`` without
``pip install -e '.[bench]'``) is listed as not run, with the reason; one that fails is
listed with its error, the others still run, and the exit code is 1. PostgreSQL figures
come with ``--postgres URL`` or ``ORETRUST_TEST_POSTGRES_URL``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from figure_table import Figure, postgres_url, print_table

HERE = Path(__file__).resolve().parent

#: Quick parameters per benchmark (the default run).
QUICK: dict[str, dict[str, Any]] = {
    "bench_verify": {"count": 500, "rounds": 3},
    "bench_issue": {"count": 100, "batch_count": 10_000},
    "bench_sd_jwt": {"count": 300, "rounds": 3},
    "bench_bundle": {"issuers": 10, "credentials": 100_000, "repeat": 3},
    "bench_status_lists": {"repeat": 3},
    "bench_revocation": {"count": 200, "samples": 30},
    "bench_allocation": {"samples": 10},
    "bench_http": {"seconds": 2.0},
    "bench_registry": {"count": 2_000, "samples": 5},
    "bench_status_sizes": {"max_entries": 1_000_000},
    "bench_verify_scale": {"counts": (10_000, 100_000), "count": 300},
}
#: Tiny parameters, for the smoke test only.
SMOKE: dict[str, dict[str, Any]] = {
    "bench_verify": {"count": 5, "rounds": 1, "distinct": 5},
    "bench_issue": {"count": 3, "batch_size": 10, "batch_count": 20},
    "bench_sd_jwt": {"count": 3, "rounds": 1},
    "bench_bundle": {"issuers": 2, "credentials": 2_000, "repeat": 1},
    "bench_status_lists": {"repeat": 1},
    "bench_revocation": {"count": 5, "samples": 3},
    "bench_allocation": {"samples": 1, "size": 2048},
    "bench_http": {"seconds": 0.3, "connections": 2},
    "bench_registry": {"count": 50, "samples": 1},
    "bench_status_sizes": {"max_entries": 100_000},
    "bench_verify_scale": {"counts": (200,), "count": 5},
}
#: Benchmarks that take a PostgreSQL URL as ``postgres=``.
TAKES_POSTGRES = ("bench_issue", "bench_http")


def benchmark_names() -> list[str]:
    """Every ``bench_*.py`` beside this file, in name order."""
    return sorted(path.stem for path in HERE.glob("bench_*.py"))


def run_one(name: str, parameters: dict[str, Any]) -> tuple[list[Figure], str | None, float]:
    """The figures of benchmark ``name``, or why it did not run; and its seconds."""
    start = time.perf_counter()
    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        return [], f"not run: cannot import {exc.name or exc}", 0.0
    measure: Callable[..., list[Figure]] | None = getattr(module, "figures", None)
    if measure is None:
        return [], "not run: the script has no figures() function yet", 0.0
    try:
        figures = measure(**parameters)
    except Exception as exc:  # one broken benchmark must not hide the others' figures
        return [], f"failed: {type(exc).__name__}: {exc}", time.perf_counter() - start
    return figures, None, time.perf_counter() - start


def main() -> int:
    """Run the benchmarks, print the table (or JSON); return a process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--full", action="store_true", help="each script's own (issue 13) sizes")
    size.add_argument("--smoke", action="store_true", help="tiny counts (tests only)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these benchmarks")
    parser.add_argument("--postgres", default=None, help="PostgreSQL URL for database figures")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    names = benchmark_names()
    unknown = sorted(set(args.only or ()) - set(names))
    if unknown:
        print(f"error: no benchmark {', '.join(unknown)} (known: {', '.join(names)})",
              file=sys.stderr)  # fmt: skip
        return 2
    table = {} if args.full else SMOKE if args.smoke else QUICK
    database = postgres_url(args.postgres)
    figures: list[Figure] = []
    report: list[dict[str, Any]] = []
    for name in args.only or names:
        parameters = dict(table.get(name, {}))
        if name in TAKES_POSTGRES and database:
            parameters["postgres"] = database
        if not args.json:
            print(f"running {name} {parameters or ''}", file=sys.stderr, flush=True)
        measured, problem, seconds = run_one(name, parameters)
        figures += measured
        report.append({"benchmark": name, "parameters": parameters, "seconds": round(seconds, 2),
                       "not_run": problem, "figures": [f.to_dict() for f in measured]})  # fmt: skip
    failed = 1 if any(str(e["not_run"] or "").startswith("failed") for e in report) else 0
    if args.json:
        print(json.dumps(report, indent=2))
        return failed
    print_table(figures)
    for entry in report:
        if entry["not_run"]:
            print(f"{entry['benchmark']}: {entry['not_run']}")
    missed = [f for f in figures if f.met is False]
    print(f"\n{len(figures)} figures; targets met: "
          f"{sum(1 for f in figures if f.met)}/{sum(1 for f in figures if f.met is not None)}"
          + (f" (missed: {'; '.join(f.figure for f in missed)})" if missed else ""))  # fmt: skip
    return failed


if __name__ == "__main__":
    raise SystemExit(main())
