"""``oretrust custody …``: hand a lot over (a custody event signed in the seller's own home),
keep a period account (mass balance over at most 12 months), verify a lot's chain back to its
origin certificates, and attest a verified chain.

Same contract as :mod:`oretrust.cli`: ``verify`` exits 0 for a valid chain, 1 for an invalid
one (a verdict), 2 for bad input (one line on stderr); ``--json`` prints the report on stdout.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from oretrust.cli._common import HomeOpt, JsonOpt
from oretrust.cli._common import now as _now
from oretrust.cli._common import print_json as _print_json
from oretrust.cli._common import read_text as _read_text
from oretrust.codes import Code
from oretrust.custody import verify_chain
from oretrust.errors import InputError
from oretrust.holder import IssuedCustodyEvent, issue_custody_event, issue_period_account
from oretrust.home import Home
from oretrust.issuer import attest_chain
from oretrust.verifier import verifier_for

__all__ = ["custody_app"]

custody_app = typer.Typer(
    help="Chain of custody: hand a lot over, verify a lot's chain back to its origin.",
    no_args_is_help=True,
)
out = Console(soft_wrap=True)

FromOpt = Annotated[
    list[str],
    typer.Option(
        "--from",
        help="A credential the lot came with (origin certificate, earlier custody event); "
        "repeatable.",
    ),
]


@custody_app.command("issue")
def issue(
    holder: Annotated[str, typer.Option(help="The holder handing the lot over (name or DID).")],
    event: Annotated[
        str,
        typer.Option(
            help="JSON file of the event: type, eventTime, destinationParty, place, mineral, "
            "commodity, inputs, outputs (see 'oretrust schema CustodyTransferCredential "
            "--example'); sourceParty and derivedFrom are filled in."
        ),
    ],
    derived_from: FromOpt,
    output: Annotated[Path, typer.Option("--out", help="Write the signed event here.")],
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Sign a custody event (a sale or a transformation) with the holder's own key."""
    subject = _json_object(_read_text(event), "--event")  # sourceParty, derivedFrom: replaced
    made = issue_custody_event(
        Home.open(home), holder, subject, derived_from=[_token(f) for f in derived_from], now=_now()
    )
    _write_signed(made, output, as_json, "custody event")


@custody_app.command("account")
def account(
    holder: Annotated[str, typer.Option(help="The refiner keeping the account (name or DID).")],
    account_file: Annotated[
        str,
        typer.Option(
            "--account",
            help="JSON file of the account: facility, mineral, commodity, periodStart, "
            "periodEnd (at most 12 months on), inputs, outputs, declaredYield when processing "
            "(see 'oretrust schema PeriodAccountCredential --example'); accountHolder and "
            "derivedFrom are filled in.",
        ),
    ],
    derived_from: FromOpt,
    output: Annotated[Path, typer.Option("--out", help="Write the signed account here.")],
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Sign a period account (mass balance over at most 12 months) with the holder's key;
    sales of its output lots then derive from it (``custody issue --from ACCOUNT``)."""
    subject = _json_object(_read_text(account_file), "--account")  # accountHolder: replaced
    made = issue_period_account(
        Home.open(home), holder, subject, derived_from=[_token(f) for f in derived_from], now=_now()
    )
    _write_signed(made, output, as_json, "period account")


def _write_signed(made: IssuedCustodyEvent, output: Path, as_json: bool, what: str) -> None:
    """Write the signed document to ``output`` and say so (its id and file with ``--json``)."""
    output.write_text(made.token + "\n", encoding="utf-8")
    if as_json:
        _print_json({"id": made.id, "file": str(output)})
    else:
        out.print(f"{what} {made.id} → {output}", markup=False, highlight=False)


@custody_app.command("verify")
def verify(
    final: Annotated[str, typer.Argument(help="The custody event that put the lot in hand.")],
    documents: Annotated[
        list[str],
        typer.Option("--with", help="The documents it derives from (repeatable)."),
    ],
    holder: Annotated[
        str | None,
        typer.Option(help="The DID of whoever presents the lot: it must hold it last."),
    ] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Walk the chain back to its origin certificates; exit 0 valid, 1 invalid."""
    report = verify_chain(
        _token(final),
        [_token(f) for f in documents],
        verifier=verifier_for(Home.open(home)),
        now=_now(),
        holder=holder,
    )
    if as_json:
        _print_json(report.to_dict())
    else:
        colour = "green" if report.verified else "red"
        out.print(f"[bold {colour}]{'VALID' if report.verified else 'INVALID'}[/] custody chain")
        for line in report.lines():
            out.print(f"  {line}", markup=False, highlight=False)
        for code, link, detail in report.problems:
            out.print(f"  ✘ {code} {link}: {detail}", markup=False, highlight=False)
    raise typer.Exit(0 if report.verified else 1)


@custody_app.command("attest")
def attest(
    final: Annotated[str, typer.Argument(help="The custody event that put the lot in hand.")],
    documents: Annotated[
        list[str],
        typer.Option("--with", help="The documents it derives from (repeatable)."),
    ],
    issuer: Annotated[
        str, typer.Option(help="The accredited auditor (or registry operator) attesting.")
    ],
    output: Annotated[Path, typer.Option("--out", help="Write the attestation here.")],
    lot: Annotated[
        str | None, typer.Option(help="The final lot, when the event hands on several.")
    ] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Verify a lot's chain and attest it to its last buyer without naming intermediaries.

    Exit 1 when the chain does not verify (nothing is attested), 2 for bad input or an
    issuer this home's registry does not accredit for chain attestations."""
    opened = Home.open(home)
    made = attest_chain(
        opened,
        issuer,
        _token(final),
        [_token(f) for f in documents],
        verifier=verifier_for(opened),
        now=_now(),
        lot_id=lot,
    )
    output.write_text(made.token + "\n", encoding="utf-8")
    if as_json:
        _print_json({"id": made.id, "holder": made.holder, "file": str(output)})
    else:
        out.print(f"chain attestation {made.id} → {output}", markup=False, highlight=False)


def _token(path: str) -> str:
    text = _read_text(path).strip()
    if not text or any(c.isspace() for c in text):
        raise InputError(f"{path} is not one credential token", code=Code.MALFORMED_INPUT)
    return text


def _json_object(text: str, option: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise InputError(f"{option} is not valid JSON", code=Code.MALFORMED_INPUT) from exc
    if not isinstance(value, dict):
        raise InputError(f"{option} must be a JSON object", code=Code.MALFORMED_INPUT)
    return value
