"""``oretrust registry …``: the trust registry operator's commands (a typer sub-app).

Same contract as :mod:`oretrust.cli`: exit 0 success, 1 a negative verdict (``query`` not
authorized, ``verify-log`` found tampering), 2 usage or input error (raised as
:class:`~oretrust.errors.OreTrustError` and turned into one stderr line by ``cli.main``);
``--json`` prints machine-readable output on stdout. The clock is read here only.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from oretrust import registry
from oretrust.cli._common import HomeOpt, JsonOpt, parse_time
from oretrust.cli._common import now as _now
from oretrust.cli._common import print_json as _print_json
from oretrust.cli.registry_import import import_accreditations
from oretrust.codes import Code
from oretrust.errors import InputError
from oretrust.home import Home
from oretrust.registry import (
    Accreditation,
    accreditation_claim,
    format_time,
    issue_action,
    whole_seconds,
)

__all__ = ["registry_app"]

registry_app = typer.Typer(
    help="The trust registry: who may issue which credentials, for which jurisdiction.",
    no_args_is_help=True,
)
registry_app.command("import")(import_accreditations)
out = Console()

TypeOpt = Annotated[
    str, typer.Option("--type", help="Credential type, e.g. MineralOriginCertificate.")
]
JurisdictionOpt = Annotated[
    str, typer.Option("--jurisdiction", help="ISO 3166-1 alpha-2 (CD) or 3166-2 (CD-LU), or EU.")
]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (kept in the signed log).")]
ActorOpt = Annotated[
    str | None, typer.Option("--actor", help="Who performs the change (kept in the signed log).")
]
TargetType = Annotated[str, typer.Option("--type", help="Credential type of the accreditation.")]
TargetJurisdiction = Annotated[
    str, typer.Option("--jurisdiction", help="Jurisdiction of the accreditation.")
]
FromOpt = Annotated[str | None, typer.Option("--from", help="Start (default: now).")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="End (default: none).")]
EffectiveOpt = Annotated[str | None, typer.Option(help="From when (default: now).")]


def _time(value: str | None, option: str) -> datetime | None:
    """:func:`~oretrust.cli_common.parse_time` to the whole second the registry records."""
    moment = parse_time(value, option)
    return whole_seconds(moment) if moment is not None else None


def _show(model: Accreditation, now: datetime, as_json: bool, verb: str) -> None:
    if as_json:
        _print_json(accreditation_claim(model, now))
    else:
        out.print(
            f"{verb} {model.entity_id}: {model.action} on {model.resource} — "
            f"{model.describe_status(now)} ({model.id})"
        )


def _target(
    home: Path | None, entity: str, type_name: str, jurisdiction: str, ident: str | None
) -> tuple[Home, datetime, str]:
    """The opened home, now, and the accreditation named by --id or by --type/--jurisdiction."""
    opened, now = Home.open(home), _now()
    if ident:
        return opened, now, ident
    if not type_name or not jurisdiction:
        raise InputError("give --type and --jurisdiction, or --id", code=Code.INVALID_TARGET)
    return opened, now, registry.find_accreditation(opened, entity, type_name, jurisdiction).id


EntityArg = Annotated[str, typer.Argument(help="The accredited entity (issuer DID).")]
IdOpt = Annotated[
    str | None, typer.Option("--id", help="The accreditation id (instead of type/jurisdiction).")
]


@registry_app.command("init")
def init(
    did: Annotated[str, typer.Option(help="The registry operator's did:web.")],
    display_name: Annotated[str, typer.Option("--display-name", help="Name of the authority.")],
    name: Annotated[str, typer.Option(help="Its issuer name in this home.")] = "registry",
    default_flags: Annotated[
        bool,
        typer.Option(help="Flag the packaged starting set of conflict-affected jurisdictions."),
    ] = True,
    actor: ActorOpt = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create the registry operator (its did:web and key) and the log's genesis event."""
    info = registry.init_registry(
        Home.open(home),
        did=did,
        display_name=display_name,
        name=name,
        now=_now(),
        default_flags=default_flags,
        actor=actor,
    )
    if as_json:
        _print_json({"did": info.did, "display_name": info.display_name})
    else:
        out.print(f"registry {info.display_name}: {info.did}")


@registry_app.command("accredit")
def accredit(
    entity: EntityArg,
    type_name: TypeOpt,
    jurisdiction: JurisdictionOpt,
    valid_from: FromOpt = None,
    until: UntilOpt = None,
    reason: ReasonOpt = "",
    actor: ActorOpt = None,
    delegate: Annotated[
        bool,
        typer.Option(
            "--delegate",
            help="ENTITY is a registry that may accredit issuers of --type within "
            "--jurisdiction (action accredit:<Type>), never beyond it.",
        ),
    ] = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Accredit ENTITY to issue --type credentials for --jurisdiction (and its subdivisions)."""
    now = _now()
    model = registry.accredit(
        Home.open(home),
        entity,
        type_name,
        jurisdiction,
        now=now,
        valid_from=_time(valid_from, "--from"),
        valid_until=_time(until, "--until"),
        reason=reason,
        actor=actor,
        delegate=delegate,
    )
    _show(model, now, as_json, "accredited")


@registry_app.command("suspend")
def suspend(
    entity: EntityArg,
    reason: ReasonOpt,
    type_name: TargetType = "",
    jurisdiction: TargetJurisdiction = "",
    ident: IdOpt = None,
    effective: EffectiveOpt = None,
    actor: ActorOpt = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Suspend an accreditation until it is reinstated."""
    opened, now, target = _target(home, entity, type_name, jurisdiction, ident)
    model = registry.suspend(
        opened,
        target,
        reason=reason,
        now=now,
        effective=_time(effective, "--effective"),
        actor=actor,
    )
    _show(model, now, as_json, "suspended")


@registry_app.command("reinstate")
def reinstate(
    entity: EntityArg,
    type_name: TargetType = "",
    jurisdiction: TargetJurisdiction = "",
    ident: IdOpt = None,
    effective: EffectiveOpt = None,
    reason: ReasonOpt = "",
    actor: ActorOpt = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """End the suspension of an accreditation."""
    opened, now, target = _target(home, entity, type_name, jurisdiction, ident)
    model = registry.reinstate(
        opened,
        target,
        reason=reason,
        now=now,
        effective=_time(effective, "--effective"),
        actor=actor,
    )
    _show(model, now, as_json, "reinstated")


@registry_app.command("withdraw")
def withdraw(
    entity: EntityArg,
    effective: Annotated[str, typer.Option(help="Effective time; may be in the past.")],
    reason: ReasonOpt,
    type_name: TargetType = "",
    jurisdiction: TargetJurisdiction = "",
    ident: IdOpt = None,
    actor: ActorOpt = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Withdraw an accreditation for good: what ENTITY issued from --effective on is rejected."""
    opened, now, target = _target(home, entity, type_name, jurisdiction, ident)
    moment = _time(effective, "--effective")
    assert moment is not None
    model = registry.withdraw(opened, target, effective=moment, reason=reason, now=now, actor=actor)
    _show(model, now, as_json, "withdrew")


@registry_app.command("renew")
def renew(
    entity: EntityArg,
    until: Annotated[str, typer.Option("--until", help="The new end of validity.")],
    type_name: TargetType = "",
    jurisdiction: TargetJurisdiction = "",
    ident: IdOpt = None,
    reason: ReasonOpt = "",
    actor: ActorOpt = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Extend an accreditation that has not expired or been withdrawn."""
    opened, now, target = _target(home, entity, type_name, jurisdiction, ident)
    moment = _time(until, "--until")
    assert moment is not None
    model = registry.renew(opened, target, valid_until=moment, now=now, reason=reason, actor=actor)
    _show(model, now, as_json, "renewed")


@registry_app.command("recognise")
def recognise(
    authority: Annotated[str, typer.Argument(help="The recognised authority's DID.")],
    action: Annotated[str, typer.Option(help="E.g. accredit:MineralOriginCertificate.")],
    resource: Annotated[str, typer.Option(help="Jurisdiction, e.g. CD.")],
    valid_from: FromOpt = None,
    until: UntilOpt = None,
    reason: ReasonOpt = "",
    actor: ActorOpt = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record that this registry recognises another authority (TRQP recognition)."""
    model = registry.recognise(
        Home.open(home),
        authority,
        action,
        resource,
        now=_now(),
        valid_from=_time(valid_from, "--from"),
        valid_until=_time(until, "--until"),
        reason=reason,
        actor=actor,
    )
    if as_json:
        _print_json(
            {
                "id": model.id,
                "entity_id": model.entity_id,
                "action": model.action,
                "resource": model.resource,
                "valid_from": format_time(model.valid_from),
            }
        )
    else:
        out.print(
            f"recognised {model.entity_id} for {model.action} on {model.resource} ({model.id})"
        )


@registry_app.command("query")
def query(
    entity: EntityArg,
    type_name: Annotated[str | None, typer.Option("--type", help="Credential type.")] = None,
    action: Annotated[str | None, typer.Option(help="A TRQP action (instead of --type).")] = None,
    jurisdiction: Annotated[str, typer.Option("--jurisdiction", help="The resource.")] = "",
    at: Annotated[str | None, typer.Option(help="Ask about this instant (default: now).")] = None,
    authority: Annotated[str | None, typer.Option(help="Default: this registry.")] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """TRQP authorization query: is ENTITY authorized (--at a time)? Exit 0 yes, 1 no."""
    if (type_name is None) == (action is None):
        raise InputError("give exactly one of --type or --action", code=Code.INVALID_QUERY)
    if not jurisdiction:
        raise InputError("--jurisdiction is required", code=Code.INVALID_QUERY)
    opened = Home.open(home)
    source = registry.RegistryTrustSource(opened)
    request = registry.AuthorizationRequest(
        entity_id=entity,
        authority_id=authority or source.authority_id,
        action=action or issue_action(str(type_name)),
        resource=jurisdiction,
        context=registry.trqp.TrqpContext(time=_time(at, "--at")),
    )
    answer = registry.authorization(source, request, now=_now())
    if as_json:
        _print_json(answer.model_dump(mode="json"))
    else:
        colour = "green" if answer.authorized else "red"
        verdict = "AUTHORIZED" if answer.authorized else "NOT AUTHORIZED"
        out.print(f"[bold {colour}]{verdict}[/] {answer.message}")
    raise typer.Exit(0 if answer.authorized else 1)


@registry_app.command("list")
def list_(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """List every accreditation (all states)."""
    now = _now()
    models = registry.list_accreditations(Home.open(home))
    if as_json:
        _print_json([accreditation_claim(m, now) for m in models])
        return
    table = Table("entity", "action", "resource", "status")
    for model in models:
        table.add_row(model.entity_id, model.action, model.resource, model.describe_status(now))
    out.print(table)


@registry_app.command("export")
def export(
    output: Annotated[Path, typer.Option("--out", help="Where to write the signed trust list.")],
    lifetime_hours: Annotated[float, typer.Option(help="Hours until it expires.")] = 24.0,
    home: HomeOpt = None,
) -> None:
    """Export current accreditations and flags as a signed trust list (trust-list+jwt)."""
    token = registry.export_trust_list(
        Home.open(home), now=_now(), lifetime=timedelta(hours=lifetime_hours)
    )
    output.write_text(token + "\n", encoding="utf-8")
    out.print(f"trust list written to {output}")


@registry_app.command("history")
def history(
    entity: Annotated[str | None, typer.Option(help="Only events about this entity.")] = None,
    after: Annotated[
        int, typer.Option(min=0, help="Only events after this seq (the next page's cursor).")
    ] = 0,
    limit: Annotated[
        int,
        typer.Option(
            min=1,
            max=registry.HISTORY_MAX_LIMIT,
            help=f"At most this many events (max {registry.HISTORY_MAX_LIMIT}).",
        ),
    ] = registry.HISTORY_DEFAULT_LIMIT,
    every: Annotated[bool, typer.Option("--all", help="Every event, unpaged.")] = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show the signed event log (who, what, when, why), a page at a time.

    A full page ends with a note on stderr naming the ``--after`` of the next one.
    """
    page = None if every else limit
    events = registry.history(Home.open(home), entity_id=entity, after=after, limit=page)
    if page is not None and len(events) == page:
        Console(stderr=True).print(f"more events may follow: --after {events[-1].seq}")
    if as_json:
        _print_json([event.to_dict() for event in events])
        return
    table = Table("seq", "recorded", "event", "subject", "data", "reason")
    for event in events:
        data = ", ".join(f"{k}={v}" for k, v in event.data.items() if v is not None)
        table.add_row(
            str(event.seq),
            format_time(event.recorded_at),
            event.kind,
            event.subject,
            data,
            event.reason,
        )
    out.print(table)


@registry_app.command("verify-log")
def verify_log(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Check the log's hash chain, signatures and tables. Exit 0 intact, 1 tampered."""
    result = registry.verify_log(Home.open(home))
    if as_json:
        _print_json(result.to_dict())
    elif result.ok:
        out.print(f"[bold green]log intact[/]: {result.events} events, head {result.head}")
    else:
        out.print(f"[bold red]log tampered[/]: {len(result.problems)} problem(s)")
        for problem in result.problems:
            out.print(f"  ✘ {problem}", markup=False)
    raise typer.Exit(0 if result.ok else 1)


@registry_app.command("flag-jurisdiction")
def flag_jurisdiction(
    code: Annotated[str, typer.Argument(help="ISO 3166-1 / 3166-2 code, e.g. CD-NK.")],
    risk: Annotated[str, typer.Option(help="high, conflict, or none to clear the flag.")],
    source: Annotated[str, typer.Option(help="Where the judgement comes from.")] = "",
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date of the source (YYYY-MM-DD).")
    ] = None,
    reason: ReasonOpt = "",
    actor: ActorOpt = None,
    home: HomeOpt = None,
) -> None:
    """Flag a jurisdiction conflict-affected or high-risk (verifiers then demand extra evidence)."""
    opened, now = Home.open(home), _now()
    if risk == "none":
        registry.unflag_jurisdiction(
            opened, code, now=now, reason=reason or "flag cleared", actor=actor
        )
        out.print(f"{code} is no longer flagged")
        return
    try:
        day = date.fromisoformat(as_of) if as_of else now.date()
    except ValueError:
        raise InputError(
            f"--as-of: {as_of!r} is not a date (YYYY-MM-DD)", code=Code.INVALID_DATE
        ) from None
    flag = registry.flag_jurisdiction(
        opened, code, risk=risk, source=source, as_of=day, now=now, reason=reason, actor=actor
    )
    out.print(flag.describe())
