"""Engine creation and schema set-up for the embedded SQLite default and PostgreSQL."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.engine import Engine
from sqlmodel import create_engine

from oretrust.store import (  # noqa: F401  (registers the tables)
    auth_models,
    models,
    registry_models,
    status_models,
)
from oretrust.store.migrate import prepare_schema

__all__ = ["POSTGRES_POOL_SIZE", "SQLITE_POOL_SIZE", "as_utc", "create_schema", "make_engine"]

#: Connections a SQLite engine keeps: as many as the service's worker threads (AnyIO's
#: default of 40), so a burst of requests never opens and closes connections (each open runs
#: the PRAGMAs); a SQLite connection costs a little memory and no server.
SQLITE_POOL_SIZE = 40
#: Connections a PostgreSQL engine keeps per process (and as many more in a burst): a server
#: connection costs the server memory, so keep workers x this under its max_connections.
POSTGRES_POOL_SIZE = 10

log = logging.getLogger(__name__)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL mode, foreign keys and a busy timeout.

    A SQLite file is created here with mode 0600 before SQLite opens it: it holds wallets
    with every disclosure, and SQLite gives its ``-wal`` and ``-shm`` files the database
    file's mode. An existing file others can read is left as it is, with a warning.
    """
    if url.startswith("sqlite"):
        _private_sqlite_file(url)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=SQLITE_POOL_SIZE,
            max_overflow=0,
            pool_timeout=30,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=POSTGRES_POOL_SIZE, max_overflow=POSTGRES_POOL_SIZE
    )


def create_schema(engine: Engine) -> None:
    """Create a fresh database at the newest schema revision, or check an existing one.

    See :mod:`oretrust.store.migrate`: raises SchemaOutdatedError when the database is at an
    older, unknown or no revision (``oretrust db upgrade`` brings it up) and
    SchemaMismatchError when its tables or columns differ from the models'.
    """
    prepare_schema(engine)


def _private_sqlite_file(url: str) -> None:
    """Create the database file of a SQLite ``url`` as 0600 (see :func:`make_engine`)."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return
    except FileExistsError:
        pass
    except OSError:  # no such folder, read-only: SQLite itself will say why it cannot open
        return
    if path.stat().st_mode & 0o077:
        log.warning(
            "%s can be read by other users (mode %o): it holds wallets and every disclosure; "
            "chmod 600 it and its -wal and -shm files",
            path,
            path.stat().st_mode & 0o777,
        )


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
