"""Insert many rows at once, the fast way for each database (bulk issuance's writes).

Through the ORM, ``session.execute(insert(Model), rows)`` spends more time on per-row
bookkeeping than SQLite spends inserting; Core's ``executemany`` is SQLite's fastest path.
On PostgreSQL, psycopg's ``executemany`` still runs one ``INSERT`` per row (and a multi-row
``INSERT … VALUES`` costs SQLAlchemy a fresh compilation of thousands of parameters each
time), so there the rows go through ``COPY … FROM STDIN`` on the session's own connection,
inside its transaction; its errors are raised as SQLAlchemy's (``IntegrityError`` for a
taken index or id), as an ``INSERT`` would have raised them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import insert
from sqlmodel import Session, SQLModel

__all__ = ["insert_rows"]


def insert_rows(session: Session, table_name: str, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` into ``table_name`` in ``session``'s transaction (not committed)."""
    if not rows:
        return
    table = SQLModel.metadata.tables[table_name]
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), list(rows))
        return
    import psycopg  # only PostgreSQL homes need the driver's own API

    columns = list(rows[0])
    names = ", ".join(f'"{name}"' for name in columns)
    driver = connection.connection.driver_connection
    assert driver is not None
    statement = f'COPY "{table.name}" ({names}) FROM STDIN'  # names from the models, not input
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[name] for name in columns])
    except psycopg.errors.IntegrityError as exc:  # as SQLAlchemy would have raised it
        raise sa_exc.IntegrityError(statement, None, exc) from exc
    except psycopg.OperationalError as exc:
        raise sa_exc.OperationalError(statement, None, exc) from exc
