"""What every ``oretrust`` command module shares: the ``--home``/``--json`` options, the clock,
JSON output and input reading. The CLI is the shell: the only place that reads the clock."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from oretrust.codes import Code
from oretrust.errors import InputError
from oretrust.formats.dates import parse_datetime

__all__ = ["HomeOpt", "JsonOpt", "id_table", "now", "parse_time", "print_json", "read_text"]

HomeOpt = Annotated[
    Path | None,
    typer.Option("--home", envvar="ORETRUST_HOME", help="The registry home folder (default: .)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]
QuietOpt = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="Print only the id made, for scripts: ID=$(oretrust …)."),
]


def now() -> datetime:
    """The current time (UTC)."""
    return datetime.now(UTC)


def print_json(value: Any) -> None:
    """Machine-readable output on stdout."""
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n")


def read_text(path: str) -> str:
    """A file's text, or stdin for ``-``; InputError (FILE_UNREADABLE) otherwise."""
    try:
        return sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}", code=Code.FILE_UNREADABLE) from exc


def parse_time(value: str | None, option: str) -> datetime | None:
    """An ISO 8601 date-time with a zone, or None; InputError ``INVALID_TIME`` naming ``option``
    otherwise."""
    if value is None:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise InputError(
            f"{option}: {value!r} is not a date-time with a zone, e.g. 2027-01-01T00:00:00Z",
            code=Code.INVALID_TIME,
        )
    return parsed


def id_table(*headers: str, ids: list[str]) -> Table:
    """A table whose first column holds ids a user types next (``wallet show ID``, ``token
    revoke ID``): it is never cut or wrapped, however narrow the terminal; the other columns
    wrap instead of ending in an ellipsis."""
    table = Table(*headers)
    table.columns[0].no_wrap = True
    table.columns[0].min_width = max((len(i) for i in ids), default=len(headers[0]))
    for column in table.columns[1:]:
        column.overflow = "fold"
    return table
