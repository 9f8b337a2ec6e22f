"""Between registry tables and the pure model: row conversions and whole-state loading.

Internal module; table rows never leave the registry package.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from oretrust.errors import NotFoundError
from oretrust.home import Home
from oretrust.registry._events import RegistryState
from oretrust.registry._model import (
    Accreditation,
    JurisdictionFlag,
    Recognition,
    Risk,
    Suspension,
    format_time,
    parse_time,
)
from oretrust.store.db import as_utc, utc_naive
from oretrust.store.models import HomeSetting, IssuerRecord
from oretrust.store.registry_models import (
    AccreditationRecord,
    JurisdictionFlagRecord,
    RecognitionRecord,
)

__all__ = [
    "REGISTRY_SETTING",
    "accreditation_from_row",
    "accreditation_row",
    "flag_from_row",
    "flag_row",
    "load_state",
    "recognition_from_row",
    "recognition_row",
    "registry_did_of",
]

REGISTRY_SETTING = "registry_did"


def registry_did_of(home: Home) -> str:
    """The registry operator's DID; raise NotFoundError if ``registry init`` never ran."""
    with home.session() as session:
        setting = session.get(HomeSetting, REGISTRY_SETTING)
    if setting is None:
        raise NotFoundError(
            "this home has no trust registry (run 'oretrust registry init')",
            code="REGISTRY_NOT_INITIALISED",
        )
    return setting.value


def registry_display_name(session: Session, did: str) -> str:
    """The operator's display name as registered among the home's issuers."""
    record = session.exec(select(IssuerRecord).where(IssuerRecord.did == did)).first()
    return record.display_name if record else did


def accreditation_from_row(row: AccreditationRecord) -> Accreditation:
    """The model of a stored accreditation."""
    return Accreditation(
        id=row.id,
        authority_id=row.authority_id,
        entity_id=row.entity_id,
        action=row.action,
        resource=row.resource,
        valid_from=as_utc(row.valid_from),
        valid_until=as_utc(row.valid_until) if row.valid_until else None,
        withdrawn_at=as_utc(row.withdrawn_at) if row.withdrawn_at else None,
        suspensions=tuple(
            Suspension(parse_time(s["from"]), parse_time(s["until"]) if s.get("until") else None)
            for s in row.suspensions
        ),
    )


def accreditation_row(model: Accreditation) -> AccreditationRecord:
    """A row holding ``model`` (merge it to insert or update)."""
    suspensions: list[dict[str, Any]] = [
        {"from": format_time(s.start), "until": format_time(s.end) if s.end else None}
        for s in model.suspensions
    ]
    return AccreditationRecord(
        id=model.id,
        authority_id=model.authority_id,
        entity_id=model.entity_id,
        action=model.action,
        resource=model.resource,
        valid_from=utc_naive(model.valid_from),
        valid_until=utc_naive(model.valid_until) if model.valid_until else None,
        withdrawn_at=utc_naive(model.withdrawn_at) if model.withdrawn_at else None,
        suspensions=suspensions,
    )


def recognition_from_row(row: RecognitionRecord) -> Recognition:
    """The model of a stored recognition."""
    return Recognition(
        id=row.id,
        authority_id=row.authority_id,
        entity_id=row.entity_id,
        action=row.action,
        resource=row.resource,
        valid_from=as_utc(row.valid_from),
        valid_until=as_utc(row.valid_until) if row.valid_until else None,
        withdrawn_at=as_utc(row.withdrawn_at) if row.withdrawn_at else None,
    )


def recognition_row(model: Recognition) -> RecognitionRecord:
    """A row holding ``model``."""
    return RecognitionRecord(
        id=model.id,
        authority_id=model.authority_id,
        entity_id=model.entity_id,
        action=model.action,
        resource=model.resource,
        valid_from=utc_naive(model.valid_from),
        valid_until=utc_naive(model.valid_until) if model.valid_until else None,
        withdrawn_at=utc_naive(model.withdrawn_at) if model.withdrawn_at else None,
    )


def flag_from_row(row: JurisdictionFlagRecord) -> JurisdictionFlag:
    """The model of a stored jurisdiction flag."""
    risk: Risk = "conflict" if row.risk == "conflict" else "high"
    return JurisdictionFlag(row.code, risk, row.source, row.as_of, as_utc(row.flagged_at))


def flag_row(model: JurisdictionFlag) -> JurisdictionFlagRecord:
    """A row holding ``model``."""
    return JurisdictionFlagRecord(
        code=model.code,
        risk=model.risk,
        source=model.source,
        as_of=model.as_of,
        flagged_at=utc_naive(model.flagged_at),
    )


def load_state(session: Session, authority_id: str | None) -> RegistryState:
    """Every accreditation, recognition and flag as the tables hold them."""
    return RegistryState(
        authority_id=authority_id,
        display_name=registry_display_name(session, authority_id) if authority_id else None,
        accreditations={
            row.id: accreditation_from_row(row) for row in session.exec(select(AccreditationRecord))
        },
        recognitions={
            row.id: recognition_from_row(row) for row in session.exec(select(RecognitionRecord))
        },
        flags={
            row.code: flag_from_row(row) for row in session.exec(select(JurisdictionFlagRecord))
        },
    )
