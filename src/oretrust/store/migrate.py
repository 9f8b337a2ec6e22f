"""Schema versions: Alembic migrations, shared by ``Home.open`` and ``oretrust db upgrade``.

The migrations live in ``oretrust/store/migrations/`` (package data); the Alembic version
table records which one a database is at. When a database is opened (:func:`prepare_schema`,
called by ``Home.open`` through ``create_schema``, so by every command and at ``serve``'s
start) it is never patched silently:

* **fresh** (neither a version table nor any oretrust table): the tables are created from
  the SQLModel metadata and stamped at :data:`HEAD_REVISION` — the migrations create exactly
  these tables (a test compares them), so the CLI and the demo need no set-up step;
* **current** (stamped at :data:`HEAD_REVISION`, with every table and column of the models):
  used as is;
* **outdated, unknown or unstamped** (oretrust tables without a version table, made before
  migrations): :class:`SchemaOutdatedError`; ``oretrust db upgrade`` (:func:`upgrade`) runs
  the migrations, or completes and stamps an unstamped database;
* **at the head but different** (a table or column missing: dropped by hand, a restore gone
  wrong): :class:`SchemaMismatchError` naming what is missing; no migration can know how
  to repair that.

Creation and migration hold the schema lock (:mod:`oretrust.store.schema_lock`), in one
transaction: concurrent openers wait (a warning says so) and nobody ever sees a migration
half-done; one that fails is rolled back whole.

Any change to a table needs a new migration and a new :data:`HEAD_REVISION`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Column, MetaData, String, Table, inspect, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from oretrust.codes import Code
from oretrust.errors import ConflictError
from oretrust.store import (  # noqa: F401  (registers every table on SQLModel.metadata)
    auth_models,
    ledger_models,
    models,
    registry_models,
    status_models,
    trust_models,
)
from oretrust.store.schema_lock import schema_lock

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "HEAD_REVISION",
    "MIGRATIONS",
    "SchemaMismatchError",
    "SchemaOutdatedError",
    "alembic_config",
    "current_revision",
    "prepare_schema",
    "upgrade",
]

#: The newest migration (``revision`` of the last file in ``migrations/versions``).
HEAD_REVISION = "0005"
#: Every revision this version of oretrust knows, oldest first.
KNOWN_REVISIONS = ("0001", "0002", "0003", "0004", "0005")
MIGRATIONS = Path(__file__).parent / "migrations"

_VERSIONS = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), primary_key=True, nullable=False),
)


class SchemaOutdatedError(ConflictError):
    """The database schema is not the one this version of oretrust needs."""

    default_code = Code.SCHEMA_OUTDATED


class SchemaMismatchError(ConflictError):
    """The database's tables or columns are not those of the revision it is stamped at."""

    default_code = Code.SCHEMA_MISMATCH


def current_revision(connection: Connection) -> str | None:
    """The revision a database is stamped at, or None when it has no version table."""
    if _VERSIONS.name not in inspect(connection).get_table_names():
        return None
    return connection.execute(select(_VERSIONS.c.version_num)).scalar()


def prepare_schema(engine: Engine) -> None:
    """Create and stamp a fresh database; check that any other is current (see module doc).

    A database at the head revision with the models' tables and columns is only read. Any
    other is judged again under the schema lock (a migration running elsewhere is waited
    for, with a warning): a fresh one is created and stamped; otherwise SchemaOutdatedError
    (older, unknown or no revision) or SchemaMismatchError (tables or columns missing).
    """
    with engine.connect() as connection:
        if _judge(connection) is None:
            return
    with schema_lock(engine) as connection:
        problem = _judge(connection)
        if problem is _FRESH:
            _create_and_stamp(connection)
        elif isinstance(problem, Exception):
            raise problem


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the database to :data:`HEAD_REVISION`; return ``(before, after)`` revisions.

    Runs under the schema lock, in one transaction: a migration that fails is rolled back
    whole and raises SchemaMismatchError naming the step and the cause. An empty database
    is built by the migrations; a pre-migration one (tables, no version table) gets its
    missing tables and the stamp. An unknown revision is SchemaOutdatedError; a result that
    still differs from the models is SchemaMismatchError (and nothing is kept).
    """
    from alembic import command  # imported on demand: only upgrades need Alembic itself

    with schema_lock(engine) as connection:
        before = current_revision(connection)
        if before is not None and before not in KNOWN_REVISIONS:
            raise _unknown(before)
        if before is None and _oretrust_tables(connection):
            _create_and_stamp(connection)
        else:
            config = alembic_config()
            config.attributes["connection"] = connection
            try:
                command.upgrade(config, "head")
            except Exception as exc:  # whatever the migration hit: one line, rolled back
                raise SchemaMismatchError(
                    f"the migration from {before or 'nothing'} to {HEAD_REVISION} failed and "
                    f"was rolled back: {_first_line(exc)}"
                ) from exc
        after = current_revision(connection) or HEAD_REVISION
        differences = _differences(connection)
        if differences:
            raise _mismatch(after, differences, "the upgrade was rolled back")
        return before, after


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


#: :func:`_judge`'s verdict on a database with neither a version table nor oretrust tables.
_FRESH = object()


def _judge(connection: Connection) -> Exception | object | None:
    """None for a current database, :data:`_FRESH` for an empty one, else the error to raise."""
    revision = current_revision(connection)
    if revision is None:
        if not _oretrust_tables(connection):
            return _FRESH
        return SchemaOutdatedError(
            "the database has oretrust tables but no schema revision (made before "
            "migrations, or changed by hand): run 'oretrust db upgrade'"
        )
    if revision != HEAD_REVISION:
        if revision not in KNOWN_REVISIONS:
            return _unknown(revision)
        return SchemaOutdatedError(
            f"the database schema is at revision {revision}, this oretrust needs "
            f"{HEAD_REVISION}: run 'oretrust db upgrade'"
        )
    differences = _differences(connection)
    if differences:
        return _mismatch(revision, differences, "restore it from a backup, or repair it by hand")
    return None


def _oretrust_tables(connection: Connection) -> set[str]:
    """The tables of this oretrust's models that the database has."""
    return set(inspect(connection).get_table_names()) & set(SQLModel.metadata.tables)


def _differences(connection: Connection) -> list[str]:
    """What the models have that the database lacks: ``table``, or ``table.column``."""
    present = _oretrust_tables(connection)
    missing = [name for name in SQLModel.metadata.tables if name not in present]
    reflected = inspect(connection).get_multi_columns(filter_names=sorted(present))
    columns = {table: {c["name"] for c in found} for (_, table), found in reflected.items()}
    for name, table in SQLModel.metadata.tables.items():
        if name in present:
            missing += [f"{name}.{c.name}" for c in table.columns if c.name not in columns[name]]
    return missing


def _mismatch(revision: str, differences: list[str], remedy: str) -> SchemaMismatchError:
    shown = ", ".join(differences[:8])
    if len(differences) > 8:
        shown += f" and {len(differences) - 8} more"
    return SchemaMismatchError(
        f"the database schema differs from revision {revision}: it lacks {shown} "
        f"(changed outside oretrust's migrations?): {remedy}"
    )


def _unknown(revision: str) -> SchemaOutdatedError:
    return SchemaOutdatedError(
        f"the database schema is at revision {revision!r}, unknown to this oretrust "
        f"(which needs {HEAD_REVISION}): install the newer oretrust that made it"
    )


def _first_line(exc: BaseException) -> str:
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0][:300] if lines else ''}"
