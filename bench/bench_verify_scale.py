"""Verify latency with 10,000 and 1,000,000 issued credentials in the database.

Run: ``.venv/bin/python bench/bench_verify_scale.py [--counts 10000,1000000] [--postgres URL]``.

A home as ``bench_verify.py`` builds it (a registry, an accredited ministry, one issued
``MineralOriginCertificate``) is grown, between measurements, to each count of issued
credentials: ``issued_credential`` and ``status_entry`` rows bulk-inserted in the ministry's
status lists (new lists of 131,072 slots, as issuance would open them), with 1% revoked. At
each size the full in-process verification of the first credential is timed (new verifier,
so nothing is kept from the size before) and printed as a ratio to the rate measured with
the database holding that one credential: a check that scanned issued rows would fall with
the count, a flat one stays near 1.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from bench_verify import ISSUER, TYPE, _full_verify, _issued_token, _per_second
from figure_table import Figure

from oretrust.home import Home

_BATCH = 20_000
_LIST_SIZE = 131_072


def _grow(home: Home, start: int, stop: int, now: datetime) -> None:
    """Insert issued credentials ``start`` .. ``stop - 1`` (rows only, in new status lists)."""
    with home.engine.begin() as connection:
        for first in range(start, stop, _BATCH):
            numbers = range(first, min(first + _BATCH, stop))
            for seq in sorted({n // _LIST_SIZE for n in numbers}):
                connection.execute(
                    sa.text(
                        "INSERT INTO status_list (id, issuer_did, seq, size, full, version,"
                        " created_at) VALUES (:id, :issuer, :seq, :size, false, 0, :now)"
                        " ON CONFLICT DO NOTHING"
                    ),
                    {
                        "id": f"bench-{seq}",
                        "issuer": ISSUER,
                        "seq": 1000 + seq,
                        "size": _LIST_SIZE,
                        "now": now,
                    },
                )
            ids = [f"urn:uuid:{uuid.UUID(int=n + 1)}" for n in numbers]
            connection.execute(
                sa.text(
                    "INSERT INTO issued_credential (id, type, format, issuer_did, holder_did,"
                    " issued_at, valid_from, sha256) VALUES (:id, :type, 'vc+jwt', :issuer,"
                    " NULL, :now, :now, :sha)"
                ),
                [
                    {
                        "id": i,
                        "type": TYPE,
                        "issuer": ISSUER,
                        "now": now,
                        "sha": hashlib.sha256(i.encode()).hexdigest(),
                    }
                    for i in ids
                ],
            )
            connection.execute(
                sa.text(
                    "INSERT INTO status_entry (list_id, list_index, credential_id,"
                    " credential_type, issuer_did, suspendable, status, allocated_at,"
                    " updated_at) VALUES (:list, :index, :id, :type, :issuer, false,"
                    " :status, :now, :now)"
                ),
                [
                    {
                        "list": f"bench-{n // _LIST_SIZE}",
                        "index": n % _LIST_SIZE,
                        "id": i,
                        "type": TYPE,
                        "issuer": ISSUER,
                        "status": int(n % 100 == 0),
                        "now": now,
                    }
                    for n, i in zip(numbers, ids, strict=True)
                ],
            )


def measure(counts: list[int], count: int, postgres: str | None) -> list[tuple[int, float]]:
    """Full verify/s with 1 issued credential, then with each of ``counts`` (ascending)."""
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="oretrust-bench-scale-") as folder:
        home = Home.open(Path(folder), database_url=postgres)
        token = _issued_token(home, now)
        rates = [(1, _rate(home, token, now, count))]
        grown = 0
        for size in counts:
            _grow(home, grown, size, now)
            grown = size
            rates.append((size, _rate(home, token, now, count)))
        home.engine.dispose()
    return rates


def figures(
    counts: tuple[int, ...] = (10_000, 1_000_000), count: int = 1000, postgres: str | None = None
) -> list[Figure]:
    """The figures for ``bench/run_all.py``: verify/s at each size beside verify/s with one
    issued credential (flat: ratio near 1)."""
    rates = measure(sorted(counts), count, postgres)
    base = rates[0][1]
    return [
        Figure("bench_verify_scale", f"full verify with {size:,} issued", rate, "/s", base,
               "/s with 1 issued")
        for size, rate in rates[1:]
    ]  # fmt: skip


def main() -> int:
    """Measure and print the table; return a process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="10000,1000000", help="issued credentials to reach")
    parser.add_argument("--count", type=int, default=1000, help="verifications per round")
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL (default SQLite)")
    args = parser.parse_args()
    counts = sorted(int(c) for c in args.counts.split(","))
    rates = measure(counts, args.count, args.postgres)
    base = rates[0][1]
    print(
        f"oretrust verify at scale ({'PostgreSQL' if args.postgres else 'SQLite'}): "
        f"best of 3 rounds of {args.count}"
    )
    print(f"  {'issued credentials':>20} {'verify/s':>10} {'latency us':>11} {'ratio':>7}")
    for count, rate in rates:
        print(f"  {count:>20,} {rate:>10,.0f} {1e6 / rate:>11.1f} {rate / base:>7.3f}")
    return 0


def _rate(home: Home, token: str, now: datetime, count: int) -> float:
    home.services.clear()  # a new verifier: nothing kept from the size before
    verify = _full_verify(home, token, now)
    verify()
    return _per_second(verify, count, 3)


if __name__ == "__main__":
    raise SystemExit(main())
