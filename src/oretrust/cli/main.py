"""The ``oretrust`` command line (typer + rich): the imperative shell over the services.

Scripting contract (ARCHITECTURE.md): exit 0 success / valid, 1 invalid (a verdict), 2 usage
or input error; errors are one line on stderr, never a traceback; ``--json`` prints
machine-readable output on stdout. The clock is read here, and only here, for CLI calls.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from oretrust import holder as holder_service
from oretrust import identities
from oretrust.cli._common import HomeOpt, JsonOpt, QuietOpt
from oretrust.cli._common import now as _now
from oretrust.cli._common import parse_time as _parse_time
from oretrust.cli._common import print_json as _print_json
from oretrust.cli._common import read_text as _read_text
from oretrust.cli.backup import register_backup_commands
from oretrust.cli.batch_issue import issue_batch_command
from oretrust.cli.bundle import bundle_app, offline_report
from oretrust.cli.custody import custody_app
from oretrust.cli.issued import database_problem, register_issued_commands
from oretrust.cli.ledger import ledger_app
from oretrust.cli.print_cmd import register_print_command
from oretrust.cli.registry import registry_app
from oretrust.cli.serve import register_serve_commands
from oretrust.cli.show import read_input, register_show_commands
from oretrust.cli.status import register_status_commands
from oretrust.cli.trust import trust_app
from oretrust.cli.wallet import wallet_app
from oretrust.codes import Code
from oretrust.credentials import CREDENTIAL_TYPES, EXAMPLES, get_credential_type
from oretrust.errors import InputError, InvalidCredentialError, NotFoundError, OreTrustError
from oretrust.home import Home
from oretrust.hosted_dids import did_resolver
from oretrust.issuer import issue_credential, issue_sd_jwt_credential
from oretrust.policy import load_policy
from oretrust.status.publication import refresh_status_lists
from oretrust.verifier import verify_token

__all__ = ["app", "main"]

app = typer.Typer(
    name="oretrust",
    help="Verifiable-credential trust registry for critical-mineral supply chains.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
issuer_app = typer.Typer(
    help="Institutions that issue credentials (did:web).", no_args_is_help=True
)
holder_app = typer.Typer(
    help="Holders (mine operators, traders…) with did:jwk keys.", no_args_is_help=True
)
did_app = typer.Typer(help="DID documents.", no_args_is_help=True)
app.add_typer(issuer_app, name="issuer")
app.add_typer(holder_app, name="holder")
app.add_typer(wallet_app, name="wallet")
app.add_typer(did_app, name="did")
app.add_typer(registry_app, name="registry")
app.add_typer(trust_app, name="trust")
app.add_typer(custody_app, name="custody")
app.add_typer(ledger_app, name="ledger")
app.add_typer(bundle_app, name="bundle")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _open(home: Path | None) -> Home:
    return Home.open(home)


@app.command()
def init(
    home: HomeOpt = None,
    domain: Annotated[
        str | None, typer.Option(help="Public host for derived did:web DIDs.")
    ] = None,
) -> None:
    """Create a registry home (database and keys/ folder)."""
    opened = _open(home)
    if domain:
        opened.set_domain(domain)
        refresh_status_lists(opened, now=_now())  # list URLs follow the domain
    out.print(f"home ready at {opened.path} (did:web domain {opened.domain})")


@issuer_app.command("add")
def issuer_add(
    name: str,
    display_name: Annotated[
        str, typer.Option("--display-name", help="Legal name of the institution.")
    ],
    did: Annotated[str | None, typer.Option(help="An explicit did:web (default: derived).")] = None,
    alg: Annotated[str, typer.Option(help="EdDSA (default) or ES256.")] = "EdDSA",
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Register an issuer and create its first signing key."""
    issuer = identities.add_issuer(
        _open(home), name, display_name=display_name, did=did, algorithm=alg, now=_now()
    )
    if as_json:
        _print_json(issuer.__dict__)
    else:
        out.print(f"issuer {issuer.name}: {issuer.did}")


@issuer_app.command("list")
def issuer_list(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """List the issuers of this home."""
    issuers = identities.list_issuers(_open(home))
    if as_json:
        _print_json([issuer.__dict__ for issuer in issuers])
        return
    table = Table("name", "DID", "display name")
    for issuer in issuers:
        table.add_row(issuer.name, issuer.did, issuer.display_name)
    out.print(table)


@issuer_app.command("rotate-key")
def issuer_rotate_key(name: str, alg: str = "EdDSA", home: HomeOpt = None) -> None:
    """Make a new key active; old keys stay published so older credentials verify."""
    opened = _open(home)
    key = identities.rotate_key(opened, name, now=_now(), algorithm=alg)
    refresh_status_lists(opened, now=_now())  # the issuer's lists are re-signed with the new key
    out.print(f"active key is now {key.kid}")


@issuer_app.command("compromise-key")
def issuer_compromise_key(
    kid: str,
    as_of: Annotated[str, typer.Option("--as-of", help="When the key was compromised (ISO 8601).")],
    home: HomeOpt = None,
) -> None:
    """Mark a key compromised as of a time: what it signed from then on fails verification.

    An issuer's active key is replaced by a new active key in the same step.
    """
    moment = _parse_time(as_of, "--as-of")
    assert moment is not None
    opened = _open(home)
    key = identities.mark_key_compromised(opened, kid, as_of=moment, now=_now())
    refresh_status_lists(opened, now=_now())  # lists it signed from then on no longer verify
    out.print(f"{kid} marked compromised as of {moment.isoformat()}")
    active = [k.kid for k in identities.list_keys(opened, kid.split("#")[0]) if k.active]
    if active and key.kid not in active:
        out.print(f"active key is now {active[0]}")


@holder_app.command("add")
def holder_add(
    name: str,
    display_name: Annotated[str, typer.Option("--display-name", help="Legal name of the holder.")],
    alg: Annotated[str, typer.Option(help="EdDSA (default) or ES256.")] = "EdDSA",
    home: HomeOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Register a holder with a new did:jwk key (--quiet prints only the DID)."""
    created = identities.add_holder(
        _open(home), name, display_name=display_name, now=_now(), algorithm=alg
    )
    if quiet:
        out.print(created.did, markup=False, highlight=False, soft_wrap=True)
    elif as_json:
        _print_json(created.__dict__)
    else:
        out.print(f"holder {created.name}: {created.did}")


@holder_app.command("list")
def holder_list(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """List the holders of this home."""
    holders = identities.list_holders(_open(home))
    if as_json:
        _print_json([holder.__dict__ for holder in holders])
        return
    table = Table("name", "display name", "DID")
    for record in holders:
        table.add_row(record.name, record.display_name, record.did[:60] + "…")
    out.print(table)


@app.command()
def issue(
    issuer: Annotated[str, typer.Option(help="Issuer name or DID.")],
    credential_type: Annotated[
        str | None,
        typer.Option("--type", help="Credential type, e.g. MiningLicenceCredential."),
    ] = None,
    subject: Annotated[
        str | None, typer.Option(help="JSON file with the credentialSubject ('-' for stdin).")
    ] = None,
    batch: Annotated[
        Path | None,
        typer.Option(
            "--batch",
            help="Bulk issuance: a JSON-lines or CSV file, one credential per line, into "
            "--out FILE.jsonl or DIR; a rerun skips the lines already issued.",
        ),
    ] = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="Credentials per transaction with --batch.")
    ] = 2000,
    holder: Annotated[
        str | None, typer.Option(help="Holder name or DID (becomes subject id).")
    ] = None,
    holder_did: Annotated[
        str | None,
        typer.Option(
            "--holder-did",
            help="The DID of a holder this home does not host (did:jwk, did:key, did:web): "
            "the credential is bound to it and handed over with --out; nothing is stored.",
        ),
    ] = None,
    valid_until: Annotated[
        str | None, typer.Option("--valid-until", help="ISO 8601 end of validity.")
    ] = None,
    store: Annotated[
        bool, typer.Option(help="Also put it in the holder's wallet (local holders).")
    ] = True,
    output: Annotated[Path | None, typer.Option("--out", help="Write the credential.")] = None,
    credential_format: Annotated[
        str,
        typer.Option(
            "--format", help="vc+jwt (default) or dc+sd-jwt (SD-JWT VC, bound to the holder)."
        ),
    ] = "vc+jwt",
    home: HomeOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Issue a credential as vc+jwt, or as SD-JWT VC with its type's disclosure profile
    (--quiet prints only its id).

    A holder on its own node is named by --holder-did: its did:jwk / did:key resolves here
    with no network, a did:web through this home's resolver; the SD-JWT VC's ``cnf`` is that
    DID's key, and this home never holds the holder's private key.

    With --batch FILE, one credential per JSON line or CSV row (README: bulk issuance),
    written with its id to --out as each batch commits; a rerun resumes."""
    if batch is not None:
        per_line = {"--subject": subject, "--holder": holder, "--holder-did": holder_did,
                    "--valid-until": valid_until}  # fmt: skip
        issue_batch_command(
            home, batch, issuer=issuer, type_name=credential_type, out=output,
            credential_format=credential_format, batch_size=batch_size, as_json=as_json,
            quiet=quiet, per_line=per_line,
        )  # fmt: skip
        return
    if credential_type is None or subject is None:
        raise InputError("give --type and --subject (or --batch FILE)", code=Code.INVALID_INPUT)
    if holder is not None and holder_did is not None:
        raise InputError("give --holder or --holder-did, not both", code=Code.INVALID_INPUT)
    if quiet and output is None:
        raise InputError("--quiet prints only the id: give --out for the credential")
    if holder_did is not None and not holder_did.startswith("did:"):
        raise InputError(
            f"--holder-did must be a DID, not {holder_did[:80]!r}", code=Code.INVALID_INPUT
        )
    opened = _open(home)
    try:
        subject_json = json.loads(_read_text(subject))
    except json.JSONDecodeError as exc:
        raise InputError(f"--subject is not valid JSON: {exc.msg} at line {exc.lineno}") from exc
    holder_record = (
        identities.find_holder(opened, holder) if holder and not holder.startswith("did:") else None
    )
    holder_did = holder_record.did if holder_record else (holder_did or holder)
    now = _now()
    if credential_format not in ("vc+jwt", "dc+sd-jwt"):
        raise InputError(f"--format must be vc+jwt or dc+sd-jwt, not {credential_format!r}")
    issue_as = issue_credential if credential_format == "vc+jwt" else issue_sd_jwt_credential
    issued = issue_as(
        opened,
        issuer=issuer,
        type_name=credential_type,
        subject=subject_json,
        holder=holder_did,
        valid_until=_parse_time(valid_until, "--valid-until"),
        now=now,
    )
    if store and holder_record is not None:
        holder_service.receive_credential(opened, holder_record.name, issued.token, now=now)
    if output:
        output.write_text(issued.token + "\n", encoding="utf-8")
    if quiet:
        out.print(issued.id, markup=False, highlight=False)
    elif as_json:
        _print_json(
            {
                "id": issued.id,
                "type": issued.type,
                "format": issued.format,
                "issuer": issued.issuer,
                "holder": issued.holder,
                "token": issued.token,
            }
        )
    elif output is None:
        sys.stdout.write(issued.token + "\n")
    else:
        out.print(f"issued {issued.type} {issued.id} → {output}")


@app.command()
def present(
    holder: Annotated[str, typer.Option(help="Holder name or DID.")],
    credential: Annotated[
        list[str], typer.Option("--credential", help="Credential id (repeatable).")
    ],
    nonce: Annotated[str, typer.Option(help="The verifier's challenge.")],
    audience: Annotated[str, typer.Option(help="The verifier's identifier (aud).")],
    output: Annotated[Path | None, typer.Option("--out", help="Write the vp+jwt here.")] = None,
    home: HomeOpt = None,
) -> None:
    """Build a vp+jwt presentation bound to a verifier's nonce and audience."""
    token = holder_service.present(
        _open(home), holder, credential, nonce=nonce, audience=audience, now=_now()
    )
    if output:
        output.write_text(token + "\n", encoding="utf-8")
        out.print(f"presentation written to {output}")
    else:
        sys.stdout.write(token + "\n")


@app.command()
def verify(
    file: Annotated[
        str,
        typer.Argument(
            help="vc+jwt or vp+jwt file, a demo presentation .json, an OT1: text or a QR code "
            "image ('-' for stdin)."
        ),
    ],
    nonce: Annotated[
        str | None, typer.Option(help="This verifier's nonce (required for presentations).")
    ] = None,
    audience: Annotated[
        str | None, typer.Option(help="This verifier's audience (required for presentations).")
    ] = None,
    no_replay_check: Annotated[
        bool,
        typer.Option(
            "--no-replay-check",
            help="Check a presentation without this verifier's nonce and audience (it could "
            "be a replay: the report says so).",
        ),
    ] = False,
    at: Annotated[
        str | None, typer.Option(help="Verify as of this time (ISO 8601) instead of now.")
    ] = None,
    policy: Annotated[
        str | None,
        typer.Option(help="Also apply this verifier policy (a file, or a shipped name)."),
    ] = None,
    offline: Annotated[
        str | None,
        typer.Option(
            help="Verify with nothing but this bundle (oretrust bundle export): no network."
        ),
    ] = None,
    registry: Annotated[
        str | None, typer.Option(help="--offline: the pinned registry DID.")
    ] = None,
    registry_key: Annotated[
        list[str] | None,
        typer.Option("--registry-key", help="--offline: a pinned registry key thumbprint."),
    ] = None,
    bundle_key: Annotated[
        list[str] | None,
        typer.Option("--bundle-key", help="--offline: a pinned bundle signer key thumbprint."),
    ] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Verify a credential or presentation. Exit 0 valid, 1 invalid, 2 usage error.

    A presentation is checked against this verifier's own --nonce and --audience; a nonce in a
    presentation file is the holder's word and is never used as the challenge. With
    --offline BUNDLE, only the bundle is used, checked against the registry the home
    subscribes to (--home) or --registry and --registry-key."""
    if no_replay_check:
        err.print("warning: --no-replay-check: this presentation could be a replay")
    try:
        options: dict[str, Any] = {
            "nonce": nonce,
            "audience": audience,
            "policy": load_policy(policy) if policy is not None else None,
            "replay_check": not no_replay_check,
        }
        if offline is not None:
            report = offline_report(
                offline,
                read_input(file),
                home=home,
                registry=registry,
                registry_keys=registry_key or [],
                bundle_keys=bundle_key or [],
                at=_parse_time(at, "--at"),
                **options,
            )
        else:
            report = verify_token(
                _open(home),
                read_input(file),
                now=_parse_time(at, "--at") or _now(),
                **options,
            )
    except InputError as exc:
        if exc.code != Code.CHALLENGE_REQUIRED:
            raise
        raise InputError(
            "a presentation is verified against this verifier's challenge: pass --nonce and "
            "--audience (or --no-replay-check)",
            code=exc.code,
        ) from exc
    if as_json:
        _print_json(report.to_dict())
    else:
        colour = "green" if report.verified else "red"
        out.print(f"[bold {colour}]{report.verdict}[/] {report.kind}")
        for check in report.checks:
            out.print(f"  {'✔' if check.passed else '✘'} {check.id}: {check.code} {check.detail}")
        for nested in report.credentials:
            out.print(
                f"  credential {nested.credential_id}: "
                f"[{'green' if nested.verified else 'red'}]{nested.verdict}[/]"
            )
            for check in nested.checks:
                out.print(
                    f"    {'✔' if check.passed else '✘'} {check.id}: {check.code} {check.detail}"
                )
            _print_disclosure(nested.disclosure, "    ")
        _print_disclosure(report.disclosure, "  ")
        for warning in report.to_dict()["warnings"]:
            out.print(f"  [yellow]warning[/] {warning}")
    raise typer.Exit(0 if report.verified else 1)


def _print_disclosure(disclosure: dict[str, Any] | None, indent: str) -> None:
    if disclosure:
        out.print(
            f"{indent}disclosed: {', '.join(disclosure['disclosed']) or 'none'}; "
            f"withheld (hidden behind {disclosure['undisclosed_digests']} digest(s)): "
            f"{', '.join(disclosure['not_disclosed']) or 'none'}",
            markup=False,
        )


@did_app.command("show")
def did_show(name_or_did: str, home: HomeOpt = None) -> None:
    """Print the DID document of an issuer or holder of this home (or any resolvable DID)."""
    opened = _open(home)
    did = name_or_did
    if not did.startswith("did:"):
        try:
            did = identities.find_issuer(opened, name_or_did).did
        except NotFoundError:
            did = identities.find_holder(opened, name_or_did).did
    _print_json(did_resolver(opened).resolve(did))


@app.command()
def schema(
    credential_type: Annotated[
        str | None, typer.Argument(help="A credential type; omit to list the types.")
    ] = None,
    example: Annotated[
        bool, typer.Option("--example", help="Print an example credentialSubject instead.")
    ] = False,
) -> None:
    """Print the JSON Schema of a credential type, or list the types; --example prints a
    subject that validates, to edit into the one you issue."""
    if credential_type is None:
        for name, known in CREDENTIAL_TYPES.items():
            out.print(f"{name}: {known.description}")
        return
    known = get_credential_type(credential_type)
    _print_json(EXAMPLES[known.name] if example else known.json_schema())


@app.command()
def demo(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the demo home and its artifacts.")
    ] = Path("demo"),
    as_json: JsonOpt = False,
) -> None:
    """Run the whole story end to end and leave its artifacts in --out."""
    from oretrust.demo.story import run_demo

    summary = run_demo(out_dir, now=_now(), echo=None if as_json else out.print)
    if as_json:
        _print_json(summary)


register_status_commands(app)  # revoke, suspend, reinstate, revocations …, status …
register_issued_commands(app)  # issued
register_serve_commands(app)  # serve, token …, db …
register_backup_commands(app)  # backup, restore, heads
register_show_commands(app)  # show, qr
register_print_command(app)  # print (PDF certificates)


def _fail(message: str, code: int) -> NoReturn:
    err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise SystemExit(code)


def main() -> None:
    """Console entry point: run the app, turning every error into one line and an exit code."""
    try:
        app(standalone_mode=True)
    except InvalidCredentialError as exc:
        _fail(f"{exc.code}: {exc.detail}", 1)
    except OreTrustError as exc:
        _fail(f"{exc.code}: {exc.detail}", 2)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except Exception as exc:  # the last line of defence: no traceback for users
        problem = database_problem(exc)
        if problem is not None:
            _fail(problem, 2)
        _fail(f"internal error ({type(exc).__name__}): {exc}", 3)
