"""Border exit: customs records an export against an origin certificate, and it is consumed.

The exported quantity is a draw on the certificate's lot in the same ledger as the custody
events, so one certificate cannot cover a second truck: an export beyond what remains is
:class:`~oretrust.custody.ledger.MassBalanceExceededError` with the excess. The mass is the
weighed (wet) mass at the border; its dry and contained terms follow the certificate's own
moisture and assay (it is the certificate's lot that leaves).

Who may record: the customs administration of the origin's country — the issuer the home's
registry accredits, now, to issue ``AuthorisedEconomicOperatorCredential`` for that country
(:class:`ExportNotAuthorisedError` otherwise). The declaration itself (number, HS code,
seals, importer) stays in ``ledger_export`` for auditors; the public ledger keeps only its
SHA-256 and the masses. The same declaration recorded again is answered with the first
record; the same number with other details is ``EXPORT_CONFLICT``.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from oretrust.codes import Code
from oretrust.custody.chain import credential_digest
from oretrust.custody.ledger._draws import Balance, Draw, Holding, holding_of
from oretrust.custody.ledger._log import export_digest, lock_ledger
from oretrust.custody.ledger._service import apply_draws, commit, read_balance
from oretrust.custody.links import Link, LotAmount, link_from_report
from oretrust.custody.rules import mineral_rules
from oretrust.errors import (
    ConflictError,
    InputError,
    InvalidCredentialError,
    NotFoundError,
    OreTrustError,
)
from oretrust.home import Home
from oretrust.registry import RegistryTrustSource, issue_action
from oretrust.store.db import as_utc
from oretrust.store.ledger_models import LedgerExportRecord
from oretrust.verifier import Verifier

__all__ = [
    "CUSTOMS_TYPE",
    "ExportDeclaration",
    "ExportNotAuthorisedError",
    "RecordedExport",
    "list_exports",
    "parse_mass",
    "record_export",
]

#: The credential type whose accredited issuer for a country is that country's customs.
CUSTOMS_TYPE = "AuthorisedEconomicOperatorCredential"
_HS_CODE = re.compile(r"^[0-9]{6,10}$")
_MASS = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(kg|t)\s*$")


class ExportNotAuthorisedError(OreTrustError):
    """The recorder is not the customs administration of the origin's country."""

    default_code = Code.EXPORT_NOT_AUTHORISED


def parse_mass(text: str) -> float:
    """``24.85t`` or ``24850 kg`` in kilograms; InputError ``INVALID_INPUT`` otherwise."""
    match = _MASS.match(text)
    if match is None or float(match.group(1)) <= 0:
        raise InputError(
            f"mass {text[:32]!r}: give a positive mass in t or kg, e.g. 24.85t",
            code=Code.INVALID_INPUT,
        )
    return float(match.group(1)) * (1000.0 if match.group(2) == "t" else 1.0)


@dataclass(frozen=True)
class ExportDeclaration:
    """A customs export declaration, validated."""

    declaration_number: str
    hs_code: str
    importer: str
    wet_kg: float
    seals: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        texts = [self.declaration_number, self.importer, *self.seals]
        if any(not t.strip() or len(t) > 128 for t in texts) or not 0 < len(self.seals) <= 32:
            raise InputError(
                "an export names its declaration, importer and 1-32 seal numbers (each 1-128 "
                "characters)",
                code=Code.INVALID_INPUT,
            )
        if not _HS_CODE.match(self.hs_code):
            raise InputError(
                f"HS code {self.hs_code[:16]!r} must be 6 to 10 digits", code=Code.INVALID_INPUT
            )
        if not self.wet_kg > 0 or self.wet_kg > 1e9:
            raise InputError("the exported mass must be positive", code=Code.INVALID_INPUT)


@dataclass(frozen=True)
class RecordedExport:
    """A recorded export and the certificate's balance after it."""

    id: str
    declaration_number: str
    balance: Balance

    def to_dict(self) -> dict[str, Any]:
        """JSON form (the 201 body): the export's id and the public balance."""
        return {
            "export": self.id,
            "declaration": self.declaration_number,
            "balance": self.balance.to_dict(),
        }


def record_export(
    home: Home,
    declaration: ExportDeclaration,
    *,
    origin_id: str,
    recorded_by: str,
    certificate: str | None,
    verifier: Verifier,
    now: datetime,
) -> RecordedExport:
    """Record ``declaration`` against ``origin_id`` as ``recorded_by`` (an issuer DID).

    ``certificate`` (the origin certificate's token) is verified and needed unless the
    ledger knows the origin already. Raises NotFoundError ``ORIGIN_NOT_IN_LEDGER``,
    InvalidCredentialError for a certificate that does not verify, ExportNotAuthorisedError,
    ConflictError ``EXPORT_CONFLICT``, MassBalanceExceededError.
    """
    holding = _holding(home, origin_id, certificate, verifier, now)
    _authorise(home, recorded_by, holding.country, now)
    with home.session() as session:
        lock_ledger(session)
        earlier = _earlier(session, declaration, origin_id)
        if earlier is not None:
            balance = read_balance(session, origin_id)
            assert balance is not None
            return RecordedExport(earlier.id, earlier.declaration_number, balance)
        record = LedgerExportRecord(
            id=f"urn:uuid:{uuid.uuid4()}",
            declaration_number=declaration.declaration_number,
            origin_id=origin_id,
            hs_code=declaration.hs_code,
            seals=list(declaration.seals),
            importer=declaration.importer,
            wet_kg=declaration.wet_kg,
            recorded_by=recorded_by,
            recorded_at=as_utc(now),
            sha256="",
        )
        record.sha256 = export_digest(record)
        draw = Draw(
            origin_id, holding.origin_sha256, "export", record.id, record.sha256,
            _in_terms_of(holding.lot, declaration.wet_kg),
        )  # fmt: skip
        apply_draws(session, [holding], [draw], mineral_rules(), now=now)
        session.add(record)
        balance = read_balance(session, origin_id)
        assert balance is not None
        commit(session)
    return RecordedExport(record.id, record.declaration_number, balance)


def _in_terms_of(lot: LotAmount, wet: float) -> LotAmount:
    share = wet / lot.wet
    return LotAmount(
        lot.lot_id,
        wet,
        None if lot.dry is None else lot.dry * share,
        None if lot.contained is None else lot.contained * share,
    )


def _earlier(
    session: Session, declaration: ExportDeclaration, origin_id: str
) -> LedgerExportRecord | None:
    earlier = session.exec(
        select(LedgerExportRecord).where(
            LedgerExportRecord.declaration_number == declaration.declaration_number
        )
    ).first()
    if earlier is None:
        return None
    same = (
        earlier.origin_id == origin_id
        and earlier.hs_code == declaration.hs_code
        and tuple(earlier.seals) == declaration.seals
        and earlier.importer == declaration.importer
        and earlier.wet_kg == declaration.wet_kg
    )
    if not same:
        raise ConflictError(
            f"declaration {declaration.declaration_number} is recorded already, with other details",
            code=Code.EXPORT_CONFLICT,
        )
    return earlier


def _holding(
    home: Home, origin_id: str, certificate: str | None, verifier: Verifier, now: datetime
) -> Holding:
    if certificate is None:
        with home.session() as session:
            known = read_balance(session, origin_id)
        if known is None:
            raise NotFoundError(
                f"the ledger has no origin certificate {origin_id[:256]!r}: give the "
                "certificate with the export",
                code=Code.ORIGIN_NOT_IN_LEDGER,
            )
        return known.holding
    checked = verifier.check_credential(certificate, now=now)
    if not checked.verified:
        raise InvalidCredentialError(
            f"the origin certificate does not verify ({checked.code})",
            code=checked.code,
            credential_id=checked.credential_id,
            report=checked,
        )
    link = link_from_report(checked, credential_digest(certificate), dict(mineral_rules()))
    if not isinstance(link, Link) or link.kind != "origin" or link.id != origin_id:
        raise InputError(
            f"the certificate given is not origin certificate {origin_id[:256]!r}",
            code=Code.INVALID_INPUT,
        )
    return holding_of(link, mineral_rules())


def _authorise(home: Home, recorded_by: str, country: str, now: datetime) -> None:
    action = issue_action(CUSTOMS_TYPE)
    try:
        grants = RegistryTrustSource(home).accreditations(recorded_by)
    except NotFoundError:
        grants = []
    if not any(g.covers(action, country) and g.authorizes_at(now) for g in grants):
        raise ExportNotAuthorisedError(
            f"{recorded_by} is not accredited as the customs administration of {country} "
            f"(issue:{CUSTOMS_TYPE} for {country}) by this registry"
        )


def list_exports(home: Home, origin_id: str | None = None) -> list[dict[str, Any]]:
    """The recorded declarations (auditors' view), oldest first."""
    query = select(LedgerExportRecord).order_by(col(LedgerExportRecord.recorded_at))
    if origin_id is not None:
        query = query.where(LedgerExportRecord.origin_id == origin_id)
    with home.session() as session:
        rows = list(session.exec(query))
    return [
        {
            "export": row.id,
            "declaration": row.declaration_number,
            "origin": row.origin_id,
            "hs_code": row.hs_code,
            "seals": list(row.seals),
            "importer": row.importer,
            "wet_kg": row.wet_kg,
            "recorded_by": row.recorded_by,
            "recorded_at": as_utc(row.recorded_at).isoformat().replace("+00:00", "Z"),
            "sha256": row.sha256,
        }
        for row in rows
    ]
