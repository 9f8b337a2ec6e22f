"""HTTP service commands: ``serve``, ``token …`` (API bearer tokens) and ``db …`` (migrations).

Same contract as :mod:`oretrust.cli`: exit 0 success, 2 usage or input error (raised as
:class:`~oretrust.errors.OreTrustError`, one stderr line via ``cli.main``); ``--json`` prints
machine-readable output on stdout. The clock is read here only.

    oretrust serve [--home DIR] [--host H] [--port P] [--workers N] [--log-format json|text]
    oretrust token create --role registry-admin|issuer|auditor|holder
        [--issuer NAME_OR_DID | --holder NAME_OR_DID]
                          [--expires-in 30d] [--label TEXT] [--json]
    oretrust token list [--json]
    oretrust token revoke ID
    oretrust db upgrade [--home DIR]
    oretrust db current [--home DIR]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from typing import Annotated, Literal

import typer
from rich.console import Console

from oretrust.cli._common import HomeOpt, JsonOpt, id_table
from oretrust.cli._common import now as _now
from oretrust.home import Home
from oretrust.identities import check_signing_keys
from oretrust.store.db import make_engine
from oretrust.store.migrate import HEAD_REVISION, current_revision, upgrade

__all__ = ["db_app", "register_serve_commands", "token_app"]

LogFormat = Literal["json", "text"]

token_app = typer.Typer(help="Bearer tokens of the HTTP API.", no_args_is_help=True)
db_app = typer.Typer(help="The database schema (Alembic migrations).", no_args_is_help=True)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def serve(
    home: HomeOpt = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level.")] = "info",
    log_format: Annotated[
        LogFormat,
        typer.Option(
            "--log-format",
            envvar="ORETRUST_LOG_FORMAT",
            help="json (one object per line, with request_id) or text.",
        ),
    ] = "json",
) -> None:
    """Serve the home's HTTP API (docs at /docs, OpenAPI at /openapi.json).

    Refuses to start when the database schema is not this oretrust's (run 'oretrust db
    upgrade') or an issuer's key cannot be loaded (ORETRUST_KEY_PASSPHRASE missing or wrong).
    Several workers need a shared database (ORETRUST_DATABASE_URL, PostgreSQL).
    """
    import uvicorn  # the service's imports (FastAPI…) are paid by `serve` alone

    from oretrust.api import ServiceSettings, create_app
    from oretrust.api.request_context import log_config

    opened = Home.open(home)  # creates a fresh database; refuses another schema
    try:
        check_signing_keys(opened)  # KeyStoreError: no passphrase, or the wrong one
    finally:
        opened.engine.dispose()
    settings = ServiceSettings(home=opened.path)
    common = {
        "host": host,
        "port": port,
        "log_level": log_level,
        "log_config": log_config(log_level, log_format),
        "proxy_headers": False,
    }
    if workers == 1:
        uvicorn.run(create_app(settings), **common)  # type: ignore[arg-type]
        return
    os.environ["ORETRUST_HOME"] = str(opened.path)  # the workers read their settings from env
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # /metrics sums every worker's counts
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="oretrust-metrics-")
    uvicorn.run(
        "oretrust.api.app:create_app_from_env",
        factory=True,
        workers=workers,
        **common,  # type: ignore[arg-type]
    )


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help="registry-admin, issuer, auditor or holder.")],
    issuer: Annotated[
        str | None, typer.Option(help="The issuer (name or DID) an issuer token acts for.")
    ] = None,
    holder: Annotated[
        str | None,
        typer.Option(help="The holder (name or DID) whose wallet page a holder token opens."),
    ] = None,
    expires_in: Annotated[
        str, typer.Option("--expires-in", help="Lifetime: 30d, 12h, 90m (at most 366d).")
    ] = "30d",
    label: Annotated[str, typer.Option(help="A note: who holds it, what for.")] = "",
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a token and print it once (only its SHA-256 is kept)."""
    from oretrust.api.tokens import create_token, parse_lifetime

    public, token = create_token(
        Home.open(home),
        role=role,
        issuer=issuer,
        holder=holder,
        expires_in=parse_lifetime(expires_in),
        label=label,
        now=_now(),
    )
    if as_json:
        sys.stdout.write(json.dumps({**public.to_dict(), "token": token}, indent=2) + "\n")
        return
    scope = public.issuer or public.holder
    err.print(
        f"token {public.id} ({public.role}{' for ' + scope if scope else ''}), "
        f"expires {public.expires_at.isoformat()} — shown once, keep it secret:",
        markup=False,
    )
    sys.stdout.write(token + "\n")


@token_app.command("list")
def token_list(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """List tokens (never their secrets)."""
    from oretrust.api.tokens import list_tokens

    tokens = list_tokens(Home.open(home))
    if as_json:
        sys.stdout.write(json.dumps([t.to_dict() for t in tokens], indent=2) + "\n")
        return
    now = _now()
    table = id_table(
        "id", "role", "issuer/holder", "label", "expires", "state", ids=[t.id for t in tokens]
    )
    for token in tokens:
        state = (
            "revoked" if token.revoked_at else "expired" if token.expires_at <= now else "active"
        )
        table.add_row(
            token.id, token.role, token.issuer or token.holder or "", token.label,
            token.expires_at.isoformat(), state,
        )  # fmt: skip
    out.print(table)


@token_app.command("revoke")
def token_revoke(token_id: str, home: HomeOpt = None) -> None:
    """Revoke a token: it is refused from now on."""
    from oretrust.api.tokens import revoke_token

    public = revoke_token(Home.open(home), token_id, now=_now())
    out.print(f"token {public.id} revoked")


@db_app.command("upgrade")
def db_upgrade(home: HomeOpt = None) -> None:
    """Bring the database schema to this oretrust's newest revision."""
    folder, url = Home.locate(home)
    folder.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    try:
        before, after = upgrade(engine)
    finally:
        engine.dispose()
    if before == after:
        out.print(f"database schema is current ({after})")
    else:
        out.print(f"database schema upgraded from {before or 'nothing'} to {after}")


@db_app.command("current")
def db_current(home: HomeOpt = None) -> None:
    """Print the database's schema revision and the one this oretrust needs."""
    _folder, url = Home.locate(home)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            revision = current_revision(connection)
    finally:
        engine.dispose()
    out.print(f"database: {revision or 'not stamped'}; this oretrust: {HEAD_REVISION}")


def register_serve_commands(app: typer.Typer) -> None:
    """Add ``serve``, ``token …`` and ``db …`` to the main ``oretrust`` app."""
    app.command("serve")(serve)
    app.add_typer(token_app, name="token")
    app.add_typer(db_app, name="db")
