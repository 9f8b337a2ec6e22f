"""The input of ``oretrust issue --batch FILE``: one credential per JSON line or CSV row.

Each line becomes a :class:`BatchLine` carrying its line number and the SHA-256 of its raw
text: together they are the line's key in the batch's journal, so a rerun recognises the
lines already issued (and refuses an input whose issued lines have changed since).

* **JSON lines** (``.jsonl``, ``.ndjson``, ``.json``, or a file whose first character is
  ``{``): each non-blank line is an object, either the subject itself or
  ``{"credentialSubject": {...}, "type": ..., "holder": ..., "validUntil": ...}``.
* **CSV** (``.csv``, or anything else): a header row, then one row per credential. Columns
  ``type``, ``holder`` and ``validUntil`` are per-row options; a ``credentialSubject``
  column holds the subject as JSON; a ``credentialSubject.a.b`` column sets that path of
  the subject, its cell read as JSON when it parses as JSON (``24.85``, ``true``,
  ``["a"]``, ``"007"``) and as text otherwise (``PE 13258``). Empty cells are left out.

A line that cannot be read is InputError ``INVALID_INPUT`` naming its line number and field.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oretrust.codes import Code
from oretrust.errors import InputError

__all__ = ["OPTION_FIELDS", "SUBJECT_FIELD", "BatchLine", "count_lines", "read_lines"]

SUBJECT_FIELD = "credentialSubject"
OPTION_FIELDS = ("type", "holder", "validUntil")
_JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")


@dataclass(frozen=True)
class BatchLine:
    """One credential's line: where it is, its key (``number`` + ``sha256``), its fields."""

    number: int
    sha256: str
    subject: dict[str, Any]
    options: dict[str, str]


def is_json_lines(path: Path) -> bool:
    """JSON lines by suffix, else by a first non-blank character ``{``."""
    if path.suffix.lower() in _JSON_SUFFIXES:
        return True
    if path.suffix.lower() == ".csv":
        return False
    with path.open("rb") as handle:
        return handle.read(4096).lstrip()[:1] == b"{"


def count_lines(path: Path) -> int:
    """How many credentials ``path`` asks for (its non-blank lines, less a CSV header)."""
    with path.open("rb") as handle:
        lines = sum(1 for line in handle if line.strip())
    return lines if is_json_lines(path) else max(lines - 1, 0)


def read_lines(path: Path) -> Iterator[BatchLine]:
    """The credentials of ``path`` in order; InputError ``INVALID_INPUT`` at a bad line."""
    try:
        yield from _json_lines(path) if is_json_lines(path) else _csv_rows(path)
    except UnicodeDecodeError as exc:
        raise _bad(path, None, f"is not UTF-8 text ({exc.reason})") from exc


def _json_lines(path: Path) -> Iterator[BatchLine]:
    with path.open(encoding="utf-8", newline="") as handle:
        for number, raw in enumerate(handle, start=1):
            text = raw.rstrip("\r\n")
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except (json.JSONDecodeError, RecursionError) as exc:
                reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deep"
                raise _bad(path, number, f"is not JSON: {reason}") from exc
            if not isinstance(value, dict):
                raise _bad(path, number, "must be a JSON object")
            yield _line(path, number, text, value)


def _line(path: Path, number: int, text: str, value: dict[str, Any]) -> BatchLine:
    digest = hashlib.sha256(text.encode()).hexdigest()
    if SUBJECT_FIELD not in value:
        return BatchLine(number, digest, value, {})
    subject = value[SUBJECT_FIELD]
    if not isinstance(subject, dict):
        raise _bad(path, number, f"{SUBJECT_FIELD} must be a JSON object")
    options: dict[str, str] = {}
    for key, option in value.items():
        if key == SUBJECT_FIELD:
            continue
        if key not in OPTION_FIELDS:
            raise _bad(path, number, f"{key}: unknown field (known: {', '.join(OPTION_FIELDS)})")
        if not isinstance(option, str):
            raise _bad(path, number, f"{key}: must be a string")
        options[key] = option
    return BatchLine(number, digest, subject, options)


def _csv_rows(path: Path) -> Iterator[BatchLine]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return
        for name in header:
            if name not in (*OPTION_FIELDS, SUBJECT_FIELD) and not name.startswith(
                SUBJECT_FIELD + "."
            ):
                raise _bad(path, 1, f"column {name!r}: unknown (known: {SUBJECT_FIELD}, "
                           f"{SUBJECT_FIELD}.<path>, {', '.join(OPTION_FIELDS)})")  # fmt: skip
        number = reader.line_num
        for row in reader:
            first, number = number + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise _bad(path, first, f"has {len(row)} cells, the header {len(header)}")
            yield _row(path, first, header, row)


def _row(path: Path, number: int, header: list[str], row: list[str]) -> BatchLine:
    digest = hashlib.sha256(json.dumps(row, ensure_ascii=False).encode()).hexdigest()
    subject: dict[str, Any] = {}
    options: dict[str, str] = {}
    for name, cell in zip(header, row, strict=True):
        if cell == "":
            continue
        if name in OPTION_FIELDS:
            options[name] = cell
        elif name == SUBJECT_FIELD:
            try:
                whole = json.loads(cell)
            except (json.JSONDecodeError, RecursionError) as exc:
                raise _bad(path, number, f"{SUBJECT_FIELD}: is not JSON") from exc
            if not isinstance(whole, dict):
                raise _bad(path, number, f"{SUBJECT_FIELD}: must be a JSON object")
            subject.update(whole)
        else:
            _set_path(path, number, subject, name.split(".")[1:], _cell_value(cell), name)
    return BatchLine(number, digest, subject, options)


def _cell_value(cell: str) -> Any:
    try:
        return json.loads(cell)
    except (json.JSONDecodeError, RecursionError):
        return cell


def _set_path(
    path: Path, number: int, subject: dict[str, Any], keys: list[str], value: Any, name: str
) -> None:
    target = subject
    for key in keys[:-1]:
        node = target.setdefault(key, {})
        if not isinstance(node, dict):
            raise _bad(path, number, f"{name}: {key} is not an object")
        target = node
    target[keys[-1]] = value


def _bad(path: Path, number: int | None, message: str) -> InputError:
    where = f"{path.name} line {number}" if number is not None else str(path)
    return InputError(f"{where}: {message}", code=Code.INVALID_INPUT)
