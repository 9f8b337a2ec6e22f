"""Shared pytest fixtures: where the standards vectors live, a fixed clock."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
VECTORS = Path(os.environ.get("ORETRUST_VECTORS", REPO_ROOT.parent / "shared" / "vectors"))


@pytest.fixture(scope="session")
def vectors_dir() -> Path:
    """The standards vectors shipped beside the repository (``../shared/vectors``)."""
    if not VECTORS.is_dir():
        pytest.fail(f"standards vectors not found at {VECTORS}; set ORETRUST_VECTORS")
    return VECTORS


@pytest.fixture
def now() -> datetime:
    """A fixed 'now' so validity decisions are deterministic."""
    return datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
