"""The schema lock: one process at a time creates, completes or migrates a database's schema.

Two ``oretrust`` processes opening a fresh database at once, or a server starting while
``oretrust db upgrade`` runs, must not both build tables, and neither may see a schema
half-made. :func:`schema_lock` yields a connection inside a transaction that holds the lock:

* **SQLite**: ``BEGIN IMMEDIATE`` — the database's write lock. SQLite's DDL is transactional
  once a transaction is open (Python's ``sqlite3`` does not open one for DDL by itself), so a
  migration that fails half-way is rolled back whole.
* **PostgreSQL**: a transaction-level advisory lock keyed on the current schema (so two
  homes sharing a server in separate schemas do not wait for each other), polled; PostgreSQL's
  DDL is transactional anyway.

The lock is first tried for :data:`NOTICE_AFTER` seconds; when someone else holds it, a
warning says who is being waited for (another process creating or migrating the schema),
then the wait goes on up to :data:`WAIT_AT_MOST` seconds, after which the open fails with
``SCHEMA_LOCK_TIMEOUT`` rather than hanging for ever.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from oretrust.codes import Code
from oretrust.errors import ConflictError

__all__ = ["NOTICE_AFTER", "WAIT_AT_MOST", "SchemaLockTimeoutError", "schema_lock"]

log = logging.getLogger(__name__)

#: Seconds to try for the lock quietly (ordinary SQLite writers hold it for milliseconds).
NOTICE_AFTER = 2.0
#: Seconds to wait in all before giving up (a large migration may take minutes).
WAIT_AT_MOST = 600.0
#: The SQLite busy timeout the engine's connections normally use (``make_engine``), in ms.
_SQLITE_BUSY_MS = 30_000
_PG_LOCK_CLASS = 0x6F7274  # "ort": the first key of the two-key advisory lock
_WAITING = (
    "waiting for the database schema lock: another process is creating or migrating the "
    "schema (oretrust db upgrade?); waiting up to %d s"
)


class SchemaLockTimeoutError(ConflictError):
    """Another process held the schema lock longer than :data:`WAIT_AT_MOST` seconds."""

    default_code = Code.SCHEMA_LOCK_TIMEOUT


@contextmanager
def schema_lock(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction holding the schema lock; committed when the block ends,
    rolled back if it raises. Raises SchemaLockTimeoutError after :data:`WAIT_AT_MOST`."""
    with engine.connect() as connection:
        dialect = connection.dialect.name
        try:
            if dialect == "sqlite":
                _lock_sqlite(connection)
            elif dialect == "postgresql":
                _lock_postgresql(connection)
            yield connection
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            if dialect == "sqlite":  # back to the pool with the engine's busy timeout
                _restore_busy_timeout(connection)


def _restore_busy_timeout(connection: Connection) -> None:
    try:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {_SQLITE_BUSY_MS}")
        connection.commit()
    except Exception:  # a connection that cannot take a PRAGMA is not given back
        connection.invalidate()


def _lock_sqlite(connection: Connection) -> None:
    """``BEGIN IMMEDIATE``: quietly for NOTICE_AFTER, then with a warning."""
    for wait, last in ((NOTICE_AFTER, False), (WAIT_AT_MOST - NOTICE_AFTER, True)):
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(wait * 1000)}")
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as exc:
            if "locked" not in str(exc.orig) and "busy" not in str(exc.orig):
                raise
            if last:
                raise _timeout() from exc
            log.warning(_WAITING, WAIT_AT_MOST)


def _lock_postgresql(connection: Connection) -> None:
    """The schema's advisory lock, polled (a failed wait would abort the transaction)."""
    query = text("SELECT pg_try_advisory_xact_lock(:cls, hashtext(current_schema()))")
    started = time.monotonic()
    warned = False
    while not connection.execute(query, {"cls": _PG_LOCK_CLASS}).scalar():
        waited = time.monotonic() - started
        if waited > WAIT_AT_MOST:
            raise _timeout()
        if waited > NOTICE_AFTER and not warned:
            log.warning(_WAITING, WAIT_AT_MOST)
            warned = True
        time.sleep(0.05)


def _timeout() -> SchemaLockTimeoutError:
    return SchemaLockTimeoutError(
        f"another process held the database schema lock for more than {int(WAIT_AT_MOST)} s "
        "(a migration still running?): try again when it has finished"
    )
