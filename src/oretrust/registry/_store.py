"""Between registry tables and the pure model: row conversions, loading and storing state.

Internal module; table rows never leave the registry package.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from oretrust.codes import Code
from oretrust.errors import NotFoundError
from oretrust.home import Home
from oretrust.registry._events import RegistryState
from oretrust.registry._model import (
    Accreditation,
    Grant,
    JurisdictionFlag,
    Recognition,
    Risk,
    Suspension,
    format_time,
    parse_time,
)
from oretrust.store.db import as_utc
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
    "load_subject",
    "recognition_from_row",
    "recognition_row",
    "registry_did_of",
    "store_subject",
]

REGISTRY_SETTING = "registry_did"


def registry_did_of(home: Home) -> str:
    """The registry operator's DID; raise NotFoundError if ``registry init`` never ran."""
    with home.session() as session:
        setting = session.get(HomeSetting, REGISTRY_SETTING)
    if setting is None:
        raise NotFoundError(
            "this home has no trust registry (run 'oretrust registry init')",
            code=Code.REGISTRY_NOT_INITIALISED,
        )
    return setting.value


def registry_display_name(session: Session, did: str) -> str:
    """The operator's display name as registered among the home's issuers."""
    record = session.exec(select(IssuerRecord).where(IssuerRecord.did == did)).first()
    return record.display_name if record else did


def _grant_fields(source: Grant | AccreditationRecord | RecognitionRecord) -> dict[str, Any]:
    """The :class:`Grant` fields of a model or a row, times in UTC (rows and models alike)."""
    values = {field.name: getattr(source, field.name) for field in fields(Grant)}
    return {name: as_utc(v) if isinstance(v, datetime) else v for name, v in values.items()}


def accreditation_from_row(row: AccreditationRecord) -> Accreditation:
    """The model of a stored accreditation."""
    return Accreditation(
        **_grant_fields(row),
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
    return AccreditationRecord(**_grant_fields(model), suspensions=suspensions)


def recognition_from_row(row: RecognitionRecord) -> Recognition:
    """The model of a stored recognition."""
    return Recognition(**_grant_fields(row))


def recognition_row(model: Recognition) -> RecognitionRecord:
    """A row holding ``model``."""
    return RecognitionRecord(**_grant_fields(model))


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
        flagged_at=as_utc(model.flagged_at),
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


def load_subject(session: Session, authority_id: str, subject: str) -> RegistryState:
    """The accreditation, recognition or flag stored under ``subject``, as a state to change."""
    accreditation = session.get(AccreditationRecord, subject)
    recognition = session.get(RecognitionRecord, subject)
    flag = session.get(JurisdictionFlagRecord, subject)
    return RegistryState(
        authority_id=authority_id,
        accreditations={subject: accreditation_from_row(accreditation)} if accreditation else {},
        recognitions={subject: recognition_from_row(recognition)} if recognition else {},
        flags={subject: flag_from_row(flag)} if flag else {},
    )


def store_subject(session: Session, state: RegistryState, subject: str) -> None:
    """Stage the rows of ``subject`` as ``state`` now has them (an unflagged code is deleted)."""
    if subject in state.accreditations:
        session.merge(accreditation_row(state.accreditations[subject]))
    elif subject in state.recognitions:
        session.merge(recognition_row(state.recognitions[subject]))
    elif subject in state.flags:
        session.merge(flag_row(state.flags[subject]))
    elif (flag := session.get(JurisdictionFlagRecord, subject)) is not None:
        session.delete(flag)
