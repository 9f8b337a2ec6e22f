"""``oretrust issue --batch`` as a real process: the CLI contract, and SIGKILL mid-run.

A batch of a few hundred lines is started, killed with SIGKILL twice at different points
(whatever instant it lands on: between a journal fsync and its commit, in a half-written
line, between batches), then run to the end: every line is issued exactly once, counted in
the output and in the issuer's own records (``oretrust issued --json``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from conftest import run_oretrust
from oretrust.home import Home
from test_issue_batch import TYPE, entries, home, subject, write_jsonl

pytestmark = pytest.mark.slow

__all__ = ["home"]  # the fixture, shared with the in-process tests

LINES = 400


def _batch_command(home: Home, source: Path, out: Path, *options: str) -> list[str]:
    return [
        sys.executable, "-m", "oretrust", "issue", "--home", str(home.path), "--batch",
        str(source), "--issuer", "ministry", "--type", TYPE, "--out", str(out), *options,
    ]  # fmt: skip


def _kill_when(out: Path, command: list[str], lines_at_least: int) -> None:
    """Start ``command``; SIGKILL it once ``out`` holds ``lines_at_least`` lines (or it ends)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORETRUST_")}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        if out.exists() and out.read_bytes().count(b"\n") >= lines_at_least:
            break
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def test_sigkill_mid_batch_then_rerun_issues_every_line_once(home: Home, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [subject(home, n) for n in range(LINES)])
    out = tmp_path / "out.jsonl"
    command = _batch_command(home, source, out, "--batch-size", "5")
    _kill_when(out, command, 40)
    _kill_when(out, command, 150)
    killed_at = len(out.read_bytes().splitlines())
    assert 0 < killed_at < LINES, "the kills must land mid-run"
    finished = subprocess.run(
        [*command, "--json"], capture_output=True, text=True, timeout=120, check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("ORETRUST_")},
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr
    summary = json.loads(finished.stdout)
    assert summary["issued"] + summary["skipped"] == LINES
    written = entries(out)
    assert sorted(Counter(e["line"] for e in written).values()) == [1] * LINES
    assert {e["line"] for e in written} == set(range(1, LINES + 1))
    issued = run_oretrust("issued", "--home", str(home.path), "--issuer", "ministry", "--json")
    assert issued.returncode == 0, issued.stderr
    recorded = [row["id"] for row in json.loads(issued.stdout)]
    assert len(recorded) == len(set(recorded)) == LINES
    assert set(recorded) == {e["id"] for e in written}


def test_cli_bad_line_is_one_line_exit_2(home: Home, tmp_path: Path) -> None:
    """A bad line: one line on stderr naming its number and field, exit 2, the lines before
    it issued."""
    subjects = [subject(home, n) for n in range(3)]
    subjects[2]["countryOfOrigin"] = 7
    source = write_jsonl(tmp_path / "in.jsonl", subjects)
    out = tmp_path / "out.jsonl"
    result = run_oretrust(
        "issue", "--home", str(home.path), "--batch", str(source), "--issuer", "ministry",
        "--type", TYPE, "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "in.jsonl line 3: credentialSubject.countryOfOrigin" in lines[0]
    assert len(entries(out)) == 2
