"""Bulk accreditation: many grants as one transaction of ordinary signed, chained events.

A national registry is loaded from an existing register (thousands of licensed exporters),
and :func:`~oretrust.registry.accredit` pays a transaction, a key load and a head read per
grant. :func:`accredit_many` takes the log's lock once, reads the head once, loads the
operator's key once and stages one ``accreditation.granted`` event per grant — each signed,
hash-chained to the previous one and applied to the state by the same
:func:`~oretrust.registry._events.apply_event` the single path uses — so ``verify_log``
replays a bulk load exactly as it replays single grants. Every grant is validated (DID, type,
jurisdiction, period) and checked against live accreditations (stored or earlier in the
batch) before anything is written: one bad grant and nothing is stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from oretrust.codes import Code
from oretrust.errors import ConflictError
from oretrust.home import Home
from oretrust.identities import signer_for
from oretrust.registry._events import RegistryState, grant_data
from oretrust.registry._log import append_event, commit, head_of, lock_log
from oretrust.registry._model import (
    Accreditation,
    check_did,
    check_jurisdiction,
    issue_action,
    whole_seconds,
)
from oretrust.registry._store import accreditation_from_row, accreditation_row, registry_did_of
from oretrust.store.registry_models import AccreditationRecord

__all__ = ["GrantRequest", "accredit_many"]

_LIVE = ("active", "pending", "suspended")
_IN_CHUNK = 500  # entity ids per IN (...) when reading existing accreditations


@dataclass(frozen=True)
class GrantRequest:
    """One accreditation to grant: what :func:`~oretrust.registry.accredit` takes."""

    entity_id: str
    credential_type: str
    jurisdiction: str
    valid_from: datetime | None = None
    valid_until: datetime | None = None


def accredit_many(
    home: Home,
    grants: Sequence[GrantRequest],
    *,
    now: datetime,
    reason: str = "",
    actor: str | None = None,
) -> list[Accreditation]:
    """Grant every accreditation in ``grants`` in one transaction; return them in order.

    Raises as :func:`~oretrust.registry.accredit` does (InputError for a bad grant,
    ConflictError ``ALREADY_ACCREDITED`` for a live duplicate, in the store or in the batch),
    before anything is written.
    """
    authority = registry_did_of(home)
    planned = [_planned(grant, now) for grant in grants]
    signer = signer_for(home, authority)
    state = RegistryState(authority_id=authority)
    with home.session() as session:
        lock_log(session)  # the duplicate check below is judged under the lock
        live = _live_keys(session, {key[0] for _, key, _ in planned}, now)
        for _, key, _ in planned:
            if key in live:
                raise ConflictError(
                    f"{key[0]} already holds an accreditation for {key[1]} on {key[2]}",
                    code=Code.ALREADY_ACCREDITED,
                )
            live.add(key)
        head = head_of(session)
        for accreditation_id, _, data in planned:
            head = append_event(
                home,
                session,
                state,
                authority_id=authority,
                kind="accreditation.granted",
                subject=accreditation_id,
                data=data,
                reason=reason,
                actor=actor,
                now=now,
                head=head,
                signer=signer,
            )
            session.add(accreditation_row(state.accreditations[accreditation_id]))
        commit(session)
    return [state.accreditations[accreditation_id] for accreditation_id, _, _ in planned]


def _planned(
    grant: GrantRequest, now: datetime
) -> tuple[str, tuple[str, str, str], dict[str, str | None]]:
    """A new id, the ``(entity, action, resource)`` key and the event data of one grant,
    validated as the single path validates."""
    check_did(grant.entity_id)
    action = issue_action(grant.credential_type)
    check_jurisdiction(grant.jurisdiction)
    data = grant_data(
        grant.entity_id,
        action,
        grant.jurisdiction,
        now=now,
        valid_from=grant.valid_from,
        valid_until=grant.valid_until,
    )
    key = (grant.entity_id, action, grant.jurisdiction)
    return f"urn:uuid:{uuid.uuid4()}", key, data


def _live_keys(
    session: Session, entities: Iterable[str], now: datetime
) -> set[tuple[str, str, str]]:
    """``(entity, action, resource)`` of every live stored accreditation of ``entities``."""
    wanted = sorted(entities)
    keys: set[tuple[str, str, str]] = set()
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        rows = session.exec(
            select(AccreditationRecord).where(col(AccreditationRecord.entity_id).in_(chunk))
        )
        for row in rows:
            model = accreditation_from_row(row)
            if model.status(whole_seconds(now)) in _LIVE:
                keys.add((model.entity_id, model.action, model.resource))
    return keys
