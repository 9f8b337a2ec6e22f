"""Registering custody events with the ledger, and reading an origin's balance.

:func:`register_event` is the one way an event's draws enter the ledger: the registry runs
:func:`~oretrust.custody.verify_chain` over the submitted event and the documents it derives
from with its own verifier — so only signed, verified, connected and balanced events count —
then, under the ledger's write lock, appends one entry per origin lot drawn, after that
origin's own entry the first time it is seen. A draw already recorded (same event digest) is
not recorded twice, so registering again, or registering a later event of the same chain, is
harmless. A draw that would take an origin beyond what it held is refused whole
(:class:`MassBalanceExceededError`, the excess in kg), and nothing of it is kept.

Transactions: :func:`apply_draws` runs inside the caller's session (it holds the lock);
:func:`commit` reports a lost race on a database with no lock as ConflictError.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from oretrust.codes import Code
from oretrust.custody.chain import ChainReport, credential_digest, verify_chain
from oretrust.custody.ledger._draws import (
    BASES,
    Balance,
    Draw,
    Holding,
    MassBalanceExceededError,
    draws_of,
    overdraw,
    total,
)
from oretrust.custody.ledger._log import append_entry, lock_ledger
from oretrust.custody.links import LotAmount
from oretrust.custody.rules import Basis, MineralRule, mineral_rules
from oretrust.errors import ConflictError, InputError, InvalidCredentialError, NotFoundError
from oretrust.home import Home
from oretrust.store.ledger_models import LedgerEntryRecord
from oretrust.verifier import Verifier

__all__ = [
    "MAX_DOCUMENTS",
    "ChainRejectedError",
    "Registration",
    "apply_draws",
    "balance_of",
    "commit",
    "read_balance",
    "register_event",
]

#: The most documents one registration may carry (a chain longer than that is refused).
MAX_DOCUMENTS = 64


class ChainRejectedError(InvalidCredentialError):
    """The submitted event's chain does not verify; ``code`` is the chain's first problem."""

    def __init__(self, report: ChainReport) -> None:
        first = report.problems[0] if report.problems else None
        detail = first[2] if first else "the chain could not be walked"
        super().__init__(f"custody chain rejected: {detail}", code=report.code, report=report)


@dataclass(frozen=True)
class Registration:
    """What registering an event did: the entries appended, and the balances after."""

    event_id: str
    event_sha256: str
    appended: int
    balances: tuple[Balance, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON form (the 201 body, ``ledger register --json``)."""
        return {
            "event": self.event_id,
            "sha256": self.event_sha256,
            "appended": self.appended,
            "balances": [balance.to_dict() for balance in self.balances],
        }


def register_event(
    home: Home, token: str, documents: Sequence[str], *, verifier: Verifier, now: datetime
) -> Registration:
    """Verify the chain ending in ``token`` and record its draws on origin certificates.

    Raises InputError for too many documents or a chain that draws on no origin,
    ChainRejectedError (the chain's code) when it does not verify, MassBalanceExceededError
    when an origin would be overdrawn across every registered chain, ConflictError
    ``LEDGER_ORIGIN_CONFLICT`` when the ledger knows the origin's id with another digest.
    """
    if len(documents) > MAX_DOCUMENTS:
        raise InputError(
            f"at most {MAX_DOCUMENTS} documents per registration", code=Code.INVALID_INPUT
        )
    report = verify_chain(token, documents, verifier=verifier, now=now)
    if not report.verified:
        raise ChainRejectedError(report)
    rules = mineral_rules()
    holdings, draws = draws_of(report, rules)
    if not draws:
        raise InputError(
            "the chain draws on no origin certificate: nothing to record",
            code=Code.INVALID_INPUT,
        )
    digest = credential_digest(token)
    final = next(link for link in report.links if link.digest == digest)
    with home.session() as session:
        lock_ledger(session)
        appended = apply_draws(session, holdings, draws, rules, now=now)
        drawn = {draw.origin_sha256 for draw in draws}
        balances = tuple(_known(session, h.origin_id) for h in holdings if h.origin_sha256 in drawn)
        commit(session)
    return Registration(final.id, digest, appended, balances)


def apply_draws(
    session: Session,
    holdings: Sequence[Holding],
    draws: Sequence[Draw],
    rules: Mapping[str, MineralRule],
    *,
    now: datetime,
) -> int:
    """Stage ``draws`` (new ones only) after each origin's entry; return how many.

    The caller holds :func:`lock_ledger`; raises MassBalanceExceededError before staging
    anything of an origin that would be overdrawn (the caller's rollback drops the rest).
    """
    appended = 0
    for holding in holdings:
        mine = [d for d in draws if d.origin_sha256 == holding.origin_sha256]
        if not mine:
            continue
        current = read_balance(session, holding.origin_id)
        if current is None:
            append_entry(session, holding, None, now=now)
            current = Balance(holding, total(holding.lot.lot_id, []))
        elif current.holding.origin_sha256 != holding.origin_sha256:
            raise ConflictError(
                f"the ledger knows {holding.origin_id} with another SHA-256: a certificate "
                "re-issued under the same id cannot be drawn on",
                code=Code.LEDGER_ORIGIN_CONFLICT,
            )
        new = [d for d in mine if not _recorded(session, d)]
        found = overdraw(current, [d.amount for d in new], rules[holding.mineral])
        if found is not None:
            raise MassBalanceExceededError(found)
        for draw in new:
            append_entry(session, current.holding, draw, now=now)
            appended += 1
    return appended


def commit(session: Session) -> None:
    """Commit, reporting a lost race for the next ``seq`` as ConflictError."""
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise ConflictError("another ledger entry was recorded at the same time; retry") from exc


def _recorded(session: Session, draw: Draw) -> bool:
    return (
        session.exec(
            select(LedgerEntryRecord.seq).where(
                LedgerEntryRecord.origin_id == draw.origin_id,
                LedgerEntryRecord.kind == draw.kind,
                LedgerEntryRecord.source_sha256 == draw.source_sha256,
                LedgerEntryRecord.lot_id == draw.amount.lot_id,
            )
        ).first()
        is not None
    )


def read_balance(session: Session, origin_id: str, events: Sequence[str] = ()) -> Balance | None:
    """The balance of ``origin_id`` from the ledger's entries, or None if it has none;
    ``registered`` holds those of ``events`` (event digests) drawn on it."""
    rows = list(
        session.exec(
            select(LedgerEntryRecord)
            .where(LedgerEntryRecord.origin_id == origin_id)
            .order_by(col(LedgerEntryRecord.seq))
        )
    )
    origin = next((row for row in rows if row.kind == "origin"), None)
    if origin is None:
        return None
    basis: Basis = origin.basis if origin.basis in BASES else "wet"
    lot = LotAmount(origin.lot_id, origin.wet_kg, origin.dry_kg, origin.contained_kg)
    holding = Holding(
        origin.origin_id, origin.origin_sha256, origin.mineral, origin.country, basis, lot
    )
    drawn = [row for row in rows if row.kind != "origin"]
    consumed = total(
        lot.lot_id, [LotAmount(r.lot_id, r.wet_kg, r.dry_kg, r.contained_kg) for r in drawn]
    )
    asked = set(events)
    registered = frozenset(
        r.source_sha256 for r in drawn if r.kind == "event" and r.source_sha256 in asked
    )
    return Balance(holding, consumed, registered)


def _known(session: Session, origin_id: str) -> Balance:
    balance = read_balance(session, origin_id)
    assert balance is not None, "an origin drawn on has its entry"
    return balance


def balance_of(home: Home, origin_id: str, *, events: Sequence[str] = ()) -> Balance:
    """The ledger's balance of ``origin_id``; NotFoundError ``ORIGIN_NOT_IN_LEDGER`` when no
    registered event or export ever drew on it."""
    with home.session() as session:
        balance = read_balance(session, origin_id, events)
    if balance is None:
        raise NotFoundError(
            f"the ledger has no origin certificate {origin_id[:256]!r}",
            code=Code.ORIGIN_NOT_IN_LEDGER,
        )
    return balance
