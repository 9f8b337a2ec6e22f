"""``oretrust bundle export`` and the offline side of ``oretrust verify --offline BUNDLE``.

At the office (online): ``oretrust bundle export --home DIR --out bundle.jwt`` signs the trust
list, the accredited issuers' DID documents, the status lists, the types' schemas and the
(future) ledger head into one file. At the border post (offline): ``oretrust verify --offline
bundle.jwt FILE`` checks FILE with nothing but that file, against a registry the verifier
pinned beforehand — its home's subscription (``--home``) or ``--registry`` and
``--registry-key`` — never against a key the bundle names itself.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from oretrust.bundle import BundlePins, export_bundle_file, load_bundle, pins_from_home
from oretrust.cli._common import HomeOpt, JsonOpt, print_json, read_text
from oretrust.cli._common import now as _now
from oretrust.codes import Code
from oretrust.errors import InputError
from oretrust.home import Home
from oretrust.policy import Policy, parse_duration
from oretrust.report import VerificationReport
from oretrust.verifier.offline import verify_token_offline

__all__ = ["bundle_app", "offline_report"]

bundle_app = typer.Typer(
    help="Offline verification bundles (export at the office, verify at the border post).",
    no_args_is_help=True,
)
out = Console(soft_wrap=True)


@bundle_app.command("export")
def export(
    output: Annotated[Path, typer.Option("--out", help="Write the signed bundle here.")],
    valid_for: Annotated[
        str,
        typer.Option(
            "--valid-for",
            help="How long the bundle is valid (24h, 7d…); never past the earliest expiry of "
            "the trust and status lists it carries.",
        ),
    ] = "24h",
    signer: Annotated[
        str | None,
        typer.Option(
            help="Issuer or holder (name or DID) whose key signs the bundle (default: the "
            "home's registry operator). Verifiers pin its key with --bundle-key."
        ),
    ] = None,
    status_list: Annotated[
        list[str] | None,
        typer.Option(
            "--status-list", help="A status list URL to fetch and carry too (repeatable)."
        ),
    ] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Export a signed offline bundle of this home's trust data (run it online)."""
    validity = parse_duration(valid_for)
    if validity is None:
        raise InputError(
            f"--valid-for: {valid_for!r} is not a duration such as 24h or 7d",
            code=Code.INVALID_LIFETIME,
        )
    exported = export_bundle_file(
        Home.open(home),
        output,
        now=_now(),
        validity=validity,
        signer=signer,
        status_urls=tuple(status_list or ()),
    )
    if as_json:
        print_json({"file": str(output), **exported.to_dict()})
        return
    summary = exported.to_dict()
    out.print(
        f"bundle {output}: {summary['bytes']:,} bytes, {exported.did_documents} DID documents, "
        f"{exported.status_lists} status lists, valid until {summary['exp']}",
        markup=False,
    )
    out.print(f"signed by {exported.signer}, key {exported.key_thumbprint}", markup=False)
    for item in exported.missing:
        out.print(f"warning: not in the bundle: {item}", markup=False)


def offline_report(
    bundle_path: str,
    text: str,
    *,
    home: Path | None,
    registry: str | None,
    registry_keys: list[str],
    bundle_keys: list[str],
    nonce: str | None,
    audience: str | None,
    at: datetime | None,
    policy: Policy | None,
    replay_check: bool,
) -> VerificationReport:
    """``verify --offline``: load the bundle against the verifier's pins, verify ``text``.

    Pins come from ``--registry`` with ``--registry-key`` when given, else from the home
    (``--home``). Raises InputError ``BUNDLE_PIN_REQUIRED`` with neither, ResolutionError
    ``BUNDLE_*`` for a bundle that does not load.
    """
    now = at or _now()
    if registry_keys:
        if registry is None:
            raise InputError(
                "--registry-key pins a key of --registry: give the registry DID too",
                code=Code.BUNDLE_PIN_REQUIRED,
            )
        pins = BundlePins({registry: frozenset(registry_keys)}, frozenset(bundle_keys))
    elif home is not None:
        pins = pins_from_home(Home.open(home), registry=registry, bundle_keys=bundle_keys)
    else:
        raise InputError(
            "--offline checks the bundle against a registry pinned beforehand: give --home "
            "(a home subscribed to it) or --registry and --registry-key",
            code=Code.BUNDLE_PIN_REQUIRED,
        )
    bundle = load_bundle(read_text(bundle_path), pins=pins, now=now)
    return verify_token_offline(
        bundle,
        text,
        nonce=nonce,
        audience=audience,
        now=now,
        policy=policy,
        replay_check=replay_check,
    )
