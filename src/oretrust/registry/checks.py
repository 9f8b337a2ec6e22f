"""The verifier's ``issuer_accredited`` check, over any :class:`TrustSource`.

A valid signature proves only that *someone* signed. This check asks the trust registry
whether the credential's issuer held an accreditation for the credential's type and for the
jurisdiction the credential speaks of (``CredentialType.jurisdiction_of``: country of origin,
licence jurisdiction, customs territory, register country, facility country) **at the
credential's issuance time** (JWT ``iat``, else ``validFrom``), not suspended and not withdrawn
as of then. Failure code: ``ISSUER_NOT_ACCREDITED``.

Wiring::

    Verifier(resolver, extra_checks=[accreditation_check(RegistryTrustSource(home))])
    Verifier(resolver, extra_checks=[home_accreditation_check(home)])            # same
    Verifier(resolver, extra_checks=[accreditation_check(trust_list_source(tl))])  # offline
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from oretrust.codes import Code
from oretrust.credentials import CREDENTIAL_TYPES, SubjectModel
from oretrust.credentials.disclosure import jurisdiction_of
from oretrust.errors import OreTrustError
from oretrust.formats.dates import numeric_date, parse_datetime
from oretrust.formats.vc_jwt import issuer_id
from oretrust.home import Home
from oretrust.registry._model import decide, format_time, issue_action
from oretrust.registry.sources import RegistryTrustSource, TrustSource
from oretrust.report import CredentialCheck, VerificationReport

__all__ = [
    "CHECK_ID",
    "NOT_ACCREDITED",
    "IssuanceFacts",
    "IssuerJudgement",
    "JudgeFacts",
    "accreditation_check",
    "facts_judge",
    "home_accreditation_check",
    "issuance_facts",
    "issuance_time",
    "judge_issuance",
    "judge_issuer",
    "self_issued_judgement",
]

CHECK_ID = "issuer_accredited"
NOT_ACCREDITED = Code.ISSUER_NOT_ACCREDITED


@dataclass(frozen=True)
class IssuerJudgement:
    """Whether a credential's issuer was accredited for it when it was issued, and why."""

    authorized: bool
    code: str
    detail: str
    issuer: str | None = None
    credential_type: str | None = None
    jurisdiction: str | None = None
    issued_at: datetime | None = None


def issuance_time(credential: dict[str, Any]) -> datetime | None:
    """JWT ``iat`` if numeric, else ``validFrom``; None when neither is readable."""
    iat = credential.get("iat")
    if isinstance(iat, int | float) and not isinstance(iat, bool):
        return numeric_date(iat)  # the one NumericDate reader: None for 1e300, NaN…
    valid_from = credential.get("validFrom")
    return parse_datetime(valid_from) if isinstance(valid_from, str) else None


@dataclass(frozen=True)
class IssuanceFacts:
    """What any accreditation judgement of a credential starts from: its issuer, when it was
    issued, and each oretrust type it is with the jurisdiction that type speaks of."""

    issuer: str
    issued_at: datetime
    scopes: tuple[tuple[str, str], ...]


#: Judges an issuance's facts against one trust source.
JudgeFacts = Callable[[IssuanceFacts], IssuerJudgement]


def issuance_facts(
    credential: dict[str, Any], parsed: Mapping[tuple[str, str], Any] | None = None
) -> IssuanceFacts | IssuerJudgement:
    """The facts of a (signature-verified) credential, or the refusal saying which is missing;
    never raises. ``parsed``: subjects of this very credential already validated in the same
    verification (``report.memo``), by ``("subject", type)``, so they are not parsed twice."""
    try:
        issuer = issuer_id(credential)
    except OreTrustError as exc:
        return IssuerJudgement(False, NOT_ACCREDITED, exc.detail)
    types = credential.get("type", [])
    types = [types] if isinstance(types, str) else types
    known = [t for t in types if isinstance(t, str) and t in CREDENTIAL_TYPES]
    if not known:
        return IssuerJudgement(
            False, NOT_ACCREDITED, f"{types!r} is no credential type the registry accredits", issuer
        )
    issued_at = issuance_time(credential)
    if issued_at is None:
        return IssuerJudgement(
            False, NOT_ACCREDITED, "the credential has no readable iat or validFrom", issuer
        )
    scopes = []
    for type_name in known:
        try:
            model = (parsed or {}).get(("subject", type_name))
            jurisdiction = (
                model.jurisdiction_code()
                if isinstance(model, SubjectModel)
                else jurisdiction_of(type_name, credential.get("credentialSubject"))
            )
        except OreTrustError as exc:
            return IssuerJudgement(
                False,
                NOT_ACCREDITED,
                f"cannot tell which jurisdiction the {type_name} speaks of: {exc.detail}",
                issuer,
                type_name,
            )
        scopes.append((type_name, jurisdiction))
    return IssuanceFacts(issuer, issued_at, tuple(scopes))


def self_issued_judgement(credential: dict[str, Any]) -> IssuerJudgement | None:
    """For a self-issued type (a custody event, signed by the party handing the lot over):
    the judgement that its issuer is that party — the registry accredits no one for it, its
    standing comes from the custody chain; None for every other credential. Never raises."""
    types = credential.get("type", [])
    known = [
        CREDENTIAL_TYPES[t]
        for t in ([types] if isinstance(types, str) else types)
        if isinstance(t, str) and t in CREDENTIAL_TYPES
    ]
    if not known or not all(ctype.self_issued for ctype in known):
        return None
    try:
        issuer = issuer_id(credential)
        party = known[0].parse_subject(credential.get("credentialSubject")).issued_by()
    except OreTrustError as exc:
        return IssuerJudgement(False, NOT_ACCREDITED, exc.detail)
    if party != issuer:
        return IssuerJudgement(
            False,
            NOT_ACCREDITED,
            f"a {known[0].name} is issued by the party it names ({party}), not {issuer}",
            issuer,
            known[0].name,
        )
    return IssuerJudgement(
        True,
        "OK",
        f"self-issued {known[0].name}: signed by the party handing the lot over ({issuer}); "
        "the registry accredits no one for it — the custody chain vouches for it",
        issuer,
        known[0].name,
    )


def judge_issuer(
    source: TrustSource,
    credential: dict[str, Any],
    parsed: Mapping[tuple[str, str], Any] | None = None,
    *,
    judge: JudgeFacts | None = None,
) -> IssuerJudgement:
    """Judge a (signature-verified) credential's issuer against ``source``; never raises
    (``parsed``: see :func:`issuance_facts`). ``judge``: what judges the facts against
    ``source`` — :func:`facts_judge` of it unless the caller keeps a memory of those answers."""
    self_issued = self_issued_judgement(credential)
    if self_issued is not None:
        return self_issued
    facts = issuance_facts(credential, parsed)
    if isinstance(facts, IssuerJudgement):
        return facts
    return (judge or facts_judge(source))(facts)


def facts_judge(source: TrustSource) -> JudgeFacts:
    """The judge of issuance facts against ``source`` (a pure function of its answers: a
    caller whose source never changes may remember what it says per facts)."""
    return partial(_judge, source)


def judge_issuance(
    source: TrustSource, *, issuer: str, type_name: str, subject: object, issued_at: datetime
) -> IssuerJudgement:
    """Judge an issuance before it is signed, as :func:`judge_issuer` will judge the
    credential it makes (same type, jurisdiction and time); never raises."""
    if type_name in CREDENTIAL_TYPES and CREDENTIAL_TYPES[type_name].self_issued:
        unsigned = {"type": [type_name], "issuer": issuer, "credentialSubject": subject}
        judgement = self_issued_judgement(unsigned)
        assert judgement is not None
        return judgement
    try:
        jurisdiction = jurisdiction_of(type_name, subject)
    except OreTrustError as exc:
        return IssuerJudgement(
            False,
            NOT_ACCREDITED,
            f"cannot tell which jurisdiction the {type_name} speaks of: {exc.detail}",
            issuer,
            type_name,
        )
    return _judge(source, IssuanceFacts(issuer, issued_at, ((type_name, jurisdiction),)))


def _judge(source: TrustSource, facts: IssuanceFacts) -> IssuerJudgement:
    """The judgement both share: every scope must be covered at the issuance time."""
    issuer, issued_at = facts.issuer, facts.issued_at
    accreditations = source.accreditations(issuer)
    for type_name, jurisdiction in facts.scopes:
        decision = decide(accreditations, issuer, issue_action(type_name), jurisdiction, issued_at)
        if not decision.authorized:
            return IssuerJudgement(
                False,
                NOT_ACCREDITED,
                f"{decision.message} (issued {format_time(issued_at)}, "
                f"registry {source.authority_id})",
                issuer,
                type_name,
                jurisdiction,
                issued_at,
            )
    return IssuerJudgement(
        True,
        "OK",
        f"{decision.message}; issued {format_time(issued_at)}",
        issuer,
        type_name,
        jurisdiction,
        issued_at,
    )


def accreditation_check(source: TrustSource, *, judge: JudgeFacts | None = None) -> CredentialCheck:
    """A :data:`~oretrust.verifier.CredentialCheck` recording ``issuer_accredited``; ``judge``
    as for :func:`judge_issuer` (the kept verifier passes a remembering one)."""

    def check(credential: dict[str, Any], report: VerificationReport, _now: datetime) -> None:
        judgement = judge_issuer(source, credential, report.memo, judge=judge)
        if judgement.authorized:
            report.passed(CHECK_ID, judgement.detail)
        else:
            report.failed(CHECK_ID, judgement.code, judgement.detail)

    return CredentialCheck(CHECK_ID, check)


def home_accreditation_check(home: Home) -> CredentialCheck:
    """``issuer_accredited`` against the home's own registry database.

    Raises NotFoundError ``REGISTRY_NOT_INITIALISED`` when the home has no registry.
    """
    return accreditation_check(RegistryTrustSource(home))
