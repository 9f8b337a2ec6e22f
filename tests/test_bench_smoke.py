"""The benchmarks still run against the code as it is: each one starts (imports every module it
measures) and answers ``--help``; their figures are read by people, not asserted here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT

BENCHES = sorted((REPO_ROOT / "bench").glob("bench_*.py"))


def test_there_are_benchmarks() -> None:
    assert len(BENCHES) >= 2


@pytest.mark.parametrize("bench", BENCHES, ids=lambda path: path.name)
def test_benchmark_starts(bench: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(bench), "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "usage" in result.stdout


def test_verify_benchmark_prints_its_ratio() -> None:
    """``bench_verify.py`` with tiny parameters: every verification VALID, the ratio printed."""
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / "bench_verify.py"), "--count", "5",
         "--rounds", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "full verify / raw Ed25519 verify = " in result.stdout
