"""Engine creation and schema set-up for the embedded SQLite default and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import create_engine

from oretrust.store import (  # noqa: F401  (registers the tables)
    auth_models,
    models,
    registry_models,
    status_models,
)
from oretrust.store.migrate import prepare_schema

__all__ = ["as_utc", "create_schema", "make_engine"]


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL mode, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def create_schema(engine: Engine) -> None:
    """Create a fresh database at the newest schema revision, or check an existing one.

    See :mod:`oretrust.store.migrate`: raises SchemaOutdatedError when the database is
    stamped at an older (or unknown) revision — ``oretrust db upgrade`` brings it up.
    """
    prepare_schema(engine)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; naive inputs are taken to be UTC already.

    SQLModel's datetime columns store aware values and return them in UTC (SQLite keeps no
    zone, so it stores UTC without an offset).
    """
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
