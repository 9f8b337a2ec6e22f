"""A write lock held for the rest of a session's transaction: writers of one log take turns.

The registry's event log numbers its events (``registry_event.seq``) and chains each to the
previous one's hash, so a writer must read the head and append after it with no other writer
in between. A unique ``seq`` alone only detects the race, and eight concurrent
``POST /registry/accreditations`` lost it 42 times in 80 (each a 500, the IntegrityError raised
by an autoflush outside any handler). :func:`lock_for_writing` makes the writers queue:

* **PostgreSQL**: a transaction-level advisory lock keyed on the lock's name and the current
  schema (homes in separate schemas of one server do not wait for each other), released by
  the commit or rollback;
* **SQLite**: ``BEGIN IMMEDIATE``, the database's write lock (waited for up to the engine's
  busy timeout). Python's ``sqlite3`` opens no transaction for a read, so the session must
  take the lock before it writes anything.

Take it first in the transaction, before reading what the write depends on: a read made
before the lock may already be stale.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

__all__ = ["lock_for_writing"]

_PG_LOCK = text("SELECT pg_advisory_xact_lock(hashtext(:name), hashtext(current_schema()))")


def lock_for_writing(session: Session, name: str) -> None:
    """Wait for, then hold until ``session``'s transaction ends, the write lock ``name``.

    On a database other than PostgreSQL and SQLite nothing is locked (unique constraints
    still refuse a lost race, as a ConflictError where the caller maps it).
    """
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(_PG_LOCK, {"name": name})
    elif dialect == "sqlite" and not getattr(
        connection.connection.dbapi_connection, "in_transaction", False
    ):  # a SQLite transaction that has written already holds the write lock
        connection.exec_driver_sql("BEGIN IMMEDIATE")
