"""The service through real sockets: ``oretrust serve`` (uvicorn) on 127.0.0.1.

* SQLite: a ministry issues and revokes with its token; a refinery verifies with nothing but
  the URL; the registry answers TRQP; ``/docs`` and ``/openapi.json`` are served.
* PostgreSQL: ``serve --workers 2`` and a second ``serve`` on another port share one
  database; issuing and revoking run concurrently through both, and every credential's
  status reads back the same from both.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from api_support import (
    MINISTRY,
    REGISTRY,
    Cast,
    free_port,
    make_cast,
    origin_certificate,
    postgres_schema,
)

pytestmark = pytest.mark.slow


@contextmanager
def served(cast: Cast, *workers: int) -> Iterator[list[str]]:
    """Run one ``oretrust serve`` per ``workers`` entry (in parallel) for the cast's home;
    yield their base URLs; stop them afterwards."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORETRUST_")}
    if cast.database_url:
        env["ORETRUST_DATABASE_URL"] = cast.database_url
    started: list[tuple[subprocess.Popen[bytes], str, Path]] = []
    try:
        for count in workers or (1,):
            port = free_port()
            log = cast.folder / f"serve-{port}.log"
            command = [
                sys.executable, "-m", "oretrust", "serve", "--home", str(cast.folder),
                "--port", str(port), "--workers", str(count), "--log-level", "warning",
            ]  # fmt: skip
            with log.open("wb") as output:
                process = subprocess.Popen(command, env=env, stdout=output, stderr=output)
            started.append((process, f"http://127.0.0.1:{port}", log))
        for process, base, log in started:
            _wait_ready(process, base, log)
        yield [base for _, base, _ in started]
    finally:
        for process, _, _ in started:
            process.terminate()
        for process, _, _ in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(process: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"oretrust serve did not start: {log.read_text()[-2000:]}")
        time.sleep(0.1)


def _issue(client: httpx.Client, cast: Cast, who: str) -> tuple[str, str]:
    response = client.post(
        "/credentials/issue",
        json={"credential": origin_certificate(cast.holder_did)},
        headers=cast.auth(who),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return body["credentialId"], body["verifiableCredential"]["id"].split(",", 1)[1]


def _verdict(client: httpx.Client, token: str) -> str:
    response = client.post("/credentials/verify", json={"verifiableCredential": token})
    verdict: str = response.json()["verdict"]
    assert response.status_code == (200 if verdict == "VALID" else 400)
    return verdict


def test_serve_on_a_socket(tmp_path: Path) -> None:
    cast = make_cast(tmp_path / "home")
    with served(cast) as (base,), httpx.Client(base_url=base, timeout=30) as client:
        assert client.get("/docs").status_code == 200
        assert "/credentials/issue" in client.get("/openapi.json").json()["paths"]
        credential_id, token = _issue(client, cast, "ministry")
        with httpx.Client(base_url=base, timeout=30) as refinery:  # no token, no home
            assert _verdict(refinery, token) == "VALID"
            revoked = client.post(
                "/credentials/status",
                json={"credentialId": credential_id, "action": "revoke", "reason": "fraud"},
                headers=cast.auth("ministry"),
            )
            assert revoked.status_code == 200, revoked.text
            assert _verdict(refinery, token) == "REVOKED"
            answer = refinery.post(
                "/authorization",
                json={
                    "entity_id": MINISTRY,
                    "authority_id": REGISTRY,
                    "action": "issue:MineralOriginCertificate",
                    "resource": "CD",
                },
            )
            assert answer.json()["authorized"] is True


@pytest.mark.postgres
def test_workers_share_one_postgres_database(tmp_path: Path) -> None:
    with postgres_schema() as url:
        cast = make_cast(tmp_path / "home", url)
        cast.home.engine.dispose()
        with (
            served(cast, 2, 1) as (first, second),
            httpx.Client(base_url=first, timeout=60) as a,
            httpx.Client(base_url=second, timeout=60) as b,
        ):
            servers = (a, b)

            def issue_then_maybe_revoke(number: int) -> tuple[str, str]:
                """Issue through one server; revoke every other credential through the other."""
                who = ("ministry", "customs")[number // 2 % 2]
                credential_id, token = _issue(servers[number % 2], cast, who)
                if number % 2 == 0:
                    response = servers[(number + 1) % 2].post(
                        "/credentials/status",
                        json={"credentialId": credential_id, "action": "revoke", "reason": "x"},
                        headers=cast.auth(who),
                    )
                    assert response.status_code == 200, response.text
                return credential_id, token

            with ThreadPoolExecutor(max_workers=8) as pool:  # issuing and revoking interleave
                issued = list(pool.map(issue_then_maybe_revoke, range(16)))
            for number, (_credential_id, token) in enumerate(issued):
                expected = "REVOKED" if number % 2 == 0 else "VALID"
                assert [_verdict(server, token) for server in servers] == [expected] * 2
            log = a.get("/revocations/log", headers=cast.auth("auditor")).json()
            assert len(log) == len(issued) // 2
            assert [entry["seq"] for entry in log] == list(range(1, len(log) + 1))
