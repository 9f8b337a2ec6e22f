"""Status lists near full (issue 13, point 7): allocation reads a bounded number of rows to
the last slot, and a list is rebuilt after a revocation from an index range. Figures:
``bench/bench_allocation.py`` (allocation cost at 5% / 95% / 99.9% fill and the last slot,
as ratios to 5%)."""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from oretrust import identities
from oretrust.home import Home
from oretrust.status.allocation import Allocation, allocate_index
from oretrust.status.operations import revoke

ISSUER = "did:web:mines.gouv.cd.example"
SIZE = 16_384  # 16 blocks of 1,024: the allocator's shape, at a test's cost
NOW = datetime.now(UTC)


@pytest.fixture
def home(tmp_path: Path) -> Home:
    opened = Home.open(tmp_path)
    identities.add_issuer(opened, "ministry", display_name="ministry", did=ISSUER, now=NOW)
    return opened


def _allocate(home: Home) -> Allocation:
    return allocate_index(
        home,
        issuer_did=ISSUER,
        credential_id=f"urn:uuid:{uuid.uuid4()}",
        type_name="MineralOriginCertificate",
        now=NOW,
        list_size=SIZE,
    )


def _fill(home: Home, list_id: str, indices: list[int]) -> None:
    """Rows as issuance writes them, bulk-inserted (the test's fast path)."""
    rows = [
        {"list_id": list_id, "list_index": i, "credential_id": f"urn:fill:{i}", "now": NOW}
        for i in indices
    ]
    with home.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO status_entry (list_id, list_index, credential_id, credential_type,"
                " issuer_did, suspendable, status, allocated_at, updated_at) VALUES (:list_id,"
                " :list_index, :credential_id, 'MineralOriginCertificate', 'x', 0, 0, :now, :now)"
            ),
            rows,
        )


def _filled_to(home: Home, taken: int) -> Allocation:
    first = _allocate(home)
    free = [i for i in range(SIZE) if i != first.index]
    _fill(home, first.list_id, random.Random(taken).sample(free, taken - 1))
    return first


@contextmanager
def statements(home: Home) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(home.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(home.engine, "before_cursor_execute", record)


def _unbounded_reads(seen: list[str]) -> list[str]:
    """Reads of a list's taken indices with no bound: no IN (...), range or aggregate."""
    reads = [s for s in seen if re.search(r"SELECT status_entry\.list_index\s+FROM", s)]
    return [s for s in reads if not re.search(r" IN \(|<|GROUP BY", s)]


@pytest.mark.parametrize("fill", [0.05, 0.999])
def test_allocation_reads_bounded_ranges_at_any_fill(home: Home, fill: float) -> None:
    """The allocator once loaded every taken index of a list past eight collisions."""
    _filled_to(home, round(SIZE * fill))
    for _ in range(5):
        with statements(home) as seen:
            _allocate(home)
        assert _unbounded_reads(seen) == []
        assert len(seen) <= 16


def test_the_last_free_slots_are_found_then_a_new_list_opens(home: Home) -> None:
    first = _allocate(home)
    left = sorted(random.Random(7).sample([i for i in range(SIZE) if i != first.index], 3))
    _fill(home, first.list_id, [i for i in range(SIZE) if i not in {first.index, *left}])
    found = [_allocate(home) for _ in range(3)]
    assert sorted(a.index for a in found) == left
    assert {a.list_id for a in found} == {first.list_id}
    assert _allocate(home).list_id != first.list_id


def test_a_list_is_rebuilt_from_an_index_range(home: Home) -> None:
    """After a revocation the list's non-zero entries are read through the
    (list_id, status, list_index) index, not by scanning every entry of the list."""
    allocation = _allocate(home)
    captured: list[tuple[str, Any]] = []

    def record(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        if re.search(r"FROM status_entry\s+WHERE .*status > ", statement, re.S):
            captured.append((statement, parameters))

    event.listen(home.engine, "before_cursor_execute", record)
    try:
        revoke(home, allocation.credential_id, reason="test", now=NOW)
    finally:
        event.remove(home.engine, "before_cursor_execute", record)
    assert captured
    statement, parameters = captured[0]
    with home.engine.connect() as connection:
        plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    detail = " ".join(str(row[-1]) for row in plan)
    assert "ix_status_entry_list_status_index" in detail and "status>?" in detail
