"""``oretrust ledger …``: the mass ledger of origin certificates, locally or at a registry.

    oretrust ledger register EVENT --with DOC… [--registry URL] [--json]
    oretrust ledger balance ORIGIN_ID [--registry URL] [--json]
    oretrust ledger export --origin ID --declaration N --hs-code 282200 --seal S… \\
        --importer NAME --mass 24.85t [--certificate FILE] (--by ISSUER | --registry URL --token T)
    oretrust ledger log [--origin ID] [--json]
    oretrust ledger verify-log [--json]

Without ``--registry`` the home's own ledger is used (the home runs the registry); with it,
the registry's HTTP API (``POST /custody/events``, ``GET /custody/balance/…``,
``POST /custody/exports`` with a customs issuer token). Exit codes as everywhere:
``verify-log`` 0 intact / 1 tampered; a refused registration or export (over-claim, a chain
that does not verify) is one line on stderr with its code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import httpx
import typer
from rich.console import Console

from oretrust.cli._common import HomeOpt, JsonOpt
from oretrust.cli._common import now as _now
from oretrust.cli._common import print_json as _print_json
from oretrust.cli._common import read_text as _read_text
from oretrust.codes import Code
from oretrust.custody import ledger
from oretrust.errors import InputError, InvalidCredentialError, OreTrustError, ResolutionError
from oretrust.home import Home
from oretrust.identities import find_issuer
from oretrust.verifier import verifier_for

__all__ = ["ledger_app"]

ledger_app = typer.Typer(
    help="The mass ledger: what each origin certificate held and what was drawn on it.",
    no_args_is_help=True,
)
out = Console(soft_wrap=True)

RegistryOpt = Annotated[
    str | None,
    typer.Option("--registry", help="A registry's base URL (default: this home's ledger)."),
]


def _remote(method: str, url: str, *, token: str | None = None, **kwargs: Any) -> Any:
    """Call a registry; a problem+json answer becomes the error it names (one line)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        answer = httpx.request(method, url, headers=headers, timeout=30, **kwargs)
    except httpx.HTTPError as exc:
        raise ResolutionError(f"{url}: {type(exc).__name__}", code=Code.LEDGER_UNAVAILABLE) from exc
    try:
        body = answer.json()
    except ValueError:
        body = None
    if answer.is_success:
        return body
    problem = body if isinstance(body, dict) else {}
    code = str(problem.get("code") or Code.LEDGER_UNAVAILABLE)
    detail = str(problem.get("detail") or f"{url} answered {answer.status_code}")
    if answer.status_code == 422 and code != "REQUEST_INVALID":
        raise InvalidCredentialError(detail, code=code)
    raise OreTrustError(detail, code=code)


def _balance_lines(balance: dict[str, Any]) -> list[str]:
    lines = [f"{balance['origin']} (lot {balance['lot']}, {balance['mineral']}):"]
    for name in ("held", "consumed", "remaining"):
        amounts = balance[name]
        shown = ", ".join(
            f"{amounts[key]:,.1f} kg {key[:-3]}"
            for key in ("wet_kg", "dry_kg", "contained_kg")
            if amounts.get(key) is not None
        )
        lines.append(f"  {name:<9} {shown}")
    return lines


@ledger_app.command("register")
def register(
    event: Annotated[Path, typer.Argument(help="The custody event (vc+jwt) to register.")],
    documents: Annotated[
        list[Path],
        typer.Option("--with", help="A document it derives from (origin, earlier event)."),
    ],
    registry: RegistryOpt = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Verify the event's chain and record its draws on origin certificates."""
    token = _read_text(str(event)).strip()
    docs = [_read_text(str(path)).strip() for path in documents]
    if registry is not None:
        body = {"event": token, "documents": docs}
        result = _remote("POST", f"{registry.rstrip('/')}/custody/events", json=body)
    else:
        opened = Home.open(home)
        verifier = verifier_for(opened, allow_network=True)
        result = ledger.register_event(opened, token, docs, verifier=verifier, now=_now()).to_dict()
    if as_json:
        _print_json(result)
        return
    out.print(f"[green]registered[/] {result['event']} ({result['appended']} new entries)")
    for balance in result["balances"]:
        out.print("\n".join(_balance_lines(balance)), highlight=False)


@ledger_app.command("balance")
def balance(
    origin_id: Annotated[str, typer.Argument(help="The origin certificate's id.")],
    registry: RegistryOpt = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Held, consumed and remaining of an origin certificate (never who drew on it)."""
    if registry is not None:
        url = f"{registry.rstrip('/')}/custody/balance/{quote(origin_id, safe='')}"
        result = _remote("GET", url)
    else:
        result = ledger.balance_of(Home.open(home), origin_id).to_dict()
    if as_json:
        _print_json(result)
    else:
        out.print("\n".join(_balance_lines(result)), highlight=False)


@ledger_app.command("export")
def export(
    origin: Annotated[str, typer.Option(help="The origin certificate's id.")],
    declaration: Annotated[str, typer.Option(help="The export declaration's number.")],
    hs_code: Annotated[str, typer.Option("--hs-code", help="HS code, e.g. 282200.")],
    seals: Annotated[list[str], typer.Option("--seal", help="A seal number; repeatable.")],
    importer: Annotated[str, typer.Option(help="The importer named on the declaration.")],
    mass: Annotated[str, typer.Option(help="Exported (wet) mass, e.g. 24.85t or 24850kg.")],
    certificate: Annotated[
        Path | None, typer.Option(help="The origin certificate (needed the first time).")
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="The customs issuer (local).")] = None,
    registry: RegistryOpt = None,
    token: Annotated[
        str | None, typer.Option(envvar="ORETRUST_API_TOKEN", help="Customs issuer token.")
    ] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Customs records an export; its mass is consumed from the certificate."""
    cert = None if certificate is None else _read_text(str(certificate)).strip()
    if registry is not None:
        body = {
            "origin": origin, "certificate": cert, "declaration_number": declaration,
            "hs_code": hs_code, "seals": seals, "importer": importer, "mass": mass,
        }  # fmt: skip
        url = f"{registry.rstrip('/')}/custody/exports"
        result = _remote("POST", url, token=token, json=body)
    else:
        if by is None:
            raise InputError("--by names the customs issuer of this home (or give --registry)")
        opened = Home.open(home)
        declared = ledger.ExportDeclaration(
            declaration, hs_code, importer, ledger.parse_mass(mass), tuple(seals)
        )
        result = ledger.record_export(
            opened,
            declared,
            origin_id=origin,
            recorded_by=find_issuer(opened, by).did,
            certificate=cert,
            verifier=verifier_for(opened, allow_network=True),
            now=_now(),
        ).to_dict()
    if as_json:
        _print_json(result)
        return
    out.print(f"[green]export recorded[/] {result['declaration']} ({result['export']})")
    out.print("\n".join(_balance_lines(result["balance"])), highlight=False)


@ledger_app.command("log")
def log(
    origin: Annotated[str | None, typer.Option(help="Only this origin's entries.")] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The ledger's entries, oldest first: digests and masses only."""
    entries = ledger.list_ledger(Home.open(home), origin)
    if as_json:
        _print_json(entries)
        return
    for entry in entries:
        out.print(
            f"{entry['seq']:>5} {entry['recorded_at']} {entry['kind']:<6} {entry['origin']} "
            f"lot {entry['lot']} {entry['wet_kg']:,.1f} kg wet  {entry['entry_hash'][:16]}",
            highlight=False,
        )


@ledger_app.command("verify-log")
def verify_log(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Check the ledger's hash chain, replay it, compare the declarations. Exit 0 intact,
    1 tampered."""
    result = ledger.verify_ledger(Home.open(home))
    if as_json:
        _print_json(result.to_dict())
    elif result.intact:
        out.print(f"[green]intact[/]: {result.detail}")
    else:
        out.print(f"[bold red]TAMPERED[/]: {result.detail}")
    raise typer.Exit(0 if result.intact else 1)
