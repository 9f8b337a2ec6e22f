"""``oretrust issued``: what an issuer of this home has issued; and database errors as input.

Same contract as :mod:`oretrust.cli`: exit 0 success, 2 usage or input error, one line on
stderr, ``--json`` on stdout. The listing reads the issuer's records (id, type, holder,
times) and each credential's current status; it never holds the credentials themselves.

:func:`database_problem` turns a database URL that cannot work (malformed, an unknown
dialect or a missing driver, a server that does not answer) into one input-error line, so
``ORETRUST_DATABASE_URL`` mistakes exit 2 instead of "internal error" 3.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, NoSuchModuleError, OperationalError

from oretrust.cli._common import HomeOpt, JsonOpt
from oretrust.cli._common import parse_time as _parse_time
from oretrust.cli._common import print_json as _print_json
from oretrust.codes import Code
from oretrust.home import Home, Settings
from oretrust.issuer import list_issued

__all__ = ["database_problem", "register_issued_commands"]

out = Console(soft_wrap=True)


def register_issued_commands(app: typer.Typer) -> None:
    """Add ``issued`` to ``app``."""
    app.command("issued")(issued)


def issued(
    issuer: Annotated[str, typer.Option(help="Issuer name or DID (of this home).")],
    credential_type: Annotated[
        str | None, typer.Option("--type", help="Only credentials of this type.")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Only those issued at or after this time (ISO 8601).")
    ] = None,
    status: Annotated[
        str | None, typer.Option(help="Only those whose status is valid, revoked or suspended.")
    ] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List what an issuer has issued: id, type, holder, issued at, status entry and status."""
    rows = list_issued(
        Home.open(home),
        issuer=issuer,
        type_name=credential_type,
        since=_parse_time(since, "--since"),
        status=status,
    )
    if as_json:
        _print_json([row.to_dict() for row in rows])
        return
    table = Table("credential id", "type", "holder", "issued at", "status entry", "status")
    for row in rows:
        holder = row.holder or "-"
        entry = f"{row.status_list}#{row.status_index}" if row.status_list else "-"
        table.add_row(
            row.id,
            row.type,
            holder if len(holder) <= 48 else holder[:47] + "…",
            row.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            entry,
            row.status or "no status",
        )
    out.print(table)


def database_problem(exc: BaseException) -> str | None:
    """The one line to print when ``exc`` comes from an unusable database, else None.

    A server that refuses or cannot be reached is ``DATABASE_UNAVAILABLE``; any other error
    raised while ``ORETRUST_DATABASE_URL`` is itself unusable (it does not parse, names an
    unknown dialect or a driver that is not installed) is ``DATABASE_URL_INVALID``. The URL
    is never echoed: it may carry a password.
    """
    if isinstance(exc, OperationalError | InterfaceError):
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        first = reason[0] if reason else type(exc).__name__
        return f"{Code.DATABASE_UNAVAILABLE}: cannot use the database: {first[:300]}"
    url = Settings().database_url
    if url is None:
        return None
    why = _url_problem(url)
    if why is None:
        return None
    return f"{Code.DATABASE_URL_INVALID}: ORETRUST_DATABASE_URL is not a usable database URL: {why}"


def _url_problem(url: str) -> str | None:
    """Why ``url`` cannot make an engine (parse, dialect, driver), or None when it can."""
    try:
        dialect = make_url(url).get_dialect()
        dialect.import_dbapi()
    except NoSuchModuleError:
        return "it names an unknown database dialect"
    except (ArgumentError, ValueError) as exc:
        return f"it does not parse ({type(exc).__name__})"
    except ImportError as exc:
        return f"its driver is not installed ({exc.name or exc})"
    except Exception as exc:  # whatever else keeps the dialect from loading
        return type(exc).__name__
    return None
