"""``oretrust registry …``: exit codes, one-line errors, --json.

The main story runs the real ``python -m oretrust`` process; the many small cases run the
same entry point (``oretrust.cli.main``) in-process, which is much faster.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from oretrust.cli import main
from oretrust.did import StaticDidResolver
from oretrust.home import Home
from oretrust.hosted_dids import did_resolver
from oretrust.registry import load_trust_list

REGISTRY = "did:web:registry.minerals-trust.example"
MINISTRY = "did:web:mines.gouv.cd.example"


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORETRUST_")}
    return subprocess.run(
        [sys.executable, "-m", "oretrust", "registry", *args, "--home", str(home)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture
def invoke(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``run`` in-process: same entry point, same exit codes and streams."""
    for name in [k for k in os.environ if k.startswith("ORETRUST_")]:
        monkeypatch.delenv(name)

    def call(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
        argv = ["oretrust", "registry", *args, "--home", str(home)]
        monkeypatch.setattr(sys, "argv", argv)
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0
        captured = capsys.readouterr()
        return subprocess.CompletedProcess(argv, code, captured.out, captured.err)

    return call


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (result.stdout, result.stderr)
    return result.stdout


def one_line_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, (result.stdout, result.stderr)
    lines = [
        line for line in result.stderr.splitlines() if line.strip() and "PASSPHRASE" not in line
    ]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("registry-home")
    ok(run(folder, "init", "--did", REGISTRY, "--display-name", "Regional Minerals Registry"))
    accredited = json.loads(
        ok(
            run(
                folder,
                "accredit",
                MINISTRY,
                "--type",
                "MineralOriginCertificate",
                "--jurisdiction",
                "CD",
                "--from",
                "2026-01-01T00:00:00Z",
                "--until",
                "2030-01-01T00:00:00Z",
                "--reason",
                "regional framework",
                "--json",
            )
        )
    )
    assert accredited["status"] == "active"
    ok(
        run(
            folder,
            "withdraw",
            MINISTRY,
            "--type",
            "MineralOriginCertificate",
            "--jurisdiction",
            "CD",
            "--effective",
            "2026-06-01T00:00:00Z",
            "--reason",
            "bribery inquiry 2026/114",
            "--actor",
            "j.mukendi",
        )
    )
    return folder


def query(home: Path, when: str) -> subprocess.CompletedProcess[str]:
    return run(
        home,
        "query",
        MINISTRY,
        "--type",
        "MineralOriginCertificate",
        "--jurisdiction",
        "CD-LU",
        "--at",
        when,
        "--json",
    )


def test_query_answers_for_past_dates(home: Path) -> None:
    before = query(home, "2026-05-01T00:00:00Z")
    assert before.returncode == 0, before.stderr
    answer = json.loads(before.stdout)
    assert answer["authorized"] is True
    assert answer["authority_id"] == REGISTRY
    assert answer["time_requested"] == "2026-05-01T00:00:00Z"
    after = query(home, "2026-07-01T00:00:00Z")
    assert after.returncode == 1
    assert "withdrawn as of 2026-06-01T00:00:00Z" in json.loads(after.stdout)["message"]


def test_history_and_log(home: Path) -> None:
    events = json.loads(ok(run(home, "history", "--entity", MINISTRY, "--json")))
    assert [e["type"] for e in events] == ["accreditation.granted", "accreditation.withdrawn"]
    assert events[1]["actor"] == "j.mukendi" and events[1]["reason"] == "bribery inquiry 2026/114"
    assert json.loads(ok(run(home, "verify-log", "--json")))["ok"] is True


def test_export_writes_a_verifiable_trust_list(home: Path, tmp_path: Path) -> None:
    target = tmp_path / "trust-list.jwt"
    ok(run(home, "export", "--out", str(target)))
    opened = Home.open(home, database_url=f"sqlite:///{home / 'oretrust.db'}")
    resolver = StaticDidResolver(
        {REGISTRY: did_resolver(opened, allow_network=False).resolve(REGISTRY)}
    )
    trust_list = load_trust_list(
        target.read_text().strip(), registry_did=REGISTRY, resolver=resolver, now=datetime.now(UTC)
    )
    assert [a.entity_id for a in trust_list.accreditations] == [MINISTRY]


def test_flag_recognise_suspend_renew(home: Path, invoke: Callable[..., Any]) -> None:
    run = invoke
    entity = "did:web:douanes.gouv.cd.example"
    ok(
        run(
            home,
            "flag-jurisdiction",
            "CD",
            "--risk",
            "high",
            "--source",
            "operator assessment",
            "--as-of",
            "2026-10-01",
        )
    )
    ok(
        run(
            home,
            "recognise",
            "did:web:cami.gouv.cd.example",
            "--action",
            "accredit:MineralOriginCertificate",
            "--resource",
            "CD",
        )
    )
    target = ["--type", "AuthorisedEconomicOperatorCredential", "--jurisdiction", "CD"]
    ok(run(home, "accredit", entity, *target, "--until", "2099-01-01T00:00:00Z"))
    ok(run(home, "suspend", entity, *target, "--reason", "audit"))
    assert run(home, "query", entity, *target).returncode == 1
    ok(run(home, "reinstate", entity, *target))
    ok(run(home, "renew", entity, *target, "--until", "2100-01-01T00:00:00Z"))
    assert run(home, "query", entity, *target).returncode == 0
    listed = json.loads(ok(run(home, "list", "--json")))
    assert {a["entity_id"] for a in listed} == {MINISTRY, entity}
    ok(run(home, "flag-jurisdiction", "CD", "--risk", "none", "--reason", "reassessed"))
    assert json.loads(ok(run(home, "verify-log", "--json")))["ok"] is True


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (
            ["accredit", MINISTRY, "--type", "NoSuchType", "--jurisdiction", "CD"],
            "UNKNOWN_CREDENTIAL_TYPE",
        ),
        (
            ["accredit", MINISTRY, "--type", "MiningLicenceCredential", "--jurisdiction", "ZZ"],
            "INVALID_JURISDICTION",
        ),
        (
            [
                "withdraw",
                MINISTRY,
                "--type",
                "MineralOriginCertificate",
                "--jurisdiction",
                "CD",
                "--effective",
                "last week",
                "--reason",
                "x",
            ],
            "INVALID_TIME",
        ),
        (
            [
                "suspend",
                "did:web:nobody.example",
                "--type",
                "MineralOriginCertificate",
                "--jurisdiction",
                "CD",
                "--reason",
                "x",
            ],
            "NOT_FOUND",
        ),
        (["init", "--did", "did:web:second.example", "--display-name", "Again"], "REGISTRY_EXISTS"),
        (["flag-jurisdiction", "CD", "--risk", "medium", "--source", "s"], "INVALID_RISK"),
    ],
    ids=[
        "unknown-type",
        "bad-jurisdiction",
        "bad-time",
        "unknown-accreditation",
        "second-init",
        "bad-risk",
    ],
)
def test_input_errors_exit_2_with_one_line(
    home: Path, invoke: Callable[..., Any], args: list[str], code: str
) -> None:
    line = one_line_error(invoke(home, *args), 2)
    assert line.startswith(f"error: {code}:"), line


def test_without_registry_exit_2(tmp_path: Path) -> None:
    line = one_line_error(run(tmp_path, "export", "--out", str(tmp_path / "t.jwt")), 2)
    assert "REGISTRY_NOT_INITIALISED" in line


@pytest.mark.slow  # processes or served homes: behind the marker .ci/run also runs
def test_verify_log_detects_tampering(tmp_path: Path) -> None:
    ok(run(tmp_path, "init", "--did", REGISTRY, "--display-name", "R", "--no-default-flags"))
    ok(
        run(
            tmp_path,
            "accredit",
            MINISTRY,
            "--type",
            "MineralOriginCertificate",
            "--jurisdiction",
            "CD",
            "--until",
            "2027-01-01T00:00:00Z",
        )
    )
    with sqlite3.connect(tmp_path / "oretrust.db") as connection:
        connection.execute("UPDATE accreditation SET valid_until = '2099-01-01 00:00:00'")
    result = run(tmp_path, "verify-log")
    assert result.returncode == 1
    assert "differs from the log" in result.stdout
