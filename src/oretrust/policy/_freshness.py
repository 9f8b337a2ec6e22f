"""``policy:status-age``: how old the revocation data behind a verdict may be (internal).

Status lists only describe the present as of when their issuer signed them: a list read
from an offline bundle, a cache or a slow CDN may be hours old and miss a revocation. The
report's ``status_lists`` entries carry each list's ``age_seconds`` (verification time
minus the list's ``iat``); this check demands that none exceeds the policy's
``max_status_age`` (``POLICY_STATUS_TOO_OLD``), and fails closed on an unknown age.
"""

from __future__ import annotations

from datetime import timedelta

from oretrust.codes import Code
from oretrust.report import VerificationReport

__all__ = ["status_age_check"]


def status_age_check(limit: timedelta, report: VerificationReport) -> None:
    """``policy:status-age``: the revocation data every credential was judged by is fresh."""
    entries = [*report.status_lists, *(e for n in report.credentials for e in n.status_lists)]
    too_old = [
        e
        for e in entries
        if e.get("age_seconds") is None or e["age_seconds"] > limit.total_seconds()
    ]
    if too_old:
        worst = max(
            too_old,
            key=lambda e: float("inf") if e.get("age_seconds") is None else e["age_seconds"],
        )
        age = "an unknown time" if worst.get("age_seconds") is None else f"{worst['age_seconds']} s"
        report.failed(
            "policy:status-age",
            Code.POLICY_STATUS_TOO_OLD,
            f"revocation data is older than the policy's {int(limit.total_seconds())} s: "
            f"{worst['url']} (source {worst.get('source')}) was signed {age} ago"
            + (f"; {len(too_old) - 1} more list(s) too old" if len(too_old) > 1 else ""),
        )
    elif entries:
        oldest = max(e["age_seconds"] for e in entries)
        report.passed(
            "policy:status-age",
            f"every status list read is at most {oldest} s old "
            f"(limit {int(limit.total_seconds())} s)",
        )
    else:
        report.passed("policy:status-age", "no status list was read")
