"""Pure checks over a signature-verified credential: validity period and subject schema.

Each function appends its :class:`~oretrust.report.Check` to the report; none reads the
clock (``now`` is a parameter) or does I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from oretrust.codes import CheckId, Code
from oretrust.credentials import CREDENTIAL_TYPES
from oretrust.errors import OreTrustError
from oretrust.formats.dates import numeric_date, parse_datetime, shift
from oretrust.formats.vcdm import as_list
from oretrust.report import CredentialCheck, VerificationReport
from oretrust.verifier._pipeline import step

__all__ = ["check_schema", "check_validity_period", "run_extra_checks"]


def check_validity_period(
    credential: dict[str, Any], report: VerificationReport, now: datetime, leeway: timedelta
) -> None:
    """``validFrom <= now < validUntil`` and JWT ``nbf``/``exp``, each widened by ``leeway``;
    an ``iat`` after ``now`` is refused too (forward-dating would let an issuer claim a time
    its accreditation or key covers, and a policy's maximum age would never run out).

    A time that cannot be read (not a dateTimeStamp, not a usable NumericDate) fails the check
    with ``VALIDITY_PERIOD_INVALID``.
    """
    starts = [parse_datetime(credential["validFrom"])] if "validFrom" in credential else []
    ends = [parse_datetime(credential["validUntil"])] if "validUntil" in credential else []
    starts += [numeric_date(credential["nbf"])] if "nbf" in credential else []
    ends += [numeric_date(credential["exp"])] if "exp" in credential else []
    if any(moment is None for moment in starts + ends):
        report.failed(
            CheckId.VALIDITY_PERIOD,
            Code.VALIDITY_PERIOD_INVALID,
            "validFrom/validUntil/nbf/exp unreadable",
        )
        return
    for start in starts:
        if start is not None and shift(now, leeway) < start:
            report.failed(
                CheckId.VALIDITY_PERIOD,
                Code.CREDENTIAL_NOT_YET_VALID,
                f"not valid before {start.isoformat()}",
            )
            return
    issued = _issued_at(credential)
    if issued is not None and shift(now, leeway) < issued:
        report.failed(
            CheckId.VALIDITY_PERIOD,
            Code.CREDENTIAL_NOT_YET_VALID,
            f"issued in the future ({issued.isoformat()}): a signer's date is a claim",
        )
        return
    for end in ends:
        if end is not None and shift(now, -leeway) >= end:
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


def run_extra_checks(
    extras: Sequence[CredentialCheck],
    credential: dict[str, Any],
    report: VerificationReport,
    now: datetime,
) -> None:
    """Run the verifier's extra checks (status, accreditation) over a signature-verified
    credential, each guarded: one that raises is recorded as failed under its own id."""
    for extra in extras:
        step(report, extra.id, partial(extra, credential, report, now))
