"""Wallet commands: ``wallet receive``, ``wallet list``, ``wallet show``, ``wallet present``.

Same contract as :mod:`oretrust.cli`: exit 0 success, 2 usage or input error (raised as
:class:`~oretrust.errors.OreTrustError` and turned into one stderr line by ``cli.main``), 1 a
credential that does not verify; ``--json`` prints machine-readable output. The clock is
read here only.

    oretrust wallet receive FILE|URL --holder H
    oretrust wallet list --holder H [--json]
    oretrust wallet show CREDENTIAL_ID --holder H [--json]
    oretrust wallet present --holder H --nonce N --audience A
        (--credential ID … [--disclose PATH …] | --policy NAME_OR_FILE) [--out FILE]

``wallet present`` writes the scripting contract's presentation file
``{"presentation", "format", "nonce", "audience"}``: an SD-JWT+KB (``dc+sd-jwt``) for one
SD-JWT VC, else a vp+jwt. ``--disclose mineSite.coordinates`` names a withholdable claim to
show; every withholdable claim not named stays hidden. ``--policy`` lets the wallet pick the
credentials and claims a verifier's policy asks for.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from oretrust import holder as holder_service
from oretrust import identities
from oretrust.cli._common import HomeOpt, JsonOpt, id_table
from oretrust.cli._common import now as _now
from oretrust.cli._common import print_json as _print_json
from oretrust.cli._common import read_text as _read_text
from oretrust.codes import Code
from oretrust.credentials.disclosure import parse_claim_path
from oretrust.errors import InputError
from oretrust.holder import is_url, request_for_policy
from oretrust.home import Home
from oretrust.policy import load_policy

__all__ = ["wallet_app"]

wallet_app = typer.Typer(
    help="A holder's stored credentials (vc+jwt and SD-JWT VC).", no_args_is_help=True
)
out = Console(soft_wrap=True)

HolderOpt = Annotated[str, typer.Option(help="Holder name or DID.")]


@wallet_app.command("receive")
def wallet_receive(
    file: Annotated[
        str,
        typer.Argument(
            help="A vc+jwt or SD-JWT VC file ('-' for stdin), or the https:// URL its issuer "
            "published it at (fetched like DID documents, ORETRUST_DID_WEB_HOSTS included; "
            "http:// only from 127.0.0.1, ::1 or localhost)."
        ),
    ],
    holder: HolderOpt,
    home: HomeOpt = None,
) -> None:
    """Verify a credential bound to one of the holder's own keys and keep it in the wallet.

    A vc+jwt must name the holder's DID as its subject, an SD-JWT VC carry one of its keys
    in ``cnf``; anything else is refused (CREDENTIAL_NOT_FOR_HOLDER, KEY_BINDING_MISMATCH).
    A URL is fetched with a size and time bound (CREDENTIAL_FETCH_FAILED, UNSAFE_URL)."""
    opened = Home.open(home)
    owner = identities.find_holder(opened, holder)  # before any fetch: fail fast
    token = holder_service.fetch_credential(file) if is_url(file) else _read_text(file)
    entry = holder_service.receive_credential(opened, owner.name, token.strip(), now=_now())
    out.print(f"stored {entry.type} {entry.credential_id} ({entry.format})")


@wallet_app.command("list")
def wallet_list(holder: HolderOpt, home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """List the credentials in a holder's wallet."""
    entries = holder_service.list_wallet(Home.open(home), holder)
    if as_json:
        _print_json([{k: v for k, v in e.__dict__.items() if k != "token"} for e in entries])
        return
    ids = [entry.credential_id for entry in entries]
    table = id_table("credential id", "type", "format", "issuer", ids=ids)
    for entry in entries:
        table.add_row(entry.credential_id, entry.type, entry.format, entry.issuer)
    out.print(table)


@wallet_app.command("show")
def wallet_show(
    credential_id: Annotated[str, typer.Argument(help="The credential's id (urn:uuid:…).")],
    holder: HolderOpt,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show what a credential would disclose: always-visible and withholdable claims."""
    details = holder_service.show(Home.open(home), holder, credential_id)
    if as_json:
        _print_json(details.to_dict())
        return
    entry = details.credential
    out.print(f"[bold]{entry.type}[/] {entry.credential_id} ({entry.format}) from {entry.issuer}")
    out.print("always visible:")
    out.print_json(json.dumps(details.visible, ensure_ascii=False, default=str))
    if details.withholdable:
        out.print("withholdable (shown only when you disclose them):")
        for path, value in details.withholdable.items():
            out.print(f"  {path}: {json.dumps(value, ensure_ascii=False)}", markup=False)
    else:
        out.print("nothing can be withheld: a vc+jwt discloses every claim")


@wallet_app.command("present")
def wallet_present(
    holder: HolderOpt,
    nonce: Annotated[str, typer.Option(help="The verifier's challenge.")],
    audience: Annotated[str, typer.Option(help="The verifier's identifier (aud).")],
    credential: Annotated[
        list[str] | None, typer.Option("--credential", help="Credential id (repeatable).")
    ] = None,
    disclose: Annotated[
        list[str] | None,
        typer.Option("--disclose", help="Withholdable claim to disclose, e.g. mass (repeatable)."),
    ] = None,
    policy: Annotated[
        str | None,
        typer.Option(help="Answer this verifier policy (file or shipped name) instead."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--out", help="Write the presentation file here.")
    ] = None,
    home: HomeOpt = None,
) -> None:
    """Build a presentation for a verifier's request, disclosing the minimum."""
    opened = Home.open(home)
    if policy is not None:
        if credential:
            raise InputError("give --credential or --policy, not both", code=Code.INVALID_INPUT)
        request = request_for_policy(
            opened, holder, load_policy(policy), nonce=nonce, audience=audience
        )
        if disclose:
            request = holder_service.PresentationRequest(
                request.nonce,
                request.audience,
                request.credential_ids,
                tuple(parse_claim_path(p) for p in disclose),
                request.disclose_for,
                request.lifetime,
            )
    else:
        if not credential:
            raise InputError(
                "choose --credential (repeatable) or --policy", code=Code.INVALID_INPUT
            )
        request = holder_service.PresentationRequest(
            nonce,
            audience,
            tuple(credential),
            tuple(parse_claim_path(p) for p in disclose or ()),
        )
    made = holder_service.build_presentation(opened, holder, request, now=_now())
    if output is not None:
        output.write_text(json.dumps(made.to_dict(), indent=2) + "\n", encoding="utf-8")
        out.print(f"{made.format} presentation written to {output}")
    else:
        _print_json(made.to_dict())
