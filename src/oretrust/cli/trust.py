"""``oretrust trust …``: the registries this home (a verifier) subscribes to.

``add-registry`` fetches a registry's signed trust list, verifies it against the registry's
DID document, pins the DID and the signing key and stores both; ``refresh`` fetches again
(``ETag``/``If-None-Match``, ``max-age``; rollbacks and expired lists refused); ``list`` and
``remove``. From then on ``verify`` judges ``issuer_accredited`` against the stored lists
(:mod:`oretrust.registry.subscriptions`). Same contract as :mod:`oretrust.cli`: exit 0
success, 2 input or fetch error (one line on stderr), ``--json`` on stdout.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from oretrust.cli._common import HomeOpt, JsonOpt
from oretrust.cli._common import now as _now
from oretrust.cli._common import print_json as _print_json
from oretrust.codes import Code
from oretrust.errors import ResolutionError
from oretrust.home import Home
from oretrust.registry.subscriptions import (
    add_registry,
    list_subscriptions,
    refresh_subscriptions,
    remove_subscription,
)

__all__ = ["trust_app"]

trust_app = typer.Typer(
    help="Trust registries this home subscribes to (verifier side).", no_args_is_help=True
)
out = Console(soft_wrap=True)


@trust_app.command("add-registry")
def add(
    source: Annotated[
        str,
        typer.Argument(
            help="A did:web registry DID, the https URL of its /trust-list (http only to "
            "loopback), or a trust-list file (air-gapped)."
        ),
    ],
    did: Annotated[
        str | None, typer.Option("--did", help="The registry DID (default: the list's iss).")
    ] = None,
    key_thumbprint: Annotated[
        str | None,
        typer.Option(
            "--key-thumbprint",
            help="RFC 7638 thumbprint of the registry key to pin (default: the key that "
            "signed this first list).",
        ),
    ] = None,
    did_document: Annotated[
        str | None,
        typer.Option("--did-document", help="The registry's DID document (file or URL)."),
    ] = None,
    intermediate: Annotated[
        bool,
        typer.Option(
            "--intermediate",
            help="Not a root: its accreditations count only through a chain to a pinned root.",
        ),
    ] = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Subscribe to a registry's signed trust list (verified, pinned, stored)."""
    subscription = add_registry(
        Home.open(home),
        source,
        now=_now(),
        did=did,
        key_thumbprint=key_thumbprint,
        did_document=did_document,
        root=not intermediate,
    )
    if as_json:
        _print_json(subscription.to_dict())
    else:
        role = "root" if subscription.root else "intermediate"
        out.print(
            f"subscribed to {subscription.registry_did} ({role}, key "
            f"{', '.join(subscription.pinned_thumbprints)}): {subscription.accreditations} "
            "accreditations"
        )


@trust_app.command("refresh")
def refresh(
    force: Annotated[
        bool, typer.Option("--force", help="Fetch even if max-age has not passed.")
    ] = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fetch every subscribed trust list again; exit 2 if any was refused."""
    outcomes = refresh_subscriptions(Home.open(home), now=_now(), force=force)
    if as_json:
        _print_json([o.to_dict() for o in outcomes])
    else:
        for outcome in outcomes:
            out.print(f"{outcome.registry_did}: {outcome.outcome} — {outcome.detail}")
    refused = [o for o in outcomes if o.outcome == "refused"]
    if refused:
        first = refused[0]
        raise ResolutionError(
            f"{first.registry_did}: {first.detail}", code=first.code or Code.TRUST_LIST_INVALID
        )


@trust_app.command("list")
def list_(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """The subscribed registries and their stored lists."""
    subscriptions = list_subscriptions(Home.open(home))
    if as_json:
        _print_json([s.to_dict() for s in subscriptions])
        return
    table = Table("registry", "role", "iat", "exp", "accreditations", "source")
    for item in subscriptions:
        data = item.to_dict()
        table.add_row(
            item.registry_did,
            "root" if item.root else "intermediate",
            data["iat"],
            data["exp"],
            str(item.accreditations),
            item.source,
        )
    out.print(table)


@trust_app.command("remove")
def remove(
    registry_did: Annotated[str, typer.Argument(help="The registry DID.")],
    home: HomeOpt = None,
) -> None:
    """Stop trusting a registry (its stored list is deleted)."""
    remove_subscription(Home.open(home), registry_did)
    out.print(f"removed {registry_did}")
