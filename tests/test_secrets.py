"""Secrets stay secret: the SQLite files are the owner's alone, the access log never carries a
token sent in a query string.

The database holds wallets with every disclosure: ``oretrust.db`` and its ``-wal`` and
``-shm`` files are created 0600 whatever the umask (SQLite gives the side files the main
file's mode), through the library, the CLI and a running ``oretrust serve``; an existing
file others can read is announced. A real ``oretrust serve`` at ``--log-level info`` logs
every request, and a token in ``?access_token=`` used to be written there verbatim.
(Unencrypted keys at start-up: ``test_serve_start.py``.)
"""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from api_support import free_port, serve_home
from conftest import run_oretrust
from oretrust.api.access_log import redact_target
from oretrust.home import Home
from oretrust.identities import add_issuer

SQLITE_FILES = ("oretrust.db", "oretrust.db-wal", "oretrust.db-shm")
TOKEN = "ort_0123456789abcdef_" + "s3cr3t" * 7
JWT = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A umask that would leave new files world-readable (0644)."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _modes(folder: Path) -> dict[str, int]:
    return {
        name: stat.S_IMODE((folder / name).stat().st_mode)
        for name in SQLITE_FILES
        if (folder / name).exists()
    }


def test_the_database_and_its_wal_and_shm_are_created_0600(
    tmp_path: Path, now: datetime, open_umask: None
) -> None:
    home = Home.open(tmp_path)
    try:
        add_issuer(home, "ministry", display_name="Ministère des Mines", now=now)
        with home.engine.connect():  # an open connection keeps -wal and -shm in place
            modes = _modes(tmp_path)
    finally:
        home.engine.dispose()
    assert modes == dict.fromkeys(SQLITE_FILES, 0o600)


def test_the_cli_creates_the_database_0600(tmp_path: Path, open_umask: None) -> None:
    added = run_oretrust(
        "issuer", "add", "ministry", "--display-name", "Mines", "--home", str(tmp_path)
    )
    assert added.returncode == 0, added.stderr
    assert _modes(tmp_path)["oretrust.db"] == 0o600
    assert set(_modes(tmp_path).values()) == {0o600}


def test_a_running_server_keeps_every_sqlite_file_0600(
    tmp_path: Path, now: datetime, open_umask: None
) -> None:
    Home.open(tmp_path).engine.dispose()
    with serve_home(tmp_path) as base:
        assert httpx.get(f"{base}/readyz").status_code == 200
        modes = _modes(tmp_path)
    assert modes == dict.fromkeys(SQLITE_FILES, 0o600)


def test_an_existing_database_others_can_read_is_announced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    Home.open(tmp_path).engine.dispose()
    (tmp_path / "oretrust.db").chmod(0o644)
    caplog.set_level(logging.WARNING, logger="oretrust.store.db")
    Home.open(tmp_path).engine.dispose()
    assert "can be read by other users (mode 644)" in caplog.text
    assert stat.S_IMODE((tmp_path / "oretrust.db").stat().st_mode) == 0o644  # not changed


@pytest.mark.parametrize(
    ("target", "logged"),
    [
        (f"/healthz?access_token={TOKEN}", "/healthz?access_token=REDACTED"),
        (f"/issued?limit=5&token={TOKEN}", "/issued?limit=5&token=REDACTED"),
        (f"/issued?subject={TOKEN}", "/issued?subject=REDACTED"),  # a kept name, a token value
        (f"/x/{JWT}", "/x/REDACTED"),
        ("/registry/history?limit=50&type=MiningLicenceCredential",
         "/registry/history?limit=50&type=MiningLicenceCredential"),
    ],
)  # fmt: skip
def test_redacted_targets(target: str, logged: str) -> None:
    assert redact_target(target) == logged


@contextmanager
def _serve_logging_requests(home: Path) -> Iterator[tuple[str, Path]]:
    """``oretrust serve --log-level info`` (access log on); yields its URL and log file."""
    port = free_port()
    log = home / "access.log"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ORETRUST_")}
    command = [
        sys.executable, "-m", "oretrust", "serve", "--home", str(home),
        "--port", str(port), "--log-level", "info",
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=environment, stdout=output, stderr=output)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        yield base, log
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_a_token_in_a_query_string_never_reaches_the_access_log(tmp_path: Path) -> None:
    Home.open(tmp_path).engine.dispose()
    with _serve_logging_requests(tmp_path) as (base, log):
        httpx.get(f"{base}/healthz", params={"access_token": TOKEN})
        httpx.get(f"{base}/issued", params={"limit": "5", "token": TOKEN})
        httpx.get(f"{base}/credentials/{JWT}")
        httpx.get(f"{base}/registry/history", params={"limit": "7"})
        time.sleep(0.5)
    written = log.read_text()
    assert 'GET /healthz?access_token=REDACTED HTTP/1.1\\" 200' in written, written  # JSON lines
    assert "GET /registry/history?limit=7 HTTP/1.1" in written  # the rest is still logged
    assert TOKEN not in written and "s3cr3t" not in written
    assert JWT not in written
