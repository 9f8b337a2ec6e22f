"""Status index allocation: random, never reused, new list when full, safe under concurrency.

Concurrency is tested for real: many threads on one SQLite home, and many *processes* on one
PostgreSQL database (``ORETRUST_TEST_POSTGRES_URL``, default the local test server; the tests
skip with the reason when no server answers). Collisions are forced by an injected random
source that draws from a few dozen indices only, so the unique constraint and the retry path
are exercised on every run, not by luck.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from oretrust import identities
from oretrust.errors import ConflictError
from oretrust.home import Home
from oretrust.status.allocation import (
    Allocation,
    allocate_index,
    credential_status_entries,
    find_allocation,
    token_status_reference,
)
from oretrust.status.rules import LIST_SIZE
from oretrust.store.status_models import StatusEntryRecord, StatusListRecord

ISSUER = "did:web:mines.gouv.cd.example"
CUSTOMS = "did:web:douanes.example"


def _open_home(folder: Path, database_url: str | None = None) -> Home:
    """A home with both issuers registered: allocation publishes (signs) the lists it opens."""
    home = Home.open(folder, database_url=database_url)
    for name, did in (("ministry", ISSUER), ("customs", CUSTOMS)):
        identities.add_issuer(home, name, display_name=name, did=did, now=datetime.now(UTC))
    return home


def _cid() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _entries(home: Home) -> list[StatusEntryRecord]:
    with home.session() as session:
        return list(session.exec(select(StatusEntryRecord)))


def _lists(home: Home) -> list[StatusListRecord]:
    with home.session() as session:
        return list(session.exec(select(StatusListRecord)))


def _allocate_origin(home: Home, now: datetime, **options: Any) -> Allocation:
    """An index for a fresh MineralOriginCertificate of ``ISSUER``; ``options`` go through."""
    return allocate_index(
        home,
        issuer_did=ISSUER,
        credential_id=_cid(),
        type_name="MineralOriginCertificate",
        now=now,
        **options,
    )


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return _open_home(tmp_path / "home")


def test_index_is_in_range_and_recorded(home: Home, now: datetime) -> None:
    allocation = allocate_index(
        home, issuer_did=ISSUER, credential_id=_cid(), type_name="MiningLicenceCredential", now=now
    )
    assert 0 <= allocation.index < LIST_SIZE
    assert allocation.purposes == ("revocation", "suspension")
    assert find_allocation(home, allocation.credential_id) == allocation


def test_injected_source_makes_allocation_deterministic(tmp_path: Path, now: datetime) -> None:
    def run(folder: str) -> list[int]:
        rng = random.Random(7)
        target = _open_home(tmp_path / folder)
        return [_allocate_origin(target, now, randbelow=rng.randrange).index for _ in range(5)]

    assert run("a") == run("b")


def test_indices_are_spread_at_random(home: Home, now: datetime) -> None:
    indices = [_allocate_origin(home, now).index for _ in range(40)]
    assert indices != sorted(indices)
    assert max(indices) - min(indices) > LIST_SIZE // 4  # not handed out in sequence


def test_collisions_are_retried_never_reused(home: Home, now: datetime) -> None:
    rng = random.Random(1)
    allocations = [
        _allocate_origin(home, now, randbelow=lambda n: rng.randrange(min(n, 10)))
        for _ in range(30)
    ]
    indices = [a.index for a in allocations]
    assert len(set(indices)) == 30
    assert len(_lists(home)) == 1


def test_new_list_when_one_fills(home: Home, now: datetime) -> None:
    allocations = [_allocate_origin(home, now, list_size=16) for _ in range(40)]
    per_list = Counter(a.list_id for a in allocations)
    assert sorted(per_list.values()) == [8, 16, 16]
    lists = sorted(_lists(home), key=lambda record: record.seq)
    assert [record.seq for record in lists] == [1, 2, 3]
    assert [record.full for record in lists] == [True, True, False]
    for list_id in per_list:
        assert len({a.index for a in allocations if a.list_id == list_id}) == per_list[list_id]


def test_each_issuer_has_its_own_lists(home: Home, now: datetime) -> None:
    a = allocate_index(home, issuer_did=ISSUER, credential_id=_cid(), type_name="X", now=now)
    b = allocate_index(home, issuer_did=CUSTOMS, credential_id=_cid(), type_name="X", now=now)
    assert a.list_id != b.list_id


def test_a_credential_gets_one_index_only(home: Home, now: datetime) -> None:
    credential_id = _cid()
    allocate_index(home, issuer_did=ISSUER, credential_id=credential_id, type_name="X", now=now)
    with pytest.raises(ConflictError) as caught:
        allocate_index(home, issuer_did=ISSUER, credential_id=credential_id, type_name="X", now=now)
    assert caught.value.code == "STATUS_ALREADY_ALLOCATED"


def test_credential_status_entries_shape() -> None:
    allocation = Allocation("urn:uuid:1", ISSUER, "00ff", 4242, ("revocation", "suspension"))
    entries = credential_status_entries(allocation, "https://mines.example")
    assert entries == [
        {
            "id": "https://mines.example/status/00ff-revocation#4242",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "4242",
            "statusListCredential": "https://mines.example/status/00ff-revocation",
        },
        {
            "id": "https://mines.example/status/00ff-suspension#4242",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "suspension",
            "statusListIndex": "4242",
            "statusListCredential": "https://mines.example/status/00ff-suspension",
        },
    ]
    assert token_status_reference(allocation, "https://mines.example") == {
        "status_list": {"idx": 4242, "uri": "https://mines.example/status/00ff-tsl"}
    }


@pytest.mark.parametrize(
    ("type_name", "purposes"),
    [
        ("MiningLicenceCredential", ("revocation", "suspension")),
        ("AuthorisedEconomicOperatorCredential", ("revocation", "suspension")),
        ("MineralOriginCertificate", ("revocation",)),
        ("BusinessIdentityCredential", ("revocation",)),
    ],
)
def test_suspension_entry_only_where_the_type_allows_it(
    home: Home, now: datetime, type_name: str, purposes: tuple[str, ...]
) -> None:
    allocation = allocate_index(
        home, issuer_did=ISSUER, credential_id=_cid(), type_name=type_name, now=now
    )
    assert allocation.purposes == purposes


# ---------------------------------------------------------------------- concurrency
def _assert_never_reused(
    entries: list[StatusEntryRecord], lists: list[StatusListRecord], expected: int
) -> None:
    assert len(entries) == expected
    slots = Counter((entry.list_id, entry.list_index) for entry in entries)
    assert max(slots.values()) == 1, [slot for slot, n in slots.items() if n > 1]
    sizes = {record.id: record.size for record in lists}
    assert all(0 <= entry.list_index < sizes[entry.list_id] for entry in entries)
    seqs = Counter((record.issuer_did, record.seq) for record in lists)
    assert max(seqs.values()) == 1


@pytest.mark.parametrize("list_size", [LIST_SIZE, 25])
def test_concurrent_issuance_sqlite_threads_never_share_an_index(
    tmp_path: Path, now: datetime, list_size: int
) -> None:
    home = _open_home(tmp_path / "home")
    threads, per_thread = 8, 25
    start = threading.Barrier(threads)
    failures: list[BaseException] = []

    def work(seed: int) -> None:
        rng = random.Random(seed)
        try:
            start.wait()
            for _ in range(per_thread):
                allocate_index(
                    home,
                    issuer_did=ISSUER,
                    credential_id=_cid(),
                    type_name="MiningLicenceCredential",
                    now=now,
                    randbelow=lambda n: rng.randrange(min(n, 40)),
                    list_size=list_size,
                )
        except BaseException as exc:  # surfaced below
            failures.append(exc)

    workers = [threading.Thread(target=work, args=(seed,)) for seed in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not failures, failures
    _assert_never_reused(_entries(home), _lists(home), threads * per_thread)


_WORKER = textwrap.dedent(
    """
    import json, random, sys, time, uuid
    from datetime import UTC, datetime
    from pathlib import Path
    from oretrust.home import Home
    from oretrust.status.allocation import allocate_index

    folder, url, seed, count, start_at, list_size = sys.argv[1:7]
    home = Home.open(Path(folder), database_url=url)
    rng = random.Random(int(seed))
    while time.time() < float(start_at):
        time.sleep(0.005)
    got = []
    for _ in range(int(count)):
        allocation = allocate_index(
            home, issuer_did="did:web:mines.gouv.cd.example",
            credential_id=f"urn:uuid:{uuid.uuid4()}",
            type_name="MiningLicenceCredential", now=datetime.now(UTC),
            randbelow=lambda n: rng.randrange(min(n, 40)), list_size=int(list_size),
        )
        got.append([allocation.list_id, allocation.index])
    print(json.dumps(got))
    """
)


@pytest.mark.slow  # processes or served homes: behind the marker .ci/run also runs
@pytest.mark.postgres
@pytest.mark.parametrize("list_size", [LIST_SIZE, 30])
def test_concurrent_issuance_postgres_processes_never_share_an_index(
    tmp_path: Path, postgres_url: str, list_size: int
) -> None:
    home = _open_home(tmp_path / "home", postgres_url)  # creates the tables (and issuers) once
    processes, per_process = 6, 25
    start_at = time.time() + 4.0  # every process is connected and waiting by then
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _WORKER,
                str(tmp_path / "home"),
                postgres_url,
                str(seed),
                str(per_process),
                str(start_at),
                str(list_size),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in range(processes)
    ]
    results = []
    for worker in workers:
        stdout, stderr = worker.communicate(timeout=180)
        assert worker.returncode == 0, stderr
        results.extend(json.loads(stdout))
    assert len({tuple(slot) for slot in results}) == processes * per_process
    _assert_never_reused(_entries(home), _lists(home), processes * per_process)
    home.engine.dispose()
