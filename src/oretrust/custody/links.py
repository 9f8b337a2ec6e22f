"""The links of a custody chain, read from verified credentials.

A link is a lot's *origin* (a ``MineralOriginCertificate``: one lot, in the exporter's
hands), a custody *event* (a ``CustodyTransferCredential``: input lots that leave the
handler's hands, output lots that the buyer — or, for a transformation, the processor —
holds afterwards) or a *period account* (a ``PeriodAccountCredential``: lots a refiner took
into its mass balance over a period, and the lots it drew out; it keeps both, so its handler
and holder are the same party, and its ``period`` bounds the dates of both sides).

Every quantity is carried in the three terms a balance can be kept in:
wet, dry (when the moisture is known) and contained metal (when the grade is known too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypedDict

from oretrust.credentials import (
    CREDENTIAL_TYPES,
    CustodyEvent,
    MineralOrigin,
    PeriodAccount,
    Quantity,
)
from oretrust.custody.rules import Basis, MineralRule
from oretrust.errors import OreTrustError
from oretrust.registry.checks import issuance_time
from oretrust.report import VerificationReport

__all__ = [
    "CHAIN_TYPES",
    "CUSTODY",
    "ORIGIN",
    "PERIOD_ACCOUNT",
    "Link",
    "LotAmount",
    "derived_digests",
    "link_from_report",
    "single_subject",
]

ORIGIN = "MineralOriginCertificate"
CUSTODY = "CustodyTransferCredential"
PERIOD_ACCOUNT = "PeriodAccountCredential"
#: Every type a custody chain is made of.
CHAIN_TYPES = frozenset({ORIGIN, CUSTODY, PERIOD_ACCOUNT})
_KG = {"kg": 1.0, "t": 1000.0}


class _Common(TypedDict):
    """What every link takes from its credential's report."""

    id: str
    digest: str
    issuer: str


@dataclass(frozen=True)
class LotAmount:
    """A quantity of one lot in kilograms: wet, and dry / contained where known."""

    lot_id: str
    wet: float
    dry: float | None
    contained: float | None

    def of(self, basis: Basis) -> float | None:
        """The amount in ``basis``."""
        return {"wet": self.wet, "dry": self.dry, "contained": self.contained}[basis]

    @classmethod
    def of_quantity(cls, lot_id: str, quantity: Quantity) -> LotAmount:
        """From a custody event's weighed and assayed quantity."""
        return cls(lot_id, quantity.wet_kg(), quantity.dry_kg(), quantity.contained_kg())


@dataclass(frozen=True)
class Link:
    """One verified credential of the chain, as the balance sees it."""

    id: str
    digest: str
    kind: str  #: ``origin``, ``TransactionEvent``, ``TransformationEvent`` or ``PeriodAccount``
    issuer: str
    handler: str | None  #: who hands the inputs over (None for an origin)
    holder: str  #: who holds the outputs afterwards
    time: datetime
    mineral: str
    inputs: tuple[LotAmount, ...]
    outputs: tuple[LotAmount, ...]
    references: tuple[tuple[str, str], ...]  #: (credential id, sha256) it derives from
    declared_yield: float | None
    report: VerificationReport
    #: A period account's (start, end): its inputs and the events drawing on it fall within.
    period: tuple[datetime, datetime] | None = None

    def output(self, lot_id: str) -> LotAmount | None:
        """The output lot called ``lot_id``, if this link produced it."""
        return next((lot for lot in self.outputs if lot.lot_id == lot_id), None)

    def label(self) -> str:
        """A short name for reports: ``origin``, ``sale`` or ``transformation`` and the id."""
        kind = {
            "TransactionEvent": "sale",
            "TransformationEvent": "transformation",
            "PeriodAccount": "period account",
        }
        return f"{kind.get(self.kind, self.kind)} {self.id}"


def single_subject(credential: dict[str, Any]) -> dict[str, Any]:
    """A credential's one subject (a custody event's array of one unwrapped); ``{}`` when it
    has none or several. For reading claims of already verified credentials."""
    subject = credential.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if len(subject) == 1 else None
    return subject if isinstance(subject, dict) else {}


def derived_digests(credential: dict[str, Any]) -> set[str]:
    """The SHA-256 digests a custody event says it derives from (``derivedFrom``)."""
    refs = single_subject(credential).get("derivedFrom", [])
    return (
        {str(ref.get("sha256")) for ref in refs if isinstance(ref, dict)}
        if isinstance(refs, list)
        else set()
    )


def link_from_report(
    report: VerificationReport, digest: str, rules: dict[str, MineralRule]
) -> Link | str:
    """The link a *verified* credential report describes, or why it cannot be one."""
    claims = report.claims or {}
    subject: Any = claims.get("credentialSubject")
    types = [t for t in report.types if t in CREDENTIAL_TYPES]
    common = _Common(id=report.credential_id or "", digest=digest, issuer=report.issuer or "")
    kind = next((t for t in (ORIGIN, CUSTODY, PERIOD_ACCOUNT) if t in types), None)
    if kind is None:
        return (
            f"{common['id']} is no origin certificate, custody event or period account "
            f"({', '.join(types)})"
        )
    try:
        parsed = CREDENTIAL_TYPES[kind].parse_subject(subject)
    except OreTrustError as exc:  # an SD-JWT origin with its mass withheld cannot balance
        return f"{common['id']}: {exc.detail}"
    if isinstance(parsed, MineralOrigin):
        return _origin(parsed, claims, common, report, rules)
    if isinstance(parsed, PeriodAccount):
        return _account(parsed, common, report)
    assert isinstance(parsed, CustodyEvent)
    return _event(parsed, common, report)


def _origin(
    origin: MineralOrigin,
    claims: dict[str, Any],
    common: _Common,
    report: VerificationReport,
    rules: dict[str, MineralRule],
) -> Link:
    wet = origin.mass.value * _KG[origin.mass.unit]
    dry = None if origin.moisture is None else wet * (1 - origin.moisture / 100)
    rule = rules.get(origin.mineral)
    grade = next(
        (a.mass_fraction for a in origin.assay if rule is not None and a.analyte == rule.analyte),
        None,
    )
    contained = None if dry is None or grade is None else dry * grade / 100
    issued = issuance_time(claims)
    return Link(
        kind="origin",
        handler=None,
        holder=str(origin.exporter.id),
        time=issued if issued is not None else datetime.min.replace(tzinfo=UTC),
        mineral=str(origin.mineral),
        inputs=(),
        outputs=(LotAmount(origin.lot_id, wet, dry, contained),),
        references=(),
        declared_yield=None,
        report=report,
        **common,
    )


def _event(event: CustodyEvent, common: _Common, report: VerificationReport) -> Link:
    return Link(
        kind=event.kind(),
        handler=event.source_party,
        holder=event.holder_id(),
        time=event.occurred_at(),
        mineral=str(event.mineral),
        inputs=tuple(LotAmount.of_quantity(lot.lot_id, lot.mass) for lot in event.inputs),
        outputs=tuple(LotAmount.of_quantity(lot.lot_id, lot.mass) for lot in event.outputs),
        references=tuple((ref.id, ref.sha256) for ref in event.derived_from),
        declared_yield=event.declared_yield,
        report=report,
        **common,
    )


def _account(account: PeriodAccount, common: _Common, report: VerificationReport) -> Link:
    return Link(
        kind="PeriodAccount",
        handler=account.account_holder,
        holder=account.account_holder,
        time=account.period_end,
        mineral=str(account.mineral),
        inputs=tuple(LotAmount.of_quantity(lot.lot_id, lot.mass) for lot in account.inputs),
        outputs=tuple(LotAmount.of_quantity(lot.lot_id, lot.mass) for lot in account.outputs),
        references=tuple((ref.id, ref.sha256) for ref in account.derived_from),
        declared_yield=account.declared_yield,
        report=report,
        period=(account.period_start, account.period_end),
        **common,
    )
