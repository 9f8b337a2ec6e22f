"""Concurrent status changes keep one unforked hash chain and one transition per change.

Many writers revoke distinct credentials while several race on the same one: the log must
stay a single chain (seq 1..n, each entry linked to the previous), the shared credential
must be revoked exactly once, and replaying the log must give every current status. SQLite
with threads; PostgreSQL with processes (skipped, with the reason, when no server answers).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import select

from oretrust import identities
from oretrust.formats.jws import parse_compact
from oretrust.home import Home
from oretrust.status.allocation import allocate_index
from oretrust.status.log import list_log, verify_log
from oretrust.status.operations import revoke, suspend
from oretrust.status.publication import stored_status_list
from oretrust.status.token_status_list import decode_status_list
from oretrust.store.status_models import StatusEntryRecord, StatusListRecord

ISSUERS = ("did:web:mines.gouv.cd.example", "did:web:douanes.gouv.cd.example")


def _open_home(folder: Path, now: datetime, database_url: str | None = None) -> Home:
    """A home with both issuers registered: each status change re-signs its list."""
    home = Home.open(folder, database_url=database_url)
    for name, did in zip(("ministry", "customs"), ISSUERS, strict=True):
        identities.add_issuer(home, name, display_name=name, did=did, now=now)
    return home


def _allocate(home: Home, count: int, now: datetime) -> list[str]:
    """Credentials of two issuers, so changes lock different lists and race for the log head."""
    ids = [f"urn:uuid:{uuid.uuid4()}" for _ in range(count)]
    for number, credential_id in enumerate(ids):
        allocate_index(
            home,
            issuer_did=ISSUERS[number % 2],
            credential_id=credential_id,
            type_name="MiningLicenceCredential",
            now=now,
        )
    return ids


def _assert_one_chain(home: Home, shared: str, expected_changes: int) -> None:
    result = verify_log(home)
    assert result.intact, result.detail
    entries = list_log(home)
    assert [entry.seq for entry in entries] == list(range(1, expected_changes + 1))
    assert [e.action for e in entries if e.credential_id == shared] == ["revoke"]
    _assert_stored_lists_show_every_status(home)


def _assert_stored_lists_show_every_status(home: Home) -> None:
    """The documents the writers stored show every list at its final version and statuses:
    no change was lost to a race between writers publishing the same list."""
    with home.session() as session:
        entries = list(session.exec(select(StatusEntryRecord)))
        versions = {record.id: record.version for record in session.exec(select(StatusListRecord))}
    for list_id, version in versions.items():
        stored = stored_status_list(home, f"{list_id}-tsl")
        assert stored.version == version
        values = decode_status_list(parse_compact(stored.token).unverified_payload()["status_list"])
        shown = {e.credential_id: values.get(e.list_index) for e in entries if e.list_id == list_id}
        assert shown == {e.credential_id: e.status for e in entries if e.list_id == list_id}


def test_concurrent_status_changes_sqlite_threads(tmp_path: Path, now: datetime) -> None:
    home = _open_home(tmp_path / "home", now)
    threads, per_thread = 6, 10
    ids = _allocate(home, threads * per_thread + 1, now)
    shared = ids.pop()
    barrier = threading.Barrier(threads)
    failures: list[BaseException] = []

    def work(mine: list[str]) -> None:
        try:
            barrier.wait()
            revoke(home, shared, reason="raced", now=now)
            for number, credential_id in enumerate(mine):
                operation = suspend if number % 2 else revoke
                operation(home, credential_id, reason="bulk", now=now)
        except BaseException as exc:  # surfaced below
            failures.append(exc)

    chunks = [ids[i * per_thread : (i + 1) * per_thread] for i in range(threads)]
    workers = [threading.Thread(target=work, args=(chunk,)) for chunk in chunks]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not failures, failures
    _assert_one_chain(home, shared, threads * per_thread + 1)


_WORKER = textwrap.dedent(
    """
    import sys, time
    from datetime import UTC, datetime
    from pathlib import Path
    from oretrust.home import Home
    from oretrust.status.operations import revoke, suspend

    folder, url, start_at, shared, *mine = sys.argv[1:]
    home = Home.open(Path(folder), database_url=url)
    while time.time() < float(start_at):
        time.sleep(0.005)
    revoke(home, shared, reason="raced", now=datetime.now(UTC))
    for number, credential_id in enumerate(mine):
        operation = suspend if number % 2 else revoke
        operation(home, credential_id, reason="bulk", now=datetime.now(UTC))
    """
)


@pytest.mark.slow  # processes or served homes: behind the marker .ci/run also runs
@pytest.mark.postgres
def test_concurrent_status_changes_postgres_processes(
    tmp_path: Path, postgres_url: str, now: datetime
) -> None:
    home = _open_home(tmp_path / "home", now, postgres_url)
    processes, per_process = 5, 12
    ids = _allocate(home, processes * per_process + 1, now)
    shared = ids.pop()
    start_at = time.time() + 4.0
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _WORKER,
                str(tmp_path / "home"),
                postgres_url,
                str(start_at),
                shared,
                *ids[i * per_process : (i + 1) * per_process],
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(processes)
    ]
    for worker in workers:
        _, stderr = worker.communicate(timeout=180)
        assert worker.returncode == 0, stderr
    _assert_one_chain(home, shared, processes * per_process + 1)
    assert json.dumps(verify_log(home).to_dict())
    home.engine.dispose()
