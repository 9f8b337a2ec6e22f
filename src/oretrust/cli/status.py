"""Revocation commands: ``revoke``, ``suspend``, ``reinstate``, ``revocations …``, ``status …``.

Same contract as :mod:`oretrust.cli`: exit 0 success, 1 a negative verdict (``revocations
verify-log`` found tampering), 2 usage or input error (raised as
:class:`~oretrust.errors.OreTrustError` and turned into one stderr line by ``cli.main``);
``--json`` prints machine-readable output on stdout. The clock is read here only.

    oretrust revoke CREDENTIAL_ID --reason TEXT [--by NAME] [--json]
    oretrust suspend CREDENTIAL_ID --reason TEXT [--by NAME] [--json]
    oretrust reinstate CREDENTIAL_ID --reason TEXT [--by NAME] [--json]
    oretrust revocations log [--credential ID] [--json]
    oretrust revocations verify-log [--json]
    oretrust status show CREDENTIAL_ID [--json]
    oretrust status publish --out DIR [--json]

Status changes re-sign their list's documents themselves; ``status publish`` also re-signs
every list whose documents are stale (past half their validity, older version, another
key or URL) — the scheduled refresh of a home without ``oretrust serve``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from oretrust.cli._common import HomeOpt, JsonOpt
from oretrust.cli._common import now as _now
from oretrust.cli._common import print_json as _print_json
from oretrust.home import Home
from oretrust.status import log as status_log
from oretrust.status import operations
from oretrust.status.publication import publish_all

__all__ = ["register_status_commands", "revocations_app", "status_app"]

revocations_app = typer.Typer(
    help="The append-only, hash-chained log of revocations and suspensions.",
    no_args_is_help=True,
)
status_app = typer.Typer(
    help="Credential status and the published status lists.", no_args_is_help=True
)
out = Console(soft_wrap=True)

CredentialArg = Annotated[str, typer.Argument(help="The credential's id (urn:uuid:…).")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (kept in the revocation log).")]
ByOpt = Annotated[
    str | None,
    typer.Option("--by", help="Who acts (kept in the log; default: the issuer's DID)."),
]


def _status_command(action: operations.Action, doc: str) -> Callable[..., None]:
    """The ``oretrust <action>`` command: change a credential's status and say what changed."""

    def command(
        credential_id: CredentialArg,
        reason: ReasonOpt,
        by: ByOpt = None,
        home: HomeOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        change = operations.change_status(
            Home.open(home), credential_id, action, reason=reason, actor=by, now=_now()
        )
        if as_json:
            _print_json(change.to_dict())
        elif change.changed:
            out.print(
                f"{change.credential_id}: {change.previous} → {change.status} "
                f"(log #{change.log_seq})"
            )
        else:
            out.print(f"{change.credential_id} is already {change.status}; nothing changed")

    command.__doc__ = doc
    return command


revoke = _status_command(
    "revoke", "Revoke a credential permanently (repeating it changes nothing)."
)
suspend = _status_command(
    "suspend", "Suspend a credential (licences, AEO status, conformity attestations)."
)
reinstate = _status_command(
    "reinstate", "Lift a suspension (a revoked credential cannot be reinstated)."
)


@revocations_app.command("log")
def revocations_log(
    credential: Annotated[
        str | None, typer.Option("--credential", help="Only this credential's entries.")
    ] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print the revocation log, oldest first."""
    entries = status_log.list_log(Home.open(home), credential)
    if as_json:
        _print_json([entry.to_dict() for entry in entries])
        return
    table = Table("#", "at", "credential", "change", "reason", "by")
    for entry in entries:
        table.add_row(
            str(entry.seq),
            entry.to_dict()["at"],
            entry.credential_id,
            f"{entry.action}: {entry.previous_status} → {entry.new_status}",
            entry.reason,
            entry.actor,
        )
    out.print(table)


@revocations_app.command("verify-log")
def revocations_verify_log(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Check the log's hash chain and current statuses. Exit 0 intact, 1 tampered."""
    result = status_log.verify_log(Home.open(home))
    if as_json:
        _print_json(result.to_dict())
    elif result.intact:
        out.print(f"[green]intact[/]: {result.detail}")
    else:
        out.print(f"[bold red]TAMPERED[/]: {result.detail}")
    raise typer.Exit(0 if result.intact else 1)


@status_app.command("show")
def status_show(
    credential_id: CredentialArg, home: HomeOpt = None, as_json: JsonOpt = False
) -> None:
    """Print a credential's current status and its status-list URLs."""
    status = operations.credential_status(Home.open(home), credential_id)
    if as_json:
        _print_json(status.to_dict())
        return
    out.print(
        f"{status.credential_id}: {status.status} (list {status.list_id}, index {status.index})"
    )
    for url in status.status_list_urls:
        out.print(f"  {url}")


@status_app.command("publish")
def status_publish(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for <list id>.jwt files.")],
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-sign every stale status list, then write each, exactly as served, to --out.

    Status lists expire (a day): a home that does not run ``oretrust serve`` (whose
    background task refreshes them) runs this on a schedule, e.g. hourly.
    """
    paths = publish_all(Home.open(home), out_dir, now=_now())
    if as_json:
        _print_json([str(path) for path in paths])
    else:
        out.print(f"{len(paths)} status list document(s) written to {out_dir}")


def register_status_commands(app: typer.Typer) -> None:
    """Add the revocation commands to the main ``oretrust`` app."""
    app.command("revoke")(revoke)
    app.command("suspend")(suspend)
    app.command("reinstate")(reinstate)
    app.add_typer(revocations_app, name="revocations")
    app.add_typer(status_app, name="status")
