"""The files of a backup (database copy, keys, ``manifest.json``; a folder or a ``.tar.gz``)
and the witnesses a restore is checked against (files, folders, a served home's URL).

Everything a backup holds is private: folders 0700, files 0600 — the keys are the issuers'
signing keys, the database holds wallets with every disclosure.
"""

from __future__ import annotations

import json
import os
import shutil
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from oretrust.codes import Code
from oretrust.errors import ConflictError, InputError, OreTrustError, ResolutionError
from oretrust.status.rollback import witness_of_document
from oretrust.store.heads import HEADS_FORMAT

__all__ = [
    "BACKUP_FORMAT",
    "copy_keys",
    "is_archive",
    "open_backup",
    "pack",
    "private_folder",
    "remove_tree",
    "restore_keys",
    "witnesses",
    "write_private",
]

BACKUP_FORMAT = "oretrust-backup/1"
_ARCHIVE_SUFFIXES = (".tar.gz", ".tgz")
_FETCH_TIMEOUT = 10.0


def is_archive(path: Path) -> bool:
    """Whether ``--out`` names an archive file rather than a folder."""
    return path.name.endswith(_ARCHIVE_SUFFIXES)


def private_folder(path: Path) -> Path:
    """Create ``path`` (0700), refusing a non-empty one: a backup never mixes with another."""
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise InputError(f"{path} exists and is not an empty folder", code=Code.OUTPUT_NOT_EMPTY)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write a new file with mode 0600."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def copy_keys(source: Path, target: Path) -> list[str]:
    """Copy the key store's ``*.pem`` files into ``target`` (0700, files 0600)."""
    private_folder(target)
    names = sorted(p.name for p in source.glob("*.pem")) if source.is_dir() else []
    for name in names:
        write_private(target / name, (source / name).read_bytes())
    return names


def restore_keys(source: Path, target: Path, *, write: bool) -> list[str]:
    """Check (and with ``write``, copy) backed-up keys into the key store ``target``.

    A key file already there with the same bytes is kept; one with other bytes is a conflict
    (``RESTORE_TARGET_NOT_EMPTY``): a restore never replaces a key.
    """
    names = sorted(p.name for p in source.glob("*.pem"))
    for name in names:
        existing = target / name
        if existing.exists() and existing.read_bytes() != (source / name).read_bytes():
            raise ConflictError(
                f"key {name} in {target} differs from the backup's",
                code=Code.RESTORE_TARGET_NOT_EMPTY,
            )
    if write:
        target.mkdir(parents=True, exist_ok=True, mode=0o700)
        for name in names:
            if not (target / name).exists():
                write_private(target / name, (source / name).read_bytes())
    return names


def pack(folder: Path, archive: Path) -> None:
    """Write ``folder``'s contents as the gzip'd tar ``archive`` (0600)."""
    fd = os.open(archive, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle, tarfile.open(fileobj=handle, mode="w:gz") as tar:
        for path in sorted(folder.iterdir()):
            tar.add(path, arcname=path.name)


def open_backup(path: Path, scratch: Path) -> tuple[Path, dict[str, Any]]:
    """The folder of the backup at ``path`` (an archive is unpacked into ``scratch``) and its
    manifest; InputError ``BACKUP_INVALID`` when it is not an oretrust backup."""
    if path.is_file():
        try:
            with tarfile.open(path) as tar:
                tar.extractall(scratch, filter="data")
        except (tarfile.TarError, OSError) as exc:
            raise _invalid(f"{path} is not a backup archive ({exc})") from exc
        path = scratch
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _invalid(f"{path} has no readable manifest.json") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != BACKUP_FORMAT:
        raise _invalid(f"{path}/manifest.json is not an {BACKUP_FORMAT} manifest")
    return path, manifest


def witnesses(source: str, list_ids: list[str]) -> Iterator[dict[str, Any]]:
    """The witnesses in ``source``: a served home's base URL (its trust list and the
    ``-tsl`` document of each list in ``list_ids``), a heads file, a backup's
    ``manifest.json``, a published document, or a folder of them (other files are skipped).
    Raises InputError when ``source`` holds none."""
    found = False
    if source.startswith(("http://", "https://")):
        items: Iterator[dict[str, Any]] = _fetched(source.rstrip("/"), list_ids)
    else:
        items = _from_path(Path(source))
    for witness in items:
        found = True
        yield witness
    if not found:
        raise InputError(f"--check-against {source}: nothing to compare the backup with")


def _from_path(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        raise InputError(
            f"--check-against {path}: no such file or folder", code=Code.FILE_UNREADABLE
        )
    if path.is_file():
        yield _witness_file(path)
        return
    for child in sorted(p for p in path.rglob("*") if p.is_file()):
        try:
            yield _witness_file(child)
        except OreTrustError:
            continue  # a folder may hold credentials, reports…: only witnesses count


def _witness_file(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8", errors="replace").strip()
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise _invalid(f"{path} is not JSON") from exc
        heads = document.get("heads", document) if isinstance(document, dict) else None
        if isinstance(heads, dict) and heads.get("format") == HEADS_FORMAT:
            return heads
        raise _invalid(f"{path} is neither heads nor a backup manifest")
    return witness_of_document(text)


def _fetched(base: str, list_ids: list[str]) -> Iterator[dict[str, Any]]:
    urls = [f"{base}/trust-list", *(f"{base}/status/{list_id}-tsl" for list_id in list_ids)]
    with httpx.Client(timeout=_FETCH_TIMEOUT, follow_redirects=False) as client:
        for url in urls:
            try:
                response = client.get(url)
            except httpx.HTTPError as exc:
                raise ResolutionError(f"cannot fetch {url}: {type(exc).__name__}") from exc
            if response.status_code == 404:
                continue  # no registry, or a list the live home never had
            if response.status_code != 200:
                raise ResolutionError(f"{url} answered {response.status_code}")
            yield witness_of_document(response.text)


def _invalid(detail: str) -> InputError:
    return InputError(detail, code=Code.BACKUP_INVALID)


def remove_tree(path: Path) -> None:
    """Remove a scratch folder."""
    shutil.rmtree(path, ignore_errors=True)
