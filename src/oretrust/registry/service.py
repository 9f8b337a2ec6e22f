"""The registry operator's service: initialise, then accredit, suspend, reinstate, withdraw, renew.

Every change is one signed, hash-chained event (see :mod:`oretrust.registry._events`) stored
together with the state it produces, in one transaction. Callers get model objects
(:class:`~oretrust.registry.Accreditation`…), never table rows. The clock is a parameter:
``now`` is when the change is recorded; ``effective`` is when it takes effect, which may be in
the past (a withdrawal after fraud is found) or the future.

Errors: InputError (bad DID, type, jurisdiction, period, missing reason), NotFoundError
(no registry, no such accreditation), ConflictError (the lifecycle forbids the change).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import select

from oretrust import identities
from oretrust.codes import Code
from oretrust.errors import ConflictError, NotFoundError
from oretrust.home import Home
from oretrust.registry._events import RegistryState, grant_data
from oretrust.registry._log import append_event, commit, lock_log, registry_change
from oretrust.registry._model import (
    Accreditation,
    check_did,
    check_jurisdiction,
    format_time,
    issue_action,
    require_text,
    whole_seconds,
)
from oretrust.registry._store import (
    REGISTRY_SETTING,
    accreditation_from_row,
    registry_did_of,
    registry_display_name,
)
from oretrust.registry.flags import flag_jurisdiction, packaged_flag_seeds
from oretrust.store.models import HomeSetting
from oretrust.store.registry_models import AccreditationRecord

__all__ = [
    "RegistryInfo",
    "accredit",
    "find_accreditation",
    "init_registry",
    "list_accreditations",
    "registry_info",
    "reinstate",
    "renew",
    "suspend",
    "withdraw",
]


@dataclass(frozen=True)
class RegistryInfo:
    """The registry operator of a home."""

    did: str
    display_name: str


def init_registry(
    home: Home,
    *,
    did: str,
    display_name: str,
    now: datetime,
    name: str = "registry",
    default_flags: bool = True,
    actor: str | None = None,
) -> RegistryInfo:
    """Create the registry operator (an issuer with ``role="registry"``) and the genesis event.

    With ``default_flags`` the packaged starting set of conflict-affected jurisdictions is
    flagged too. Raises ConflictError if this home already has a registry.
    """
    with home.session() as session:
        if session.get(HomeSetting, REGISTRY_SETTING) is not None:
            raise ConflictError("this home already has a trust registry", code=Code.REGISTRY_EXISTS)
    identities.add_issuer(home, name, display_name=display_name, did=did, now=now, role="registry")
    with home.session() as session:
        lock_log(session)
        session.add(HomeSetting(key=REGISTRY_SETTING, value=did))
        append_event(
            home,
            session,
            RegistryState(),
            authority_id=did,
            kind="registry.initialised",
            subject=did,
            data={"did": did, "display_name": display_name},
            reason="registry created",
            actor=actor,
            now=now,
        )
        commit(session)
    if default_flags:
        for seed in packaged_flag_seeds():
            flag_jurisdiction(
                home,
                seed.code,
                risk=seed.risk,
                source=seed.source,
                as_of=seed.as_of,
                now=now,
                reason="oretrust starting set",
                actor=actor,
            )
    return RegistryInfo(did, display_name)


def registry_info(home: Home) -> RegistryInfo:
    """The home's registry operator; raise NotFoundError ``REGISTRY_NOT_INITIALISED``."""
    did = registry_did_of(home)
    with home.session() as session:
        return RegistryInfo(did, registry_display_name(session, did))


# ---------------------------------------------------------------------------- accreditations
def accredit(
    home: Home,
    entity_id: str,
    credential_type: str,
    jurisdiction: str,
    *,
    now: datetime,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    reason: str = "",
    actor: str | None = None,
    delegate: bool = False,
) -> Accreditation:
    """Accredit ``entity_id`` to issue ``credential_type`` for ``jurisdiction`` (covers its parts).

    ``valid_from`` defaults to ``now``; ``valid_until`` None is open-ended. With ``delegate``
    the entity is a registry accredited to *accredit* others for that type within that
    jurisdiction (action ``accredit:<Type>``, see :mod:`oretrust.registry.chains`). Raises
    ConflictError if a live accreditation for the same entity, action and jurisdiction exists.
    """
    registry_did_of(home)  # a home without a registry is reported before bad input
    check_did(entity_id)
    action = issue_action(credential_type)
    if delegate:
        action = "accredit:" + action.removeprefix("issue:")
    check_jurisdiction(jurisdiction)
    data = grant_data(
        entity_id, action, jurisdiction, now=now, valid_from=valid_from, valid_until=valid_until
    )
    accreditation_id = f"urn:uuid:{uuid.uuid4()}"
    with registry_change(home, accreditation_id) as change:  # the duplicate check is locked too
        _refuse_duplicate(home, entity_id, action, jurisdiction, now=now)
        change.record("accreditation.granted", data, reason=reason, actor=actor, now=now)
    return change.state.accreditations[accreditation_id]


def _refuse_duplicate(
    home: Home, entity_id: str, action: str, jurisdiction: str, *, now: datetime
) -> None:
    """Raise ConflictError ``ALREADY_ACCREDITED`` if ``entity_id`` holds a live accreditation
    for ``action`` on ``jurisdiction`` (active, pending or suspended)."""
    for existing in list_accreditations(home, entity_id=entity_id):
        if (existing.action, existing.resource) == (action, jurisdiction) and existing.status(
            whole_seconds(now)
        ) in ("active", "pending", "suspended"):
            raise ConflictError(
                f"{entity_id} already holds {existing.id} for {action} on {jurisdiction} "
                f"({existing.describe_status(whole_seconds(now))}): "
                "renew, reinstate or withdraw it",
                code=Code.ALREADY_ACCREDITED,
            )


def suspend(
    home: Home,
    accreditation_id: str,
    *,
    reason: str,
    now: datetime,
    effective: datetime | None = None,
    actor: str | None = None,
) -> Accreditation:
    """Suspend from ``effective`` (default ``now``) until reinstated; ``reason`` is required."""
    data = {"effective_at": format_time(effective or now)}
    return _change(
        home, accreditation_id, "accreditation.suspended", data, require_text(reason), actor, now
    )


def reinstate(
    home: Home,
    accreditation_id: str,
    *,
    now: datetime,
    reason: str = "",
    effective: datetime | None = None,
    actor: str | None = None,
) -> Accreditation:
    """End the current suspension at ``effective`` (default ``now``)."""
    data = {"effective_at": format_time(effective or now)}
    return _change(home, accreditation_id, "accreditation.reinstated", data, reason, actor, now)


def withdraw(
    home: Home,
    accreditation_id: str,
    *,
    effective: datetime,
    reason: str,
    now: datetime,
    actor: str | None = None,
) -> Accreditation:
    """Withdraw for good as of ``effective``, which may be in the past; ``reason`` is required.

    Credentials the entity issued from ``effective`` on fail ``issuer_accredited``; earlier
    ones still pass. A second withdrawal may only move the effective time earlier.
    """
    data = {"effective_at": format_time(effective)}
    return _change(
        home, accreditation_id, "accreditation.withdrawn", data, require_text(reason), actor, now
    )


def renew(
    home: Home,
    accreditation_id: str,
    *,
    valid_until: datetime,
    now: datetime,
    reason: str = "",
    actor: str | None = None,
) -> Accreditation:
    """Extend a not yet expired, not withdrawn accreditation to ``valid_until``."""
    data = {"valid_until": format_time(valid_until)}
    return _change(home, accreditation_id, "accreditation.renewed", data, reason, actor, now)


def find_accreditation(
    home: Home, entity_id: str, credential_type: str, jurisdiction: str
) -> Accreditation:
    """The accreditation of ``entity_id`` for exactly this type and jurisdiction.

    Prefers one not withdrawn, then the most recent. Raises NotFoundError.
    """
    action = issue_action(credential_type)
    matches = [
        a
        for a in list_accreditations(home, entity_id=entity_id)
        if a.action == action and a.resource == jurisdiction
    ]
    if not matches:
        raise NotFoundError(f"{entity_id} has no accreditation for {action} on {jurisdiction}")
    return max(matches, key=lambda a: (a.withdrawn_at is None, a.valid_from))


def list_accreditations(home: Home, *, entity_id: str | None = None) -> list[Accreditation]:
    """Every accreditation (all states), by entity, action, jurisdiction and start."""
    with home.session() as session:
        query = select(AccreditationRecord)
        if entity_id is not None:
            query = query.where(AccreditationRecord.entity_id == entity_id)
        models = [accreditation_from_row(row) for row in session.exec(query)]
    return sorted(models, key=lambda a: (a.entity_id, a.action, a.resource, a.valid_from))


# ---------------------------------------------------------------------------- helpers
def _change(
    home: Home,
    accreditation_id: str,
    kind: str,
    data: dict[str, Any],
    reason: str,
    actor: str | None,
    now: datetime,
) -> Accreditation:
    with registry_change(home, accreditation_id) as change:
        current = change.state.accreditations.get(accreditation_id)
        if current is None:
            raise NotFoundError(f"no accreditation {accreditation_id}")
        about = {
            "entity_id": current.entity_id,
            "action": current.action,
            "resource": current.resource,
        }
        change.record(kind, {**about, **data}, reason=reason, actor=actor, now=now)
    return change.state.accreditations[accreditation_id]
