"""Shared pytest fixtures and helpers: where the standards vectors live, a fixed clock, the
real ``oretrust`` process, and a throwaway PostgreSQL schema (``ORETRUST_TEST_POSTGRES_URL``,
default the local test server; tests that need it are skipped, with the reason, when no server
answers)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

REPO_ROOT = Path(__file__).resolve().parents[1]
#: The standards vectors, copied into the repository with their sources (tests/vectors/README.md).
VECTORS = Path(os.environ.get("ORETRUST_VECTORS", REPO_ROOT / "tests" / "vectors"))
POSTGRES_URL = os.environ.get(
    "ORETRUST_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def vectors_dir() -> Path:
    """The standards vectors the repository carries (``tests/vectors``)."""
    if not VECTORS.is_dir():
        pytest.fail(f"standards vectors not found at {VECTORS}; set ORETRUST_VECTORS")
    return VECTORS


@pytest.fixture
def now() -> datetime:
    """A fixed 'now' so validity decisions are deterministic."""
    return datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)


def run_oretrust(
    *args: str, stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python -m oretrust ARGS`` in a fresh process, without the caller's ``ORETRUST_*``
    environment (each call costs a process start, ~2 s: use sparingly)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORETRUST_")}
    return subprocess.run(
        [sys.executable, "-m", "oretrust", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=env,
        timeout=timeout,
        check=False,
    )


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A database URL confined to a fresh schema, dropped afterwards; skip without a server."""
    schema = f"oretrust_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # any failure to reach the server means "skip"
        pytest.skip(f"no PostgreSQL reachable at {POSTGRES_URL} ({type(exc).__name__}: {exc})")
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """:func:`postgres_schema` as a fixture."""
    with postgres_schema() as url:
        yield url
