"""What an issuer has issued (internal; the face is :mod:`oretrust.issuer`).

An issuer must be able to answer "what did we issue, to whom, and what is its status now"
without keeping the credentials themselves: the :class:`~oretrust.store.models.
IssuedCredentialRecord` (id, type, holder, times, hash) joined with the credential's status
entry, if it has one, gives exactly that. Reading only: nothing is written here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlmodel import col, select

from oretrust.codes import Code
from oretrust.errors import InputError
from oretrust.home import Home
from oretrust.identities import find_issuer
from oretrust.status.rules import STATUS_NAMES
from oretrust.store.db import as_utc
from oretrust.store.models import IssuedCredentialRecord
from oretrust.store.status_models import StatusEntryRecord

__all__ = ["STATUS_FILTERS", "IssuedSummary", "list_issued", "recorded_ids"]

#: The ``status`` filter values (lower case, as the CLI and the API take them).
STATUS_FILTERS: Final = ("valid", "revoked", "suspended")


@dataclass(frozen=True)
class IssuedSummary:
    """One issued credential as its issuer's records know it (never the credential).

    ``status`` is the current status in lower case, or None for a credential issued without
    a status entry; ``status_list`` / ``status_index`` say where it is published.
    """

    id: str
    type: str
    format: str
    issuer: str
    holder: str | None
    issued_at: datetime
    valid_from: datetime
    valid_until: datetime | None
    status: str | None
    status_list: str | None
    status_index: int | None

    def to_dict(self) -> dict[str, Any]:
        """JSON form (times as ISO 8601)."""
        return {
            "id": self.id,
            "type": self.type,
            "format": self.format,
            "issuer": self.issuer,
            "holder": self.holder,
            "issued_at": self.issued_at.isoformat(),
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "status": self.status,
            "status_list": self.status_list,
            "status_index": self.status_index,
        }


def list_issued(
    home: Home,
    *,
    issuer: str,
    type_name: str | None = None,
    since: datetime | None = None,
    status: str | None = None,
) -> list[IssuedSummary]:
    """The credentials ``issuer`` (name or DID) issued, oldest first, optionally narrowed.

    ``since`` keeps those issued at or after it; ``status`` one of :data:`STATUS_FILTERS`
    (a credential without status entry matches none). Raises NotFoundError (no such
    issuer), InputError ``INVALID_INPUT`` (an unknown status filter).
    """
    if status is not None and status not in STATUS_FILTERS:
        raise InputError(
            f"status must be one of {', '.join(STATUS_FILTERS)}, not {status!r}",
            code=Code.INVALID_INPUT,
        )
    did = find_issuer(home, issuer).did
    query = (
        select(IssuedCredentialRecord, StatusEntryRecord)
        .join(
            StatusEntryRecord,
            col(StatusEntryRecord.credential_id) == col(IssuedCredentialRecord.id),
            isouter=True,
        )
        .where(col(IssuedCredentialRecord.issuer_did) == did)
        .order_by(col(IssuedCredentialRecord.issued_at), col(IssuedCredentialRecord.id))
    )
    if type_name is not None:
        query = query.where(col(IssuedCredentialRecord.type) == type_name)
    if since is not None:
        query = query.where(col(IssuedCredentialRecord.issued_at) >= as_utc(since))
    with home.session() as session:
        rows = list(session.exec(query))
    summaries = [_summary(record, entry) for record, entry in rows]
    return [s for s in summaries if status is None or s.status == status]


def _summary(record: IssuedCredentialRecord, entry: StatusEntryRecord | None) -> IssuedSummary:
    return IssuedSummary(
        record.id,
        record.type,
        record.format,
        record.issuer_did,
        record.holder_did,
        as_utc(record.issued_at),
        as_utc(record.valid_from),
        as_utc(record.valid_until) if record.valid_until else None,
        STATUS_NAMES[entry.status].lower() if entry is not None else None,
        entry.list_id if entry is not None else None,
        entry.list_index if entry is not None else None,
    )


def recorded_ids(home: Home, credential_ids: Sequence[str]) -> set[str]:
    """Which of ``credential_ids`` this home's issuers recorded as issued.

    ``oretrust issue --batch`` asks it of its journal on a rerun: an entry whose id was never
    recorded belongs to a batch that did not commit. Asked in chunks of 500 ids.
    """
    found: set[str] = set()
    with home.session() as session:
        for start in range(0, len(credential_ids), 500):
            chunk = list(credential_ids[start : start + 500])
            found.update(
                session.exec(
                    select(IssuedCredentialRecord.id).where(
                        col(IssuedCredentialRecord.id).in_(chunk)
                    )
                )
            )
    return found
