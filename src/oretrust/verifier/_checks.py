"""Pure checks over a signature-verified credential: validity period and subject schema.

Each function appends its :class:`~oretrust.report.Check` to the report; none reads the
clock (``now`` is a parameter) or does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from oretrust.codes import CheckId, Code
from oretrust.credentials import CREDENTIAL_TYPES
from oretrust.errors import OreTrustError
from oretrust.formats.dates import numeric_date, parse_datetime, shift
from oretrust.formats.vcdm import as_list
from oretrust.report import Check, CredentialCheck, VerificationReport
from oretrust.verifier._pipeline import step

__all__ = [
    "FixedOutcome",
    "FixedOutcomes",
    "ValidityBounds",
    "check_schema",
    "check_validity_period",
    "judge_validity",
    "run_extra_checks",
    "validity_bounds",
]


@dataclass(frozen=True)
class ValidityBounds:
    """The times a credential's validity is judged by, read once from its claims: every
    start (``validFrom``, ``nbf``), the numeric ``iat`` and every end (``validUntil``,
    ``exp``) — a pure function of the bytes, so a remembered credential keeps it."""

    starts: tuple[datetime, ...]
    issued: datetime | None
    ends: tuple[datetime, ...]


def validity_bounds(credential: dict[str, Any]) -> ValidityBounds | None:
    """The bounds of ``credential``; None when a time cannot be read (not a dateTimeStamp,
    not a usable NumericDate)."""
    starts = [parse_datetime(credential["validFrom"])] if "validFrom" in credential else []
    ends = [parse_datetime(credential["validUntil"])] if "validUntil" in credential else []
    starts += [numeric_date(credential["nbf"])] if "nbf" in credential else []
    ends += [numeric_date(credential["exp"])] if "exp" in credential else []
    readable_starts = tuple(moment for moment in starts if moment is not None)
    readable_ends = tuple(moment for moment in ends if moment is not None)
    if len(readable_starts) < len(starts) or len(readable_ends) < len(ends):
        return None
    return ValidityBounds(readable_starts, _issued_at(credential), readable_ends)


def check_validity_period(
    credential: dict[str, Any], report: VerificationReport, now: datetime, leeway: timedelta
) -> None:
    """``validFrom <= now < validUntil`` and JWT ``nbf``/``exp``, each widened by ``leeway``;
    an ``iat`` after ``now`` is refused too (forward-dating would let an issuer claim a time
    its accreditation or key covers, and a policy's maximum age would never run out).

    A time that cannot be read (not a dateTimeStamp, not a usable NumericDate) fails the check
    with ``VALIDITY_PERIOD_INVALID``.
    """
    judge_validity(validity_bounds(credential), report, now, leeway)


def judge_validity(
    bounds: ValidityBounds | None, report: VerificationReport, now: datetime, leeway: timedelta
) -> None:
    """Record ``validity_period`` for ``bounds`` (None: unreadable) at ``now``, as
    :func:`check_validity_period` describes."""
    if bounds is None:
        report.failed(
            CheckId.VALIDITY_PERIOD,
            Code.VALIDITY_PERIOD_INVALID,
            "validFrom/validUntil/nbf/exp unreadable",
        )
        return
    latest = shift(now, leeway)
    for start in bounds.starts:
        if latest < start:
            report.failed(
                CheckId.VALIDITY_PERIOD,
                Code.CREDENTIAL_NOT_YET_VALID,
                f"not valid before {start.isoformat()}",
            )
            return
    if bounds.issued is not None and latest < bounds.issued:
        report.failed(
            CheckId.VALIDITY_PERIOD,
            Code.CREDENTIAL_NOT_YET_VALID,
            f"issued in the future ({bounds.issued.isoformat()}): a signer's date is a claim",
        )
        return
    earliest = shift(now, -leeway)
    for end in bounds.ends:
        if earliest >= end:
            report.failed(
                CheckId.VALIDITY_PERIOD, Code.CREDENTIAL_EXPIRED, f"expired at {end.isoformat()}"
            )
            return
    report.passed(
        CheckId.VALIDITY_PERIOD, f"valid at {now.isoformat()} (leeway {leeway.total_seconds():g}s)"
    )


def _issued_at(credential: dict[str, Any]) -> datetime | None:
    """A numeric ``iat`` read by the one reader; None when absent (or not numeric: the data
    model check fails that)."""
    iat = credential.get("iat")
    return numeric_date(iat) if isinstance(iat, int | float) else None


def check_schema(credential: dict[str, Any], report: VerificationReport) -> None:
    """Validate the subject against oretrust's schema when the type is one of ours."""
    types = as_list(credential.get("type", []))
    known = [name for name in types if isinstance(name, str) and name in CREDENTIAL_TYPES]
    if not known:
        report.passed(CheckId.SCHEMA, "not an oretrust type: no schema applies")
        report.warnings.append(
            "credential type is not an oretrust type: subject schema not checked"
        )
        return
    credential_type = CREDENTIAL_TYPES[known[0]]
    try:
        parsed = credential_type.parse_subject(credential.get("credentialSubject", {}))
    except OreTrustError as exc:
        report.failed(CheckId.SCHEMA, exc.code, exc.detail)
        return
    report.memo[("subject", credential_type.name)] = parsed
    report.passed(CheckId.SCHEMA, f"credentialSubject matches the {credential_type.name} schema")


#: What a ``fixed`` extra check recorded: its checks and its warnings.
FixedOutcome = tuple[tuple[Check, ...], tuple[str, ...]]
#: Those outcomes by check id.
FixedOutcomes = Mapping[str, FixedOutcome]


def run_extra_checks(
    extras: Sequence[CredentialCheck],
    credential: dict[str, Any],
    report: VerificationReport,
    now: datetime,
    replayed: FixedOutcomes | None = None,
) -> dict[str, FixedOutcome]:
    """Run the verifier's extra checks (status, accreditation) over a signature-verified
    credential, each guarded: one that raises is recorded as failed under its own id.

    A ``fixed`` check (:class:`~oretrust.report.CredentialCheck`) found in ``replayed`` is
    not run: what it recorded for these bytes before is recorded again. Returns what each
    fixed check that ran recorded, for the caller to replay next time."""
    recorded: dict[str, FixedOutcome] = {}
    for extra in extras:
        earlier = replayed.get(extra.id) if replayed is not None and extra.fixed else None
        if earlier is not None:
            report.checks.extend(earlier[0])
            report.warnings.extend(earlier[1])
            continue
        checks_before, warnings_before = len(report.checks), len(report.warnings)
        step(report, extra.id, partial(extra, credential, report, now))
        if extra.fixed:
            recorded[extra.id] = (
                tuple(report.checks[checks_before:]),
                tuple(report.warnings[warnings_before:]),
            )
    return recorded
