"""A holder hands a lot over: the custody event (or period account) it signs with its own key.

Custody events are self-issued (``CustodyTransferCredential.self_issued``): the seller or
processor — the party in whose hands the lot is — records what it hands over, derived from
the credentials it received the lot with (the origin certificate, the event that sold it the
lot). Each reference carries the SHA-256 of the referenced credential exactly as issued, so a
verifier walking the chain knows it holds the very documents the seller relied on.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from oretrust.codes import Code
from oretrust.credentials import build_credential
from oretrust.custody import credential_digest
from oretrust.errors import InputError
from oretrust.formats.jws import parse_compact
from oretrust.formats.vc_jwt import sign_credential
from oretrust.home import Home
from oretrust.identities import find_holder, signer_for

__all__ = [
    "CUSTODY_TYPE",
    "PERIOD_ACCOUNT_TYPE",
    "IssuedCustodyEvent",
    "issue_custody_event",
    "issue_period_account",
]

CUSTODY_TYPE = "CustodyTransferCredential"
PERIOD_ACCOUNT_TYPE = "PeriodAccountCredential"


@dataclass(frozen=True)
class IssuedCustodyEvent:
    """A signed custody event and what it says of itself."""

    id: str
    token: str
    credential: dict[str, Any]


def issue_custody_event(
    home: Home,
    holder: str,
    event: Mapping[str, Any],
    *,
    derived_from: Sequence[str],
    now: datetime,
) -> IssuedCustodyEvent:
    """Sign a ``CustodyTransferCredential`` as ``holder`` (name or DID) of this home.

    ``event`` is the subject without ``sourceParty`` (the holder) and ``derivedFrom``, which
    are filled from ``derived_from``: the credentials (vc+jwt tokens) the lots came with.
    Raises NotFoundError for an unknown holder, InputError ``INVALID_INPUT`` when no
    credential is given or one has no id, SchemaValidationError naming a bad field.
    """
    return _self_issue(home, holder, CUSTODY_TYPE, event, "sourceParty", derived_from, now)


def issue_period_account(
    home: Home,
    holder: str,
    account: Mapping[str, Any],
    *,
    derived_from: Sequence[str],
    now: datetime,
) -> IssuedCustodyEvent:
    """Sign a ``PeriodAccountCredential`` (a mass balance over at most 12 months) as
    ``holder``: ``account`` without ``accountHolder`` and ``derivedFrom``, which are filled
    from the holder and ``derived_from`` — the credentials that put its input lots in the
    holder's hands. Raises as :func:`issue_custody_event`."""
    return _self_issue(
        home, holder, PERIOD_ACCOUNT_TYPE, account, "accountHolder", derived_from, now
    )


def _self_issue(
    home: Home,
    holder: str,
    type_name: str,
    subject: Mapping[str, Any],
    party_field: str,
    derived_from: Sequence[str],
    now: datetime,
) -> IssuedCustodyEvent:
    owner = find_holder(home, holder)
    if not derived_from:
        raise InputError(
            "a custody document derives from the credentials the lots came with: give at least one",
            code=Code.INVALID_INPUT,
        )
    signed_subject = {
        **subject,
        party_field: owner.did,
        "derivedFrom": [_reference(token) for token in derived_from],
    }
    credential = build_credential(
        type_name,
        issuer={"id": owner.did, "name": owner.display_name},
        subject=signed_subject,
        valid_from=now,
        valid_until=None,
        credential_id=f"urn:uuid:{uuid.uuid4()}",
    )
    token = sign_credential(credential, signer_for(home, owner.did), now=now)
    return IssuedCustodyEvent(str(credential["id"]), token, credential)


def _reference(token: str) -> dict[str, str]:
    payload = parse_compact(token.strip().split("~")[0]).unverified_payload()
    credential_id = payload.get("id") or payload.get("jti")
    if not isinstance(credential_id, str) or not credential_id:
        raise InputError(
            "a credential the lot came with has no id to refer to", code=Code.INVALID_INPUT
        )
    return {"id": credential_id, "sha256": credential_digest(token)}
