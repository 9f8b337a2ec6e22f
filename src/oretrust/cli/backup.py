"""``oretrust backup``, ``restore`` and ``heads``: a live home's database and keys, copied
consistently, and restored only when nothing acknowledged would be lost.

    oretrust backup --out DIR|FILE.tar.gz [--home DIR] [--json]
    oretrust restore BACKUP [--home DIR] --check-against URL|FILE|DIR … [--accept-rollback]
    oretrust heads [--home DIR] [--out FILE]

``backup`` copies the database first (SQLite's online backup API, or ``pg_dump`` on an
exported snapshot: :mod:`oretrust.store.backup`), then the key store (a key is never
deleted, so every key the copy names is there), and writes ``manifest.json`` with the
copy's heads (:mod:`oretrust.store.heads`). Everything is 0600 in a 0700 folder, or one
0600 archive.

``restore`` compares the backup's heads with every ``--check-against`` witness — the served
home or its CDN (trust list, each list's ``-tsl``), published status lists and trust lists
that verifiers kept, heads files from ``oretrust heads`` — and refuses (exit 2,
``RESTORE_ROLLBACK``) when the backup lacks an acknowledged revocation, issuance or registry
event, until ``--accept-rollback`` says an operator has read the list. Nothing is written
before the judgement. The target must be empty: a fresh home, an empty database.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy import create_engine

from oretrust.cli import _backup_files as files
from oretrust.cli._common import HomeOpt, JsonOpt
from oretrust.cli._common import now as _now
from oretrust.codes import Code
from oretrust.errors import ConflictError, InputError, OreTrustError
from oretrust.home import Home
from oretrust.status.rollback import rollback_findings
from oretrust.store import backup as copies
from oretrust.store.heads import read_heads
from oretrust.store.migrate import current_revision

__all__ = ["register_backup_commands"]

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
_SQLITE_FILE, _PG_FILE = "oretrust.db", "database.dump"


def backup(
    output: Annotated[
        Path, typer.Option("--out", help="A new (or empty) folder, or a .tar.gz file.")
    ],
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Take a consistent copy of a live home: database (online) and keys, files 0600."""
    folder, url = Home.locate(home)
    archive = files.is_archive(output)
    if archive and output.exists():
        raise InputError(f"{output} already exists", code=Code.OUTPUT_NOT_EMPTY)
    with tempfile.TemporaryDirectory(prefix="oretrust-backup-") as scratch:
        staging = files.private_folder(Path(scratch) / "b" if archive else output)
        manifest = _take(url, staging, Home.keys_folder(folder))
        if archive:
            files.pack(staging, output)
    heads = manifest["heads"]
    if as_json:
        sys.stdout.write(json.dumps({"out": str(output), **manifest}, indent=2) + "\n")
        return
    out.print(
        f"backup of {folder} ({manifest['engine']}) in {output}: revocation log at "
        f"{heads['revocation_log']['seq']}, registry log at {heads['registry_log']['seq']}, "
        f"{sum(heads['issued'].values())} credential(s), {len(manifest['keys'])} key(s)",
        markup=False,
    )


def _take(url: str, staging: Path, keys: Path) -> dict[str, Any]:
    """Copy database then keys into ``staging``; write and return the manifest."""
    now = _now()
    engine = copies.engine_of(url)
    manifest: dict[str, Any] = {"format": files.BACKUP_FORMAT, "engine": engine}
    if engine == "sqlite":
        heads = copies.copy_sqlite(copies.sqlite_path(url), staging / _SQLITE_FILE, now=now)
        manifest |= {"database": _SQLITE_FILE}
    else:
        heads, schema = copies.dump_postgres(url, staging / _PG_FILE, now=now)
        manifest |= {"database": _PG_FILE, "schema": schema}
    manifest["keys"] = files.copy_keys(keys, staging / "keys")
    manifest["heads"] = heads
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    files.write_private(staging / "manifest.json", text.encode())
    return manifest


def restore(
    source: Annotated[Path, typer.Argument(help="A backup folder or archive.")],
    check_against: Annotated[
        list[str] | None,
        typer.Option(
            "--check-against",
            help="What was published since: the served home's URL, status lists or trust "
            "lists kept by others, heads files (oretrust heads), or a folder of them.",
        ),
    ] = None,
    accept_rollback: Annotated[
        bool,
        typer.Option(
            "--accept-rollback",
            help="Restore even though the backup lacks acknowledged changes (after reading "
            "what is lost: its revocations must be made again).",
        ),
    ] = False,
    home: HomeOpt = None,
) -> None:
    """Restore a backup into an empty home, refusing one that rolls back what was published."""
    folder, url = Home.locate(home)
    if not check_against and not accept_rollback:
        raise InputError(
            "nothing to check the backup against: give --check-against (the served home's "
            "URL, published status lists, trust lists or heads), or --accept-rollback"
        )
    with tempfile.TemporaryDirectory(prefix="oretrust-restore-") as scratch:
        backup_dir, manifest = files.open_backup(source, Path(scratch))
        heads = _backup_heads(backup_dir, manifest)
        findings = _judge(heads, check_against or [])
        if findings and not accept_rollback:
            raise ConflictError(
                f"restore refused: the backup is behind what was published ({len(findings)} "
                f"finding(s)): {'; '.join(findings)}. Restore a newer backup, or pass "
                f"--accept-rollback once the losses are understood",
                code=Code.RESTORE_ROLLBACK,
            )
        for finding in findings:
            err.print(f"warning: accepted rollback: {finding}", markup=False)
        keys = Home.keys_folder(folder)
        files.restore_keys(backup_dir / "keys", keys, write=False)  # conflicts before writing
        _load(backup_dir, manifest, url, heads)
        restored = files.restore_keys(backup_dir / "keys", keys, write=True)
    out.print(
        f"restored {manifest['engine']} backup into {folder}: "
        f"{sum(heads['issued'].values())} credential(s), {len(restored)} key(s); "
        f"schema {_revision(url) or 'unknown'}",
        markup=False,
    )


def _backup_heads(backup_dir: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """The backup's heads: read from a SQLite copy itself, from the manifest for a dump."""
    if manifest.get("engine") == "sqlite":
        copy = backup_dir / _SQLITE_FILE
        if not copy.is_file():
            raise InputError(f"{backup_dir} has no {_SQLITE_FILE}", code=Code.BACKUP_INVALID)
        return copies.read_file_heads(copy, now=_now())
    heads = manifest.get("heads")
    if manifest.get("engine") != "postgresql" or not isinstance(heads, dict):
        raise InputError(f"{backup_dir}/manifest.json names no database", code=Code.BACKUP_INVALID)
    return heads


def _judge(heads: dict[str, Any], sources: list[str]) -> list[str]:
    """Every finding of every witness in ``sources``, each prefixed by its source."""
    findings: list[str] = []
    list_ids = sorted(heads.get("status_lists", {}))
    for source in sources:
        for witness in files.witnesses(source, list_ids):
            findings += [f"{source}: {line}" for line in rollback_findings(heads, witness)]
    return list(dict.fromkeys(findings))


def _load(backup_dir: Path, manifest: dict[str, Any], url: str, heads: dict[str, Any]) -> None:
    """Write the backup's database into the (empty) target ``url``."""
    if copies.engine_of(url) != manifest["engine"]:
        raise InputError(
            f"a {manifest['engine']} backup cannot be restored into a "
            f"{copies.engine_of(url)} database",
            code=Code.BACKUP_INVALID,
        )
    if manifest["engine"] == "sqlite":
        target = copies.sqlite_path(url)
        if target.exists():
            raise ConflictError(
                f"{target} exists: restore into a fresh home (move the old database away)",
                code=Code.RESTORE_TARGET_NOT_EMPTY,
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        copies.copy_sqlite(backup_dir / _SQLITE_FILE, target, now=_now())
        return
    copies.restore_postgres(url, backup_dir / _PG_FILE, str(manifest.get("schema", "public")))
    restored = _read(url)
    if {k: v for k, v in restored.items() if k != "taken_at"} != {
        k: v for k, v in heads.items() if k != "taken_at"
    }:
        raise OreTrustError(
            "the restored database does not read as the backup: the database URL reads "
            f"another schema than {manifest.get('schema')!r}",
            code=Code.BACKUP_FAILED,
        )


def _read(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return read_heads(connection, now=_now())
    finally:
        engine.dispose()


def _revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return current_revision(connection)
    finally:
        engine.dispose()


def heads(
    home: HomeOpt = None,
    output: Annotated[Path | None, typer.Option("--out", help="Write the heads here.")] = None,
) -> None:
    """Print the live home's heads (logs, issuance counts, status lists) as JSON: keep them
    outside the database, so a restore can be checked against them (--check-against)."""
    opened = Home.open(home)  # the schema is checked: heads of an outdated database mislead
    try:
        with opened.engine.connect() as connection:
            text = json.dumps(read_heads(connection, now=_now()), indent=2, sort_keys=True)
    finally:
        opened.engine.dispose()
    text += "\n"
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc}", code=Code.FILE_UNREADABLE) from exc
    out.print(f"heads written to {output}", markup=False)


def register_backup_commands(app: typer.Typer) -> None:
    """Add ``backup``, ``restore`` and ``heads`` to the main ``oretrust`` app."""
    app.command("backup")(backup)
    app.command("restore")(restore)
    app.command("heads")(heads)
