"""Crash safety: ``oretrust serve`` SIGKILLed in the middle of sustained issuance, revocation
and accreditation, on SQLite (one worker) and PostgreSQL (two workers).

Clients record every write the server acknowledged (2xx). After the kill, the home reopened
must hold each one — the credential in the issuer's records with its own status index, the
revocation in its status entry and the revocation log, the accreditation in the registry —
the revocation log and the registry log must verify, the status lists re-signed from the
database must say what the database says, and no two credentials share a status index.
Also: eight issuers at once across two workers never receive the same status index.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from api_support import Cast, make_cast, origin_certificate, postgres_schema, serve_process
from oretrust import registry
from oretrust.home import Home
from oretrust.status import log as revocation_log
from oretrust.status.publication import refresh_status_lists
from oretrust.store.registry_models import AccreditationRecord
from oretrust.store.status_models import StatusEntryRecord
from oretrust.verifier import verifier_for

pytestmark = pytest.mark.slow


@dataclass
class Acknowledged:
    """What the server said it did (thread-safe appends)."""

    issued: dict[str, str] = field(default_factory=dict)  # credential id → token
    revoked: set[str] = field(default_factory=set)
    accredited: set[str] = field(default_factory=set)  # entity DIDs
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def _server(cast: Cast, workers: int) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    env = {"ORETRUST_DATABASE_URL": cast.database_url} if cast.database_url else {}
    with serve_process(cast.folder, workers=workers, **env) as served:
        yield served


def _issuer_load(base: str, cast: Cast, done: Acknowledged, stop: threading.Event) -> None:
    """Issue, and revoke every third credential issued, until the server dies."""
    with httpx.Client(base_url=base, timeout=10) as client:
        n = 0
        while not stop.is_set():
            try:
                document = {"credential": origin_certificate(cast.holder_did)}
                answer = client.post(
                    "/credentials/issue", headers=cast.auth("ministry"), json=document
                )
                if answer.status_code != 201:
                    continue
                body = answer.json()
                credential_id = body["credentialId"]
                with done.lock:
                    done.issued[credential_id] = body["verifiableCredential"]["id"].split(",", 1)[1]
                n += 1
                if n % 3 == 0:
                    change = client.post(
                        "/credentials/status", headers=cast.auth("ministry"),
                        json={"credentialId": credential_id, "action": "revoke", "reason": "x"},
                    )  # fmt: skip
                    if change.status_code == 200:
                        with done.lock:
                            done.revoked.add(credential_id)
            except httpx.TransportError:
                return  # the server was killed


def _accreditor_load(base: str, cast: Cast, done: Acknowledged, stop: threading.Event) -> None:
    with httpx.Client(base_url=base, timeout=10) as client:
        n = 0
        while not stop.is_set():
            entity = f"did:web:auditor-{os.getpid()}-{threading.get_ident()}-{n}.example"
            n += 1
            try:
                answer = client.post(
                    "/registry/accreditations", headers=cast.auth("admin"),
                    json={"entity_id": entity, "credential_type": "ConformityAssessmentCredential",
                          "jurisdiction": "CD"},
                )  # fmt: skip
            except httpx.TransportError:
                return
            if answer.status_code in (200, 201):
                with done.lock:
                    done.accredited.add(entity)


def _kill_under_load(cast: Cast, workers: int, seconds: float) -> Acknowledged:
    done, stop = Acknowledged(), threading.Event()
    with _server(cast, workers) as (base, process), ThreadPoolExecutor(max_workers=6) as pool:
        loads = [pool.submit(_issuer_load, base, cast, done, stop) for _ in range(4)]
        loads += [pool.submit(_accreditor_load, base, cast, done, stop) for _ in range(2)]
        time.sleep(seconds)
        os.killpg(process.pid, signal.SIGKILL)  # mid-request: no shutdown, no flush
        process.wait()
        stop.set()
        for load in loads:
            load.result(timeout=30)
    return done


def _check_home(cast: Cast, done: Acknowledged) -> None:
    home = Home.open(cast.folder, database_url=cast.database_url)
    try:
        with home.session() as session:
            rows = list(session.exec(select(StatusEntryRecord)))
            accredited = set(session.exec(select(AccreditationRecord.entity_id)).all())
        entries = {row.credential_id: row for row in rows}
        slots = {(row.list_id, row.list_index) for row in rows}
        assert set(done.issued) <= set(entries), "an acknowledged issuance was lost"
        assert len(slots) == len(rows), "two credentials share a status index"
        assert all(entries[c].status != 0 for c in done.revoked), (
            "an acknowledged revocation was lost"
        )
        assert done.accredited <= accredited, "an acknowledged accreditation was lost"
        log = revocation_log.verify_log(home)
        assert log.intact and log.entries >= len(done.revoked), log.detail
        registry_log = registry.verify_log(home)
        assert registry_log.ok, registry_log.problems
        now = datetime.now(UTC)
        refresh_status_lists(home, now=now)  # what a restarted service does first
        verifier = verifier_for(home, allow_network=False)
        for credential_id, token in done.issued.items():
            expected = "REVOKED" if entries[credential_id].status else "VALID"
            assert verifier.check_credential(token, now=now).verdict == expected, credential_id
    finally:
        home.engine.dispose()


def test_sigkill_under_load_on_sqlite_loses_nothing_acknowledged(tmp_path: Path) -> None:
    cast = make_cast(tmp_path / "home")
    cast.home.engine.dispose()
    done = _kill_under_load(cast, workers=1, seconds=4)
    assert len(done.issued) >= 10 and done.revoked and done.accredited, "the load did not run"
    _check_home(cast, done)


def test_sigkill_under_load_on_postgres_with_two_workers(tmp_path: Path) -> None:
    with postgres_schema() as url:
        cast = make_cast(tmp_path / "home", url)
        cast.home.engine.dispose()
        done = _kill_under_load(cast, workers=2, seconds=4)
        assert len(done.issued) >= 10 and done.revoked and done.accredited
        _check_home(cast, done)


def test_eight_issuers_across_two_workers_never_share_a_status_index(tmp_path: Path) -> None:
    with postgres_schema() as url:
        cast = make_cast(tmp_path / "home", url)
        cast.home.engine.dispose()
        done, stop = Acknowledged(), threading.Event()
        with _server(cast, 2) as (base, _), ThreadPoolExecutor(max_workers=8) as pool:
            loads = [pool.submit(_issuer_load, base, cast, done, stop) for _ in range(8)]
            time.sleep(6)
            stop.set()
            for load in loads:
                load.result(timeout=60)
        assert len(done.issued) >= 40
        _check_home(cast, done)
