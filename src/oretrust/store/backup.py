"""Consistent copies of a live database, and their restore: SQLite and PostgreSQL.

A ``cp`` of a live SQLite file (and its ``-wal``) is not a copy of any moment: pages written
while it runs are mixed with older ones, and acknowledged revocations go missing. Here:

* **SQLite** — the online backup API (``sqlite3.Connection.backup``, all pages in one step,
  under one read transaction) copies exactly one committed state while writers go on; the
  copy is switched to a single file (``journal_mode=DELETE``) and made 0600.
* **PostgreSQL** — ``pg_dump`` (custom format) of the schema the URL reads, run with
  ``--snapshot`` on a snapshot this module exports: the heads recorded beside the dump are
  read in that same snapshot, so they describe the dump exactly. ``pg_restore`` loads it
  into the same schema name, which must hold no tables. Without ``pg_dump`` / ``pg_restore``
  on the PATH both raise ``PG_TOOLS_UNAVAILABLE``.

Each copy returns its heads (:func:`oretrust.store.heads.read_heads`). Passwords never reach a
command line (``PGPASSWORD`` in the child's environment only).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from oretrust.codes import Code
from oretrust.errors import ConflictError, InputError, OreTrustError
from oretrust.store.heads import read_heads

__all__ = [
    "copy_sqlite",
    "database_is_empty",
    "dump_postgres",
    "engine_of",
    "read_file_heads",
    "restore_postgres",
    "sqlite_path",
]

_PG_TIMEOUT = 3600  # seconds: a dump or restore that takes longer is stuck, not slow


def engine_of(url: str) -> str:
    """``sqlite`` or ``postgresql``; InputError (BACKUP_FAILED) for any other database."""
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise InputError(f"cannot back up a {backend} database", code=Code.BACKUP_FAILED)
    return backend


def sqlite_path(url: str) -> Path:
    """The file of a ``sqlite:///`` URL (an in-memory database cannot be backed up)."""
    database = make_url(url).database
    if not database or database == ":memory:":
        raise InputError("an in-memory SQLite database has no file", code=Code.BACKUP_FAILED)
    return Path(database)


def copy_sqlite(source: Path, target: Path, *, now: datetime) -> dict[str, Any]:
    """Copy the live database ``source`` to a new file ``target`` (0600); return its heads.

    One ``backup`` step copies every page under a single read transaction, so the copy is
    one committed state even while other processes write.
    """
    if not source.is_file():
        raise InputError(f"no database at {source}", code=Code.BACKUP_FAILED)
    _create_private(target)
    live = sqlite3.connect(source, timeout=30)
    copy = sqlite3.connect(target)
    try:
        live.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # the copy is one self-contained file
    finally:
        copy.close()
        live.close()
    return read_file_heads(target, now=now)


def read_file_heads(path: Path, *, now: datetime) -> dict[str, Any]:
    """The heads of the SQLite file ``path``, opened read-only."""
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with engine.connect() as connection:
            return read_heads(connection, now=now)
    finally:
        engine.dispose()


def database_is_empty(url: str) -> bool:
    """Whether the database (the schema a PostgreSQL URL reads) holds no tables yet."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                query = "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            else:
                query = (
                    "SELECT count(*) FROM information_schema.tables "
                    "WHERE table_schema = current_schema()"
                )
            return int(connection.execute(text(query)).scalar_one()) == 0
    finally:
        engine.dispose()


def dump_postgres(url: str, target: Path, *, now: datetime) -> tuple[dict[str, Any], str]:
    """``pg_dump`` the schema ``url`` reads into ``target`` (0600); return (heads, schema).

    The heads are read in the snapshot the dump is taken from (``pg_export_snapshot``).
    """
    pg_dump = _tool("pg_dump")
    engine = create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as connection, connection.begin():
            snapshot = str(connection.execute(text("SELECT pg_export_snapshot()")).scalar_one())
            schema = connection.execute(text("SELECT current_schema()")).scalar_one_or_none()
            if schema is None:
                raise InputError("the database URL reads no schema", code=Code.BACKUP_FAILED)
            heads = read_heads(connection, now=now)
            _create_private(target)
            _run(
                [pg_dump, "--format=custom", "--no-owner", "--no-privileges",
                 f"--snapshot={snapshot}", f"--schema={schema}", f"--file={target}"],
                url,
            )  # fmt: skip
    finally:
        engine.dispose()
    return heads, str(schema)


def restore_postgres(url: str, dump: Path, schema: str) -> None:
    """Load ``dump`` (from :func:`dump_postgres`) into ``schema`` of the database ``url``.

    The schema is created when missing and must hold no tables (``RESTORE_TARGET_NOT_EMPTY``);
    the restore is one transaction that stops at the first error.
    """
    pg_restore = _tool("pg_restore")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            quoted = connection.dialect.identifier_preparer.quote_identifier(schema)
            connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {quoted}"))
            tables = connection.execute(
                text("SELECT count(*) FROM information_schema.tables WHERE table_schema = :s"),
                {"s": schema},
            ).scalar_one()
    finally:
        engine.dispose()
    if tables:
        raise ConflictError(
            f"schema {schema!r} already holds {tables} table(s): restore into an empty database",
            code=Code.RESTORE_TARGET_NOT_EMPTY,
        )
    listing = _run([pg_restore, "--list", str(dump)], url, need_database=False)
    entries = [line for line in listing.splitlines() if " SCHEMA " not in line]
    list_file = dump.with_name(dump.name + ".list")
    list_file.write_text("\n".join(entries) + "\n", encoding="utf-8")
    try:
        _run(
            [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error",
             "--single-transaction", f"--use-list={list_file}", str(dump)],
            url,
        )  # fmt: skip
    finally:
        list_file.unlink(missing_ok=True)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise OreTrustError(
            f"{name} is not installed on this machine: install the PostgreSQL client tools "
            f"(the same major version as the server) to back up or restore PostgreSQL",
            code=Code.PG_TOOLS_UNAVAILABLE,
        )
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL (no driver, no password) and the environment carrying the password."""
    parsed: URL = make_url(url)
    environment = dict(os.environ)
    if parsed.password is not None:
        environment["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), environment


def _run(command: list[str], url: str, *, need_database: bool = True) -> str:
    """Run a PostgreSQL client tool against ``url``; BACKUP_FAILED with its first error line."""
    libpq, environment = _libpq(url)
    if need_database:
        command = [*command, f"--dbname={libpq}"]
    try:
        done = subprocess.run(  # noqa: S603  (our own argument list, no shell)
            command, env=environment, capture_output=True, text=True, timeout=_PG_TIMEOUT,
            check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise OreTrustError(f"{Path(command[0]).name} timed out", code=Code.BACKUP_FAILED) from exc
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        first = lines[0] if lines else f"exit status {done.returncode}"
        tool = Path(command[0]).name
        raise OreTrustError(f"{tool} failed: {first[:300]}", code=Code.BACKUP_FAILED)
    return done.stdout


def _create_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600 (refusing to overwrite)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise InputError(f"{path} already exists", code=Code.BACKUP_FAILED) from exc
    os.close(fd)
    os.chmod(path, 0o600)
