"""The revocation commands as scripts use them: ``python -m oretrust … --home DIR``.

The home is set up through the Python API (fast); every status change and every verdict
goes through a real ``oretrust`` process, so a revocation acknowledged by one process is
seen by the next verifier process through the home's own published lists.
"""

from __future__ import annotations

import copy
import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from oretrust import identities
from oretrust.credentials import EXAMPLES
from oretrust.home import Home
from oretrust.issuer import issue_credential

pytestmark = pytest.mark.slow


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("ORETRUST_HOME", "ORETRUST_DATABASE_URL")
    }
    return subprocess.run(
        [sys.executable, "-m", "oretrust", *args, "--home", str(home)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


def _verdict(home: Path, token_file: Path) -> tuple[int, str]:
    result = _run(home, "verify", str(token_file), "--json")
    return result.returncode, json.loads(result.stdout)["verdict"]


@pytest.fixture
def licence(tmp_path: Path) -> tuple[Path, str, Path]:
    """A home with one mining licence issued (with status); returns (home, id, token file)."""
    folder = tmp_path / "home"
    now = datetime.now(UTC)
    home = Home.open(folder)
    identities.add_issuer(home, "ministry", display_name="Ministère des Mines", now=now)
    holder = identities.add_holder(home, "kivu", display_name="Kivu Minerals SARL", now=now)
    subject = copy.deepcopy(EXAMPLES["MiningLicenceCredential"])
    subject["holder"]["id"] = holder.did
    issued = issue_credential(
        home,
        issuer="ministry",
        type_name="MiningLicenceCredential",
        subject=subject,
        holder=holder.did,
        now=now,
    )
    home.engine.dispose()
    token_file = tmp_path / "licence.jwt"
    token_file.write_text(issued.token + "\n", encoding="utf-8")
    return folder, issued.id, token_file


def test_cli_revoke_then_verify_reports_revoked(licence: tuple[Path, str, Path]) -> None:
    home, credential_id, token_file = licence
    assert _verdict(home, token_file) == (0, "VALID")

    revoked = _run(
        home,
        "revoke",
        credential_id,
        "--reason",
        "licence withdrawn",
        "--by",
        "registrar",
        "--json",
    )
    assert revoked.returncode == 0, revoked.stderr
    change = json.loads(revoked.stdout)
    assert change["credential_id"] == credential_id
    assert (change["previous"], change["status"], change["changed"]) == ("VALID", "REVOKED", True)
    assert _verdict(home, token_file) == (1, "REVOKED")

    again = _run(home, "revoke", credential_id, "--reason", "once more")
    assert again.returncode == 0, again.stderr
    assert "already REVOKED" in again.stdout


def test_cli_suspend_reinstate_and_refusals(licence: tuple[Path, str, Path]) -> None:
    home, credential_id, token_file = licence
    assert _run(home, "suspend", credential_id, "--reason", "environmental audit").returncode == 0
    assert _verdict(home, token_file) == (1, "SUSPENDED")
    assert _run(home, "reinstate", credential_id, "--reason", "audit passed").returncode == 0
    assert _verdict(home, token_file) == (0, "VALID")

    assert _run(home, "revoke", credential_id, "--reason", "fraud").returncode == 0
    refused = _run(home, "reinstate", credential_id, "--reason", "appeal")
    assert refused.returncode == 2
    assert refused.stderr.strip().count("\n") == 0  # one line
    assert "CREDENTIAL_REVOKED" in refused.stderr

    unknown = _run(home, "revoke", "urn:uuid:00000000-0000-4000-8000-000000000000", "--reason", "x")
    assert unknown.returncode == 2
    assert "CREDENTIAL_NOT_FOUND" in unknown.stderr


def test_cli_log_verify_log_and_tampering(licence: tuple[Path, str, Path], tmp_path: Path) -> None:
    home, credential_id, _ = licence
    assert _run(home, "suspend", credential_id, "--reason", "audit").returncode == 0
    assert _run(home, "revoke", credential_id, "--reason", "audit failed").returncode == 0

    log = _run(home, "revocations", "log", "--json")
    entries = json.loads(log.stdout)
    assert [(e["seq"], e["action"], e["new_status"]) for e in entries] == [
        (1, "suspend", "SUSPENDED"),
        (2, "revoke", "REVOKED"),
    ]
    intact = _run(home, "revocations", "verify-log", "--json")
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert json.loads(intact.stdout)["intact"] is True

    published = _run(home, "status", "publish", "--out", str(tmp_path / "status"), "--json")
    assert published.returncode == 0, published.stderr
    assert len(json.loads(published.stdout)) == 3

    with sqlite3.connect(home / "oretrust.db") as db:
        db.execute("UPDATE revocation_log SET reason = 'routine' WHERE seq = 1")
    tampered = _run(home, "revocations", "verify-log", "--json")
    assert tampered.returncode == 1
    assert json.loads(tampered.stdout)["first_broken"] == 1
