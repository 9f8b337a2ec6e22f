"""The journal of ``oretrust issue --batch``: what makes a rerun skip what was issued.

The journal is a JSON-lines file, one entry per issued credential: the input line's key
(``line`` number + ``sha256`` of its text), then ``issuer`` (DID), ``batch`` (one random id
per commit), ``id``, ``type``, ``format``, ``holder`` and ``token``. With ``--out
FILE.jsonl`` it *is* the output; with ``--out DIR`` it is ``DIR/issued.jsonl`` and each token
is also written to ``DIR/line-<n>.<ext>``.

**Never twice.** A batch's entries are written, flushed and fsynced *before* the database
commits the batch (:class:`oretrust.issuer.BatchIssuer`'s ``before_commit``). So whatever
instant a process is killed at, every committed credential is in the journal; the journal
may only hold, at its end, entries of a batch that never committed (or a half-written
line). :meth:`Journal.recover` drops those — an entry counts once its id is recorded in the
issuer's records — so a rerun issues exactly the lines that have no credential yet. The
dropped entries are set aside in ``<journal>.uncommitted``; a journal that cannot be this
home's (another issuer, unrecorded entries before recorded ones or across batches) is
refused rather than rewritten.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from oretrust.cli._batch_input import BatchLine
from oretrust.codes import Code
from oretrust.errors import InputError
from oretrust.home import Home
from oretrust.issuer import BatchIssued, recorded_ids

__all__ = ["JOURNAL_NAME", "Journal"]

JOURNAL_NAME = "issued.jsonl"
_EXTENSIONS = {"vc+jwt": "jwt", "dc+sd-jwt": "sd-jwt"}


class Journal:
    """The journal behind ``--out`` (a ``.jsonl`` file, or a folder holding one)."""

    def __init__(self, out: Path) -> None:
        self.folder = None if out.suffix.lower() == ".jsonl" and not out.is_dir() else out
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
        self.path = out if self.folder is None else self.folder / JOURNAL_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.done: dict[int, str] = {}

    def recover(self, home: Home, issuer: str) -> int:
        """Keep the entries whose credentials were recorded, drop the rest; return how many
        were dropped. Fills :attr:`done` (line number → SHA-256 of the line).

        Only the last batch can lack its records (killed before its commit): a journal of
        another issuer, or whose unrecorded entries are followed by recorded ones or span
        several batches, belongs to another home or run and is refused (InputError
        ``INVALID_INPUT``), never rewritten. Dropped entries are kept aside in
        ``<journal>.uncommitted``, so no token is ever lost.
        """
        entries = self._read()
        if any(entry.get("issuer") != issuer for entry in entries):
            raise self._foreign(f"it holds credentials of another issuer than {issuer}")
        recorded = recorded_ids(home, [entry["id"] for entry in entries])
        missing = [number for number, e in enumerate(entries) if e["id"] not in recorded]
        tail = entries[missing[0] :] if missing else []
        if any(e["id"] in recorded for e in tail) or len({e.get("batch") for e in tail}) > 1:
            raise self._foreign("credentials it lists were never recorded in this home")
        kept = entries[: len(entries) - len(tail)]
        if tail or self._has_partial_tail():
            self._set_aside(tail)
            self._rewrite(kept)
        for entry in kept:
            self.done[int(entry["line"])] = str(entry["sha256"])
            if self.folder is not None:
                self._write_token(int(entry["line"]), entry["format"], entry["token"])
        return len(tail)

    def check(self, line: BatchLine, source: Path) -> bool:
        """Whether ``line`` was issued already; InputError if it changed since it was."""
        issued = self.done.get(line.number)
        if issued is None:
            return False
        if issued != line.sha256:
            raise InputError(
                f"{source.name} line {line.number} changed since it was issued (the journal "
                f"{self.path} has another SHA-256): give a new --out for a new input",
                code=Code.INVALID_INPUT,
            )
        return True

    def append(
        self, lines: Sequence[BatchLine], issued: Sequence[BatchIssued], issuer: str
    ) -> None:
        """Write one entry per credential, then flush and fsync (before the batch commits)."""
        if self.folder is not None:
            for line, credential in zip(lines, issued, strict=True):
                self._write_token(line.number, credential.format, credential.token, overwrite=True)
        batch = secrets.token_hex(8)
        text = "".join(
            json.dumps(_entry(line, credential, issuer, batch), ensure_ascii=False) + "\n"
            for line, credential in zip(lines, issued, strict=True)
        )
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        for line in lines:
            self.done[line.number] = line.sha256

    def _foreign(self, why: str) -> InputError:
        return InputError(
            f"{self.path} is not this batch's journal ({why}): give a new --out",
            code=Code.INVALID_INPUT,
        )

    def _read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        entries: list[dict[str, Any]] = []
        with self.path.open(encoding="utf-8", errors="replace") as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.endswith("\n"):
                    break  # a line cut short by a kill: its batch never committed
                try:
                    entry = json.loads(raw)
                    if not isinstance(entry, dict) or not {"line", "sha256", "id"} <= set(entry):
                        raise ValueError("not an entry")
                except ValueError as exc:
                    raise InputError(
                        f"{self.path} line {number} is not a batch journal entry: give a new "
                        "--out (or the one the batch wrote)",
                        code=Code.INVALID_INPUT,
                    ) from exc
                entries.append(entry)
        return entries

    def _has_partial_tail(self) -> bool:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return False
        with self.path.open("rb") as handle:
            handle.seek(-1, os.SEEK_END)
            return handle.read(1) != b"\n"

    def _set_aside(self, dropped: list[dict[str, Any]]) -> None:
        """Append ``dropped`` to ``<journal>.uncommitted`` (fsynced) before they leave the
        journal: tokens whose credentials this home never recorded, kept for a person."""
        if not dropped:
            return
        with self.path.with_name(self.path.name + ".uncommitted").open("a") as handle:
            handle.writelines(json.dumps(entry, ensure_ascii=False) + "\n" for entry in dropped)
            handle.flush()
            os.fsync(handle.fileno())

    def _rewrite(self, kept: list[dict[str, Any]]) -> None:
        """Replace the journal by ``kept`` (atomically: a kill now leaves one or the other)."""
        temporary = self.path.with_name(self.path.name + ".tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(entry, ensure_ascii=False) + "\n" for entry in kept)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)

    def _write_token(
        self, number: int, credential_format: str, token: str, *, overwrite: bool = False
    ) -> None:
        """``DIR/line-<n>.<ext>``; a file left by a batch that never committed is replaced."""
        assert self.folder is not None
        target = self.folder / f"line-{number:07d}.{_EXTENSIONS.get(credential_format, 'txt')}"
        if overwrite or not target.exists():
            target.write_text(token + "\n", encoding="utf-8")


def _entry(line: BatchLine, credential: BatchIssued, issuer: str, batch: str) -> dict[str, Any]:
    return {
        "line": line.number,
        "sha256": line.sha256,
        "issuer": issuer,
        "batch": batch,
        "id": credential.id,
        "type": credential.type,
        "format": credential.format,
        "holder": credential.holder,
        "token": credential.token,
    }
