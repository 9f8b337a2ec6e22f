"""Schema versions: Alembic migrations, shared by ``Home.open`` and ``oretrust db upgrade``.

The migrations live in ``oretrust/store/migrations/`` (package data); the Alembic version
table records which one a database is at. Three cases when a database is opened
(:func:`prepare_schema`, called by ``Home.open`` through ``create_schema``):

* **fresh or pre-migration** (no version table): the tables are created from the SQLModel
  metadata (missing ones only) and the database is stamped at :data:`HEAD_REVISION` — the
  initial migration creates exactly these tables (a test compares them), so the CLI and the
  demo keep working with no set-up step;
* **current** (stamped at :data:`HEAD_REVISION`): nothing to do;
* **outdated or unknown** revision: :class:`SchemaOutdatedError`, which tells the operator to
  run ``oretrust db upgrade`` (:func:`upgrade`, Alembic's ``upgrade head``). ``oretrust
  serve`` therefore refuses to start on an outdated schema.

Any change to a table needs a new migration and a new :data:`HEAD_REVISION`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Column, MetaData, String, Table, inspect, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from oretrust.codes import Code
from oretrust.errors import ConflictError
from oretrust.store import (  # noqa: F401  (registers every table on SQLModel.metadata)
    auth_models,
    models,
    registry_models,
    status_models,
    trust_models,
)

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "HEAD_REVISION",
    "MIGRATIONS",
    "SchemaOutdatedError",
    "alembic_config",
    "current_revision",
    "prepare_schema",
    "upgrade",
]

#: The newest migration (``revision`` of the last file in ``migrations/versions``).
HEAD_REVISION = "0002"
#: Every revision this version of oretrust knows, oldest first.
KNOWN_REVISIONS = ("0001", "0002")
MIGRATIONS = Path(__file__).parent / "migrations"

_VERSIONS = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), primary_key=True, nullable=False),
)


class SchemaOutdatedError(ConflictError):
    """The database schema is not the one this version of oretrust needs."""

    default_code = Code.SCHEMA_OUTDATED


def current_revision(connection: Connection) -> str | None:
    """The revision a database is stamped at, or None when it has no version table."""
    if _VERSIONS.name not in inspect(connection).get_table_names():
        return None
    return connection.execute(select(_VERSIONS.c.version_num)).scalar()


def prepare_schema(engine: Engine) -> None:
    """Create and stamp a fresh database; check a stamped one is current (see module doc).

    Raises SchemaOutdatedError for an outdated or unknown revision.
    """
    for attempt in range(2):
        try:
            with engine.begin() as connection:
                revision = current_revision(connection)
                if revision is None:
                    _create_and_stamp(connection)
                    return
        except DBAPIError:  # another process created the schema at the same moment
            if attempt:
                raise
            continue
        _require_current(revision)
        return


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the database to :data:`HEAD_REVISION`; return ``(before, after)`` revisions.

    An empty database is built by running every migration; a pre-migration database is
    completed and stamped as :func:`prepare_schema` does.
    """
    from alembic import command  # imported on demand: only upgrades need Alembic itself

    with engine.begin() as connection:
        before = current_revision(connection)
        if before is None and inspect(connection).get_table_names():
            _create_and_stamp(connection)
            return None, HEAD_REVISION
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        return before, current_revision(connection) or HEAD_REVISION


def alembic_config(url: str | None = None) -> Config:
    """An Alembic ``Config`` over the packaged migrations (no ``alembic.ini`` needed).

    Developers make a new migration with ``alembic.command.revision(alembic_config(url),
    message, autogenerate=True)`` against a database at the current head.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url)
    return config


def _create_and_stamp(connection: Connection) -> None:
    SQLModel.metadata.create_all(connection)
    _VERSIONS.create(connection, checkfirst=True)
    connection.execute(_VERSIONS.delete())
    connection.execute(_VERSIONS.insert().values(version_num=HEAD_REVISION))


def _require_current(revision: str | None) -> None:
    if revision == HEAD_REVISION:
        return
    if revision in KNOWN_REVISIONS:
        raise SchemaOutdatedError(
            f"the database schema is at revision {revision}, this oretrust needs "
            f"{HEAD_REVISION}: run 'oretrust db upgrade'"
        )
    raise SchemaOutdatedError(
        f"the database schema is at revision {revision!r}, unknown to this oretrust "
        f"(which needs {HEAD_REVISION}): run 'oretrust db upgrade', or install the newer "
        "oretrust that made it"
    )
