"""``oretrust registry import FILE``: load many accreditations at once (a national register).

The file is JSON lines (one object per line) or CSV with a header row; either way each
record names ``entity_id``, ``credential_type``, ``jurisdiction`` and optionally
``valid_from`` / ``valid_until`` (ISO 8601 with a zone). Every record is read and checked
before anything is written, and the grants are recorded by
:func:`oretrust.registry.accredit_many` — one transaction of ordinary signed, chained
events, so ``registry verify-log`` replays them like any other. A bad record is one stderr
line naming its line number (exit 2) and nothing is written.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Annotated, Any

import typer
from rich.console import Console

from oretrust import registry
from oretrust.cli._common import HomeOpt, JsonOpt, parse_time, read_text
from oretrust.cli._common import now as _now
from oretrust.cli._common import print_json as _print_json
from oretrust.codes import Code
from oretrust.errors import InputError
from oretrust.home import Home
from oretrust.registry import GrantRequest

__all__ = ["import_accreditations"]

_FIELDS = ("entity_id", "credential_type", "jurisdiction")


def import_accreditations(
    source: Annotated[str, typer.Argument(help="A JSON-lines or CSV file ('-' for stdin).")],
    reason: Annotated[str, typer.Option(help="Why (recorded in every event).")] = "",
    actor: Annotated[str | None, typer.Option(help="Who (recorded in every event).")] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Accredit every record of SOURCE in one transaction (all or nothing)."""
    grants = [_grant(record, line) for line, record in _records(read_text(source))]
    made = registry.accredit_many(Home.open(home), grants, now=_now(), reason=reason, actor=actor)
    if as_json:
        _print_json({"accredited": len(made), "ids": [a.id for a in made]})
        return
    Console().print(f"accredited {len(made)} entities from {source}")


def _records(text: str) -> list[tuple[int, dict[str, Any]]]:
    """``(line number, record)`` of each JSON line, or each CSV row after the header."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        records = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise _bad(number, f"not JSON ({exc.msg})") from exc
            if not isinstance(value, dict):
                raise _bad(number, "not a JSON object")
            records.append((number, value))
        return records
    reader = csv.DictReader(io.StringIO(text))
    return [(number, dict(row)) for number, row in enumerate(reader, start=2)]


def _grant(record: dict[str, Any], line: int) -> GrantRequest:
    missing = [name for name in _FIELDS if not isinstance(record.get(name), str)]
    if missing:
        raise _bad(line, f"needs {', '.join(missing)}")
    try:
        return GrantRequest(
            record["entity_id"],
            record["credential_type"],
            record["jurisdiction"],
            valid_from=parse_time(record.get("valid_from") or None, "valid_from"),
            valid_until=parse_time(record.get("valid_until") or None, "valid_until"),
        )
    except InputError as exc:
        raise _bad(line, exc.detail) from exc


def _bad(line: int, detail: str) -> InputError:
    return InputError(f"line {line}: {detail}", code=Code.INVALID_INPUT)
