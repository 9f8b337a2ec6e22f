"""The trust registry's pure core: accreditations, recognitions, flags and the decision rule.

An *authority* accredits an *entity* (an issuer DID) to perform an *action*
(``issue:<CredentialType>``) on a *resource* (a jurisdiction: ISO 3166-1 alpha-2, an ISO
3166-2 subdivision, or ``EU``) for a period. A country covers its subdivisions: an
accreditation for ``CD`` covers ``CD-LU``, not the reverse.

Whether an accreditation authorizes at an instant ``t``::

    valid_from <= t < valid_until          (valid_until None = open-ended)
    and t < withdrawn_at                   (withdrawal is final; its time may be in the past)
    and t is in no suspension [from, until)

No clock, no I/O: every decision takes its instant as a parameter. Times are whole seconds
in UTC, written ``YYYY-MM-DDTHH:MM:SSZ``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

from oretrust.codes import Code
from oretrust.credentials import CREDENTIAL_TYPES, ISO_3166_ALPHA2
from oretrust.errors import InputError

__all__ = [
    "ISSUE_PREFIX",
    "RISK_LEVELS",
    "Accreditation",
    "Decision",
    "Grant",
    "JurisdictionFlag",
    "Recognition",
    "Risk",
    "Status",
    "Suspension",
    "check_action",
    "check_did",
    "check_jurisdiction",
    "decide",
    "format_time",
    "issue_action",
    "jurisdiction_covers",
    "parse_time",
    "recognised",
    "require_text",
    "whole_seconds",
]

ISSUE_PREFIX = "issue:"
Status = Literal["active", "pending", "suspended", "expired", "withdrawn"]
Risk = Literal["high", "conflict"]
RISK_LEVELS: tuple[Risk, ...] = ("high", "conflict")

_DID = re.compile(r"^did:[a-z0-9]+:[A-Za-z0-9._:%-]*[A-Za-z0-9._%-]$")
_SUBDIVISION = re.compile(r"^([A-Z]{2})-[A-Z0-9]{1,3}$")
_ACTION = re.compile(r"^[a-z][a-z-]*(?::[A-Za-z0-9._-]+)?$")


# ---------------------------------------------------------------------------- values
def whole_seconds(moment: datetime) -> datetime:
    """``moment`` in UTC, truncated to the second (JWT ``iat`` has second precision)."""
    if moment.tzinfo is None:
        raise InputError(f"time {moment.isoformat()} has no time zone", code=Code.INVALID_TIME)
    return moment.astimezone(UTC).replace(microsecond=0)


def format_time(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ``."""
    return whole_seconds(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str) -> datetime:
    """Parse a date-time with a zone; raise InputError ``INVALID_TIME``."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise InputError(f"{value!r} is not a date-time with a zone", code=Code.INVALID_TIME)
    return whole_seconds(parsed)


def check_did(value: str) -> str:
    """Return ``value`` if it is a DID; raise InputError ``INVALID_DID``."""
    if not isinstance(value, str) or not _DID.match(value):
        raise InputError(f"{value!r} is not a DID", code=Code.INVALID_DID)
    return value


def check_jurisdiction(value: str) -> str:
    """Return ``value`` if it is an ISO 3166-1 alpha-2 / 3166-2 code or ``EU``; else raise."""
    match = _SUBDIVISION.match(value) if isinstance(value, str) else None
    if value in ISO_3166_ALPHA2 or value == "EU" or (match and match.group(1) in ISO_3166_ALPHA2):
        return value
    raise InputError(
        f"{value!r} is not a jurisdiction: use ISO 3166-1 alpha-2 (CD), ISO 3166-2 (CD-LU) or EU",
        code=Code.INVALID_JURISDICTION,
    )


def check_action(value: str) -> str:
    """Return ``value`` if it is a ``verb`` or ``verb:object`` action; else raise."""
    if not isinstance(value, str) or not _ACTION.match(value):
        raise InputError(
            f"{value!r} is not an action such as issue:<Type>", code=Code.INVALID_ACTION
        )
    return value


def require_text(value: str, what: str = "reason") -> str:
    """``value`` stripped; raise InputError ``<WHAT>_REQUIRED`` if it is blank."""
    if not value or not value.strip():
        raise InputError(f"a {what} is required", code=f"{what.upper()}_REQUIRED")
    return value.strip()


def issue_action(credential_type: str) -> str:
    """``issue:<CredentialType>`` for one of oretrust's credential types; raise InputError."""
    if credential_type.startswith(ISSUE_PREFIX):
        credential_type = credential_type[len(ISSUE_PREFIX) :]
    if credential_type not in CREDENTIAL_TYPES:
        known = ", ".join(sorted(CREDENTIAL_TYPES))
        raise InputError(
            f"unknown credential type {credential_type!r}; known types: {known}",
            code=Code.UNKNOWN_CREDENTIAL_TYPE,
        )
    return ISSUE_PREFIX + credential_type


def jurisdiction_covers(granted: str, asked: str) -> bool:
    """True if ``granted`` is ``asked`` or the country ``asked`` is a subdivision of."""
    return granted == asked or (len(granted) == 2 and asked.startswith(granted + "-"))


# ---------------------------------------------------------------------------- records
@dataclass(frozen=True)
class Suspension:
    """A suspension from ``start`` until ``end`` (None: not yet reinstated)."""

    start: datetime
    end: datetime | None = None

    def contains(self, at: datetime) -> bool:
        """True if ``at`` falls inside the suspension."""
        return self.start <= at and (self.end is None or at < self.end)


@dataclass(frozen=True)
class Grant:
    """What accreditations and recognitions share: ``authority_id`` lets ``entity_id`` do
    ``action`` on ``resource`` from ``valid_from`` until ``valid_until`` or ``withdrawn_at``."""

    id: str
    authority_id: str
    entity_id: str
    action: str
    resource: str
    valid_from: datetime
    valid_until: datetime | None = None
    withdrawn_at: datetime | None = None


@dataclass(frozen=True)
class Accreditation(Grant):
    """An accreditation and its whole lifecycle (the registry never forgets a past state)."""

    suspensions: tuple[Suspension, ...] = ()

    def covers(self, action: str, resource: str) -> bool:
        """True if this accreditation is about ``action`` on (a part of) ``resource``."""
        return self.action == action and jurisdiction_covers(self.resource, resource)

    def suspension_at(self, at: datetime) -> Suspension | None:
        """The suspension in force at ``at``, if any."""
        return next((s for s in self.suspensions if s.contains(at)), None)

    def status(self, at: datetime) -> Status:
        """The lifecycle status at ``at`` (withdrawn wins over suspended over expired)."""
        if self.withdrawn_at is not None and at >= self.withdrawn_at:
            return "withdrawn"
        if self.suspension_at(at) is not None:
            return "suspended"
        if self.valid_until is not None and at >= self.valid_until:
            return "expired"
        if at < self.valid_from:
            return "pending"
        return "active"

    def authorizes_at(self, at: datetime) -> bool:
        """True if the accreditation was in force at ``at``."""
        return self.status(at) == "active"

    def describe_status(self, at: datetime) -> str:
        """Why the accreditation is (not) in force at ``at``, in words."""
        status = self.status(at)
        suspension = self.suspension_at(at)
        if status == "withdrawn" and self.withdrawn_at is not None:
            return f"withdrawn as of {format_time(self.withdrawn_at)}"
        if status == "suspended" and suspension is not None:
            return f"suspended since {format_time(suspension.start)}"
        if status == "expired" and self.valid_until is not None:
            return f"expired at {format_time(self.valid_until)}"
        if status == "pending":
            return f"not valid before {format_time(self.valid_from)}"
        until = f" until {format_time(self.valid_until)}" if self.valid_until else ""
        return f"in force from {format_time(self.valid_from)}{until}"


@dataclass(frozen=True)
class Recognition(Grant):
    """An authority's recognition of another authority (TRQP recognition)."""

    def in_force_at(self, at: datetime) -> bool:
        """True if the recognition held at ``at``."""
        return (
            self.valid_from <= at
            and (self.valid_until is None or at < self.valid_until)
            and (self.withdrawn_at is None or at < self.withdrawn_at)
        )


@dataclass(frozen=True)
class JurisdictionFlag:
    """A jurisdiction marked conflict-affected (``conflict``) or high-risk (``high``)."""

    code: str
    risk: Risk
    source: str
    as_of: date
    flagged_at: datetime

    def covers(self, jurisdiction: str) -> bool:
        """True if the flag applies to ``jurisdiction`` (a flagged country covers its parts)."""
        return jurisdiction_covers(self.code, jurisdiction)

    def describe(self) -> str:
        """E.g. ``CD-NK is flagged conflict-affected (source, as of 2026-01-01)``."""
        words = "conflict-affected" if self.risk == "conflict" else "high-risk"
        return f"{self.code} is flagged {words} ({self.source}, as of {self.as_of.isoformat()})"


# ---------------------------------------------------------------------------- decisions
@dataclass(frozen=True)
class Decision:
    """The answer to "was entity E authorized for action A on resource R at time t?"."""

    authorized: bool
    message: str
    accreditation: Accreditation | None = None


def decide(
    accreditations: Iterable[Accreditation],
    entity_id: str,
    action: str,
    resource: str,
    at: datetime,
) -> Decision:
    """Decide whether ``entity_id`` may do ``action`` on ``resource`` at ``at``.

    The message names the accreditation that authorizes, or explains the closest miss
    (withdrawn, suspended, expired, another jurisdiction).
    """
    mine = [a for a in accreditations if a.entity_id == entity_id]
    matching = [a for a in mine if a.covers(action, resource)]
    for accreditation in matching:
        if accreditation.authorizes_at(at):
            return Decision(
                True,
                f"{entity_id} is accredited for {action} on {resource} by "
                f"{accreditation.authority_id} ({accreditation.resource}, "
                f"{accreditation.describe_status(at)})",
                accreditation,
            )
    when = format_time(at)
    if matching:
        latest = max(matching, key=lambda a: a.valid_from)
        return Decision(
            False,
            f"{entity_id} was not accredited for {action} on {resource} at {when}: "
            f"accreditation {latest.resource} {latest.describe_status(at)}",
            latest,
        )
    elsewhere = sorted({a.resource for a in mine if a.action == action})
    if elsewhere:
        return Decision(
            False,
            f"{entity_id} is accredited for {action} on {', '.join(elsewhere)}, not on {resource}",
        )
    return Decision(False, f"{entity_id} holds no accreditation for {action} on {resource}")


def recognised(
    recognitions: Iterable[Recognition], entity_id: str, action: str, resource: str, at: datetime
) -> Recognition | None:
    """The recognition of ``entity_id`` for ``action`` on ``resource`` in force at ``at``."""
    for recognition in recognitions:
        if (
            recognition.entity_id == entity_id
            and recognition.action == action
            and jurisdiction_covers(recognition.resource, resource)
            and recognition.in_force_at(at)
        ):
            return recognition
    return None
