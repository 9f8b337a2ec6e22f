"""Schema migrations: the initial migration builds exactly the models' tables (SQLite and
PostgreSQL), fresh homes are stamped, an outdated or unstamped schema is refused until
``db upgrade`` (more refusals in ``test_schema_guard.py``)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel
from typer.testing import CliRunner

from api_support import postgres_schema
from conftest import REPO_ROOT
from oretrust.cli import app as cli_app
from oretrust.home import Home
from oretrust.store import migrate
from oretrust.store.db import make_engine
from oretrust.store.migrate import (
    HEAD_REVISION,
    SchemaOutdatedError,
    alembic_config,
    current_revision,
    upgrade,
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'oretrust.db'}"
        return
    with postgres_schema() as url:
        yield url


def _differences(engine: sa.Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def test_head_revision_is_the_last_migration() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_current_head() == HEAD_REVISION
    assert [rev.revision for rev in script.walk_revisions()][::-1] == list(migrate.KNOWN_REVISIONS)


def test_migrations_build_exactly_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert upgrade(engine) == (None, HEAD_REVISION)
        assert _differences(engine) == []
        assert upgrade(engine) == (HEAD_REVISION, HEAD_REVISION)  # idempotent
    finally:
        engine.dispose()


def test_a_fresh_home_is_created_and_stamped(database_url: str, tmp_path: Path) -> None:
    home = Home.open(tmp_path / "home", database_url=database_url)
    try:
        with home.engine.connect() as connection:
            assert current_revision(connection) == HEAD_REVISION
        assert _differences(home.engine) == []
    finally:
        home.engine.dispose()


def test_a_pre_migration_database_is_refused_then_completed_by_db_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'oretrust.db'}"
    engine = make_engine(url)
    SQLModel.metadata.tables["issuer"].create(engine)  # an old home: some tables, no version
    with pytest.raises(SchemaOutdatedError, match="no schema revision"):
        Home.open(tmp_path, database_url=url)  # not patched silently
    assert upgrade(engine) == (None, HEAD_REVISION)
    engine.dispose()
    home = Home.open(tmp_path, database_url=url)
    with home.engine.connect() as connection:
        assert current_revision(connection) == HEAD_REVISION
    assert _differences(home.engine) == []
    home.engine.dispose()


def test_an_outdated_schema_is_refused_until_db_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Home.open(tmp_path).engine.dispose()  # stamped at today's head
    newer = f"{int(HEAD_REVISION) + 1:04d}"
    monkeypatch.setattr(migrate, "HEAD_REVISION", newer)  # as if this oretrust were newer
    monkeypatch.setattr(migrate, "KNOWN_REVISIONS", (*migrate.KNOWN_REVISIONS, newer))
    with pytest.raises(SchemaOutdatedError, match="run 'oretrust db upgrade'"):
        Home.open(tmp_path)
    runner = CliRunner()
    refused = runner.invoke(cli_app, ["serve", "--home", str(tmp_path), "--port", "1"])
    assert isinstance(refused.exception, SchemaOutdatedError)
    assert "oretrust db upgrade" in str(refused.exception)


def test_an_unknown_revision_is_refused(tmp_path: Path) -> None:
    home = Home.open(tmp_path)
    with home.engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    home.engine.dispose()
    with pytest.raises(SchemaOutdatedError, match="unknown to this oretrust"):
        Home.open(tmp_path)


def test_db_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    folder = ["--home", str(tmp_path / "fresh")]
    upgraded = runner.invoke(cli_app, ["db", "upgrade", *folder])
    assert upgraded.exit_code == 0 and f"to {HEAD_REVISION}" in upgraded.output
    current = runner.invoke(cli_app, ["db", "current", *folder])
    assert f"database: {HEAD_REVISION}" in current.output
    assert "is current" in runner.invoke(cli_app, ["db", "upgrade", *folder]).output


def test_migrations_are_package_data() -> None:
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["oretrust"]
    assert "store/migrations/script.py.mako" in patterns
    folder = Path(migrate.__file__).parent / "migrations"
    assert (folder / "__init__.py").exists() and (folder / "versions" / "__init__.py").exists()
    assert (folder / "env.py").exists() and list((folder / "versions").glob("0001_*.py"))
