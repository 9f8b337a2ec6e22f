"""``policy:site-certified-at-extraction``: the site was certified when the lot was extracted.

For every verified origin certificate in the presentation, the verifier looks for the
``SiteStatusCredential`` ratings of its ``mineSite.id`` among the presentation's verified
credentials whose issuer the trust registry accredits (for the type and the site's country,
at issuance). The rating in force at the certificate's date — the latest-issued rating whose
``ratingPeriod`` covers it — must be conflict-free or conditional; otherwise, or with no such
rating, ``SITE_NOT_CERTIFIED``.

The date is the certificate's ``exportDate``: the certificate carries no extraction date,
and a lot is extracted no later than it is exported, so a site certified through the export
date was certified for lots leaving it then (a rating that lapsed before export fails).

Internal module (pure over a TrustSource; no clock: the dates are the documents').
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from oretrust.codes import Code
from oretrust.credentials import CERTIFIED_RATINGS
from oretrust.registry.checks import issuance_time, judge_issuer
from oretrust.registry.sources import TrustSource
from oretrust.report import VerificationReport

__all__ = ["CHECK_ID", "site_certified_check"]

CHECK_ID = "policy:site-certified-at-extraction"
ORIGIN_TYPE = "MineralOriginCertificate"
STATUS_TYPE = "SiteStatusCredential"


def _subject(nested: VerificationReport) -> dict[str, Any]:
    subject = (nested.claims or {}).get("credentialSubject")
    return subject if isinstance(subject, dict) else {}


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _covers(period: Any, day: date) -> bool:
    if not isinstance(period, dict):
        return False
    start, end = _date(period.get("startDate")), _date(period.get("endDate"))
    return start is not None and start <= day and (end is None or day <= end)


def site_certified_check(report: VerificationReport, source: TrustSource) -> None:
    """Add ``policy:site-certified-at-extraction`` to a presentation ``report``."""
    origins = [n for n in report.credentials if ORIGIN_TYPE in n.types and n.verified]
    if not origins:
        report.failed(
            CHECK_ID, Code.SITE_NOT_CERTIFIED, "no verified origin certificate names a site"
        )
        return
    ratings = [
        n
        for n in report.credentials
        if STATUS_TYPE in n.types and n.verified and judge_issuer(source, n.claims or {}).authorized
    ]
    found = [_judge(origin, ratings) for origin in origins]
    problems = [detail for ok, detail in found if not ok]
    if problems:
        report.failed(CHECK_ID, Code.SITE_NOT_CERTIFIED, "; ".join(problems))
    else:
        report.passed(CHECK_ID, "; ".join(detail for _, detail in found))


def _judge(origin: VerificationReport, ratings: list[VerificationReport]) -> tuple[bool, str]:
    subject = _subject(origin)
    site = subject.get("mineSite")
    site_id = site.get("id") if isinstance(site, dict) else None
    day = _date(subject.get("exportDate"))
    label = f"{ORIGIN_TYPE} {origin.credential_id}"
    if not isinstance(site_id, str) or day is None:
        return False, f"{label} does not disclose mineSite.id and exportDate"
    covering = [
        n
        for n in ratings
        if (_subject(n).get("site") or {}).get("id") == site_id
        and _covers(_subject(n).get("ratingPeriod"), day)
    ]
    if not covering:
        return False, f"no accredited site status rates {site_id} on {day.isoformat()} ({label})"
    latest = max(covering, key=lambda n: issuance_time(n.claims or {}) or _EPOCH)
    rating = str(_subject(latest).get("rating"))
    if rating not in CERTIFIED_RATINGS:
        return False, f"{site_id} was rated {rating} on {day.isoformat()} by {latest.issuer}"
    return True, f"{site_id} rated {rating} on {day.isoformat()} by {latest.issuer}"


_EPOCH = datetime.min.replace(tzinfo=UTC)
