"""A database whose schema is not the code's is refused at open, never patched silently.

Missing tables or columns under the head revision, an unstamped database with oretrust
tables, an unknown revision: ``Home.open`` raises, every command exits 2 with one line,
``oretrust serve`` does not start, and a running service's ``/readyz`` stops saying ready
when the revision changes under it. Migrations run under the schema lock in one
transaction (a failed one leaves nothing half-done) and a process waiting for the lock
says so. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from api_support import ApiClient, free_port, postgres_schema
from conftest import run_oretrust
from oretrust.api import ServiceSettings, create_app
from oretrust.home import Home
from oretrust.store import schema_lock
from oretrust.store.db import make_engine
from oretrust.store.migrate import (
    HEAD_REVISION,
    SchemaMismatchError,
    SchemaOutdatedError,
    alembic_config,
    current_revision,
    upgrade,
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        (tmp_path / "home").mkdir()
        yield f"sqlite:///{tmp_path / 'home' / 'oretrust.db'}"
        return
    with postgres_schema() as url:
        yield url


def _execute(url: str, *statements: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(sa.text(statement))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return set(sa.inspect(connection).get_table_names())
    finally:
        engine.dispose()


def _fresh_home(tmp_path: Path, url: str) -> Path:
    folder = tmp_path / "home"
    Home.open(folder, database_url=url).engine.dispose()
    return folder


def test_a_missing_table_under_the_head_revision_is_refused(
    tmp_path: Path, database_url: str
) -> None:
    folder = _fresh_home(tmp_path, database_url)
    _execute(database_url, "DROP TABLE trust_subscription")
    with pytest.raises(SchemaMismatchError, match="lacks trust_subscription") as caught:
        Home.open(folder, database_url=database_url)
    assert caught.value.code == "SCHEMA_MISMATCH"
    assert "trust_subscription" not in _tables(database_url)  # refused, not re-created


def test_a_missing_column_under_the_head_revision_is_refused(
    tmp_path: Path, database_url: str
) -> None:
    folder = _fresh_home(tmp_path, database_url)
    _execute(database_url, "ALTER TABLE api_token DROP COLUMN label")
    with pytest.raises(SchemaMismatchError, match=r"lacks api_token\.label"):
        Home.open(folder, database_url=database_url)


def test_an_unstamped_database_with_tables_is_refused_until_db_upgrade(
    tmp_path: Path, database_url: str
) -> None:
    folder = _fresh_home(tmp_path, database_url)
    _execute(database_url, "DROP TABLE alembic_version", "DROP TABLE trust_subscription")
    with pytest.raises(SchemaOutdatedError, match=r"no schema revision.*oretrust db upgrade"):
        Home.open(folder, database_url=database_url)
    assert "trust_subscription" not in _tables(database_url)
    engine = make_engine(database_url)
    assert upgrade(engine) == (None, HEAD_REVISION)  # completed and stamped
    engine.dispose()
    Home.open(folder, database_url=database_url).engine.dispose()


def test_the_cli_refuses_a_mismatched_schema_with_one_line(tmp_path: Path) -> None:
    folder = _fresh_home(tmp_path, f"sqlite:///{tmp_path / 'home' / 'oretrust.db'}")
    _execute(f"sqlite:///{folder / 'oretrust.db'}", "DROP TABLE trust_subscription")
    listed = run_oretrust("issuer", "list", "--home", str(folder))
    assert listed.returncode == 2, listed.stderr
    assert listed.stderr.startswith("error: SCHEMA_MISMATCH: ")
    assert len(listed.stderr.strip().splitlines()) == 1, listed.stderr


@pytest.mark.slow  # processes or served homes: behind the marker .ci/run also runs
def test_serve_refuses_to_start_on_a_mismatched_schema(tmp_path: Path) -> None:
    folder = _fresh_home(tmp_path, f"sqlite:///{tmp_path / 'home' / 'oretrust.db'}")
    _execute(f"sqlite:///{folder / 'oretrust.db'}", "ALTER TABLE api_token DROP COLUMN label")
    port = str(free_port())
    for workers in ("1", "2"):
        served = run_oretrust(
            "serve", "--home", str(folder), "--port", port, "--workers", workers, timeout=60
        )
        assert served.returncode == 2, served.stderr
        assert "SCHEMA_MISMATCH" in served.stderr and "api_token.label" in served.stderr


def test_the_app_does_not_start_on_a_mismatched_schema(tmp_path: Path, database_url: str) -> None:
    folder = _fresh_home(tmp_path, database_url)
    _execute(database_url, "DROP TABLE trust_subscription")
    app = create_app(ServiceSettings(home=folder, database_url=database_url, rate_limit=None))
    with pytest.raises(SchemaMismatchError):
        ApiClient(app)


def test_readyz_is_not_ready_once_the_revision_changes_under_the_service(
    tmp_path: Path, database_url: str
) -> None:
    folder = _fresh_home(tmp_path, database_url)
    client = ApiClient(
        create_app(ServiceSettings(home=folder, database_url=database_url, rate_limit=None))
    )
    try:
        assert client.get("/readyz").status_code == 200
        newer = f"{int(HEAD_REVISION) + 1:04d}"
        _execute(database_url, f"UPDATE alembic_version SET version_num = '{newer}'")  # newer
        answer = client.get("/readyz")
        assert answer.status_code == 503
        assert answer.json()["code"] == "NOT_READY"
        assert newer not in answer.text  # nothing of the schema told to the public
    finally:
        client.close()


def test_db_upgrade_on_an_unknown_revision_is_one_line_and_exit_2(tmp_path: Path) -> None:
    folder = _fresh_home(tmp_path, f"sqlite:///{tmp_path / 'home' / 'oretrust.db'}")
    _execute(f"sqlite:///{folder / 'oretrust.db'}", "UPDATE alembic_version SET version_num='9999'")
    upgraded = run_oretrust("db", "upgrade", "--home", str(folder))
    assert upgraded.returncode == 2, upgraded.stderr
    assert upgraded.stderr.startswith("error: SCHEMA_OUTDATED: ")
    assert "'9999', unknown to this oretrust" in upgraded.stderr
    assert len(upgraded.stderr.strip().splitlines()) == 1, upgraded.stderr


def _at_first_revision(url: str) -> None:
    """A database as the first release left it (revision 0001)."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
    finally:
        engine.dispose()


def test_a_migration_that_fails_half_way_leaves_nothing_half_done(database_url: str) -> None:
    _at_first_revision(database_url)
    engine = make_engine(database_url)

    def fail_after_create(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("CREATE TABLE TRUST_SUBSCRIPTION"):
            raise RuntimeError("the disk is full")

    sa.event.listen(engine, "after_cursor_execute", fail_after_create)
    try:
        with pytest.raises(SchemaMismatchError, match=r"from 0001 to .* rolled back.*disk is full"):
            upgrade(engine)
    finally:
        sa.event.remove(engine, "after_cursor_execute", fail_after_create)
    with engine.connect() as connection:
        assert current_revision(connection) == "0001"
    assert "trust_subscription" not in _tables(database_url)  # the table it made is gone
    assert upgrade(engine) == ("0001", HEAD_REVISION)
    engine.dispose()


@pytest.mark.slow  # processes or served homes: behind the marker .ci/run also runs
def test_db_upgrade_of_a_database_left_half_migrated_is_one_line_and_exit_2(
    tmp_path: Path,
) -> None:
    """An older tool's half-finished migration (the new table made, the stamp not moved)."""
    folder = tmp_path / "home"
    folder.mkdir()
    url = f"sqlite:///{folder / 'oretrust.db'}"
    _at_first_revision(url)
    _execute(url, "CREATE TABLE trust_subscription (registry_did VARCHAR(512) PRIMARY KEY)")
    upgraded = run_oretrust("db", "upgrade", "--home", str(folder))
    assert upgraded.returncode == 2, upgraded.stderr
    assert upgraded.stderr.startswith("error: SCHEMA_MISMATCH: the migration from 0001 to ")
    assert "already exists" in upgraded.stderr
    assert len(upgraded.stderr.strip().splitlines()) == 1, upgraded.stderr
    opened = run_oretrust("issuer", "list", "--home", str(folder))
    assert opened.returncode == 2 and "SCHEMA_OUTDATED" in opened.stderr


def _open_in_thread(folder: Path, url: str) -> tuple[threading.Thread, list[object]]:
    outcome: list[object] = []

    def run() -> None:
        try:
            Home.open(folder, database_url=url).engine.dispose()
            outcome.append("opened")
        except Exception as exc:  # reported to the test through outcome
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _wait_for_log(caplog: pytest.LogCaptureFixture, text: str) -> None:
    deadline = time.monotonic() + 20
    while text not in caplog.text:
        assert time.monotonic() < deadline, caplog.text
        time.sleep(0.05)


def test_opening_while_another_process_holds_the_sqlite_schema_lock_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schema_lock, "NOTICE_AFTER", 0.2)
    folder = tmp_path / "home"
    folder.mkdir()
    url = f"sqlite:///{folder / 'oretrust.db'}"
    make_engine(url).dispose()  # the file, as oretrust makes it
    migrating = sqlite3.connect(folder / "oretrust.db", isolation_level=None)
    migrating.execute("PRAGMA journal_mode=WAL")
    migrating.execute("BEGIN IMMEDIATE")  # as `oretrust db upgrade` holds it
    caplog.set_level(logging.WARNING, logger="oretrust.store.schema_lock")
    thread, outcome = _open_in_thread(folder, url)
    _wait_for_log(caplog, "waiting for the database schema lock")
    assert outcome == []  # still waiting
    migrating.execute("COMMIT")
    migrating.close()
    thread.join(timeout=30)
    assert outcome == ["opened"]
    assert _tables(url) >= {"alembic_version", "trust_subscription"}


@pytest.mark.postgres
def test_opening_while_another_process_holds_the_postgres_schema_lock_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schema_lock, "NOTICE_AFTER", 0.2)
    caplog.set_level(logging.WARNING, logger="oretrust.store.schema_lock")
    with postgres_schema() as url:
        engine = make_engine(url)
        with schema_lock.schema_lock(engine):  # another process migrating this schema
            thread, outcome = _open_in_thread(tmp_path / "home", url)
            _wait_for_log(caplog, "waiting for the database schema lock")
            assert outcome == []
            with postgres_schema() as other:  # another schema on the server: not held up
                Home.open(tmp_path / "other", database_url=other).engine.dispose()
        thread.join(timeout=30)
        engine.dispose()
        assert outcome == ["opened"]
        engine = make_engine(url)
        with engine.connect() as connection:
            assert current_revision(connection) == HEAD_REVISION
        engine.dispose()
