"""Alembic environment for oretrust: the target metadata is every SQLModel table of ``store/``.

Run through :func:`oretrust.store.migrate.upgrade` (``oretrust db upgrade``), which hands over
an open connection in ``config.attributes["connection"]``; with only ``sqlalchemy.url`` set
(e.g. ``alembic.command.revision(alembic_config(url), …, autogenerate=True)``) an engine is
made here. Offline mode (``--sql``) renders the SQL instead of running it.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from oretrust.store import migrate as _registered  # noqa: F401  (every table is registered)
from oretrust.store.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    if context.is_offline_mode():
        context.configure(
            url=config.get_main_option("sqlalchemy.url"),
            target_metadata=target_metadata,
            literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set sqlalchemy.url or pass a connection in config.attributes")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            _run(connection)
    finally:
        engine.dispose()


_main()
