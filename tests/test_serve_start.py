"""``oretrust serve`` fails at start, not later: keys it cannot load stop it, unencrypted keys
are announced.

A home whose keys are encrypted, served with ``ORETRUST_KEY_PASSPHRASE`` missing or wrong,
used to start, answer ``/readyz`` ready and then fail every issuance with a 500. Now the
real ``serve`` exits 2 with one line (one worker or several) and the app's lifespan refuses
too; served with the right passphrase it starts without a warning, and a home with
unencrypted keys starts with one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from api_support import ApiClient, free_port, serve_home
from oretrust.api import ServiceSettings, create_app
from oretrust.errors import KeyStoreError
from oretrust.home import Home
from oretrust.identities import add_issuer, check_signing_keys

PASSPHRASE = "correct horse battery staple"
UNENCRYPTED = "stored unencrypted"


def _home_with_keys(folder: Path, now: datetime, passphrase: str | None) -> Path:
    """A home with one issuer whose key is encrypted with ``passphrase`` (None: in the clear)."""
    previous = os.environ.pop("ORETRUST_KEY_PASSPHRASE", None)
    if passphrase is not None:
        os.environ["ORETRUST_KEY_PASSPHRASE"] = passphrase
    try:
        home = Home.open(folder)
        add_issuer(home, "ministry", display_name="Ministère des Mines", now=now)
        home.engine.dispose()
    finally:
        os.environ.pop("ORETRUST_KEY_PASSPHRASE", None)
        if previous is not None:
            os.environ["ORETRUST_KEY_PASSPHRASE"] = previous
    return folder


def _serve_refused(folder: Path, workers: int, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``oretrust serve``; it must exit by itself (a server that starts fails the test)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ORETRUST_")}
    environment.update(env)
    command = [
        sys.executable, "-m", "oretrust", "serve", "--home", str(folder),
        "--port", str(free_port()), "--workers", str(workers),
    ]  # fmt: skip
    try:
        return subprocess.run(
            command, env=environment, capture_output=True, text=True, timeout=60, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail("oretrust serve started although it cannot load the issuer's key")


@pytest.mark.parametrize(
    ("env", "code"),
    [
        pytest.param({}, "KEY_PASSPHRASE_REQUIRED", id="passphrase-missing"),
        pytest.param(
            {"ORETRUST_KEY_PASSPHRASE": "wrong"}, "KEY_DECRYPTION_FAILED", id="passphrase-wrong"
        ),
    ],
)
@pytest.mark.parametrize("workers", [1, 2])
def test_serve_refuses_to_start_without_the_right_passphrase(
    tmp_path: Path, now: datetime, env: dict[str, str], code: str, workers: int
) -> None:
    folder = _home_with_keys(tmp_path / "home", now, PASSPHRASE)
    refused = _serve_refused(folder, workers, **env)
    assert refused.returncode == 2, refused.stderr
    lines = refused.stderr.strip().splitlines()
    assert lines[-1].startswith(f"error: {code}: "), refused.stderr
    assert "Uvicorn running" not in refused.stderr


@pytest.mark.parametrize("passphrase", [None, "wrong"])
def test_the_app_refuses_to_start_without_the_right_passphrase(
    tmp_path: Path, now: datetime, monkeypatch: pytest.MonkeyPatch, passphrase: str | None
) -> None:
    folder = _home_with_keys(tmp_path / "home", now, PASSPHRASE)
    monkeypatch.delenv("ORETRUST_KEY_PASSPHRASE", raising=False)
    if passphrase is not None:
        monkeypatch.setenv("ORETRUST_KEY_PASSPHRASE", passphrase)
    with pytest.raises(KeyStoreError):
        ApiClient(create_app(ServiceSettings(home=folder, rate_limit=None)))


def test_serve_with_the_right_passphrase_starts_without_a_warning(
    tmp_path: Path, now: datetime
) -> None:
    folder = _home_with_keys(tmp_path / "home", now, PASSPHRASE)
    with serve_home(folder, ORETRUST_KEY_PASSPHRASE=PASSPHRASE) as base:
        assert httpx.get(f"{base}/readyz").status_code == 200
    log = "\n".join(path.read_text() for path in folder.glob("serve-*.log"))
    assert UNENCRYPTED not in log and "not set" not in log, log


def test_serve_warns_at_start_when_keys_are_unencrypted(tmp_path: Path, now: datetime) -> None:
    folder = _home_with_keys(tmp_path / "home", now, None)
    with serve_home(folder) as base:
        assert httpx.get(f"{base}/readyz").status_code == 200
    log = "\n".join(path.read_text() for path in folder.glob("serve-*.log"))
    assert f"1 private signing key(s) {UNENCRYPTED}" in log, log
    assert "did:web:localhost%3A8000:issuers:ministry#key-1" in log


def test_unencrypted_keys_are_named_even_when_a_passphrase_is_set(
    tmp_path: Path, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys made before the passphrase was set load without it: still announced."""
    folder = _home_with_keys(tmp_path / "home", now, None)
    monkeypatch.setenv("ORETRUST_KEY_PASSPHRASE", PASSPHRASE)
    home = Home.open(folder)
    try:
        assert check_signing_keys(home) == ["did:web:localhost%3A8000:issuers:ministry#key-1"]
    finally:
        home.engine.dispose()
