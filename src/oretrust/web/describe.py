"""A verification report as a document people read: the verdict, every check in plain words,
the issuer's name and accreditation, and the credential's contents (not raw JSON).

This is the one "describe" step for every human-facing view: the verify page renders a
:class:`CredentialDocument` with its templates and ``oretrust show`` prints the same object
(:func:`oretrust.web.text.document_lines`), so a label,
a verdict or a withheld claim reads alike in both.
Every text is taken from the :class:`~oretrust.web.i18n.Translator` given, so the document is
in the reader's language. Pure: the report and an issuer look-up in, a document out — the
look-up that reads the home (display names, accreditations) is :mod:`oretrust.web.issuers`.

A credential's contents are shown only when its signature verified: a forgery's claims are
exactly what its forger wants read, so they are not put on a page that looks official.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from oretrust.codes import CheckId, Code
from oretrust.report import VerificationReport
from oretrust.web.i18n import Translator

__all__ = [
    "AccreditationLine",
    "CheckLine",
    "CredentialDocument",
    "Entry",
    "IssuerInfo",
    "describe_report",
    "value_text",
    "verdict_of",
]

_SKIPPED = frozenset({"@context", "credentialSchema", "credentialStatus", "type"})


@dataclass(frozen=True)
class Entry:
    """One labelled line of the contents; a group (``value`` None) holds ``children``."""

    label: str
    value: str | None
    children: tuple[Entry, ...] = ()


@dataclass(frozen=True)
class AccreditationLine:
    """One accreditation of the issuer, in words."""

    action: str
    resource: str
    status: str
    in_force: bool


@dataclass(frozen=True)
class IssuerInfo:
    """Who the issuer is: its DID, a real-world name and where the name comes from
    (``home``: this service's records; ``credential``: the issuer's own words), and its
    accreditations as the trust registry has them (``judged_by`` ``home`` or
    ``subscription``; None when this service has neither)."""

    did: str
    name: str | None = None
    name_source: str | None = None
    accreditations: tuple[AccreditationLine, ...] = ()
    judged_by: str | None = None


@dataclass(frozen=True)
class CheckLine:
    """One check in plain words, with the verifier's own detail kept for experts."""

    id: str
    title: str
    passed: bool
    code: str
    explanation: str
    detail: str


@dataclass(frozen=True)
class CredentialDocument:
    """What a page or the CLI shows for one credential or presentation."""

    kind: str
    kind_label: str
    verdict: str
    verdict_label: str
    summary: str
    checks: tuple[CheckLine, ...]
    warnings: tuple[str, ...] = ()
    type_name: str | None = None
    type_label: str | None = None
    credential_id: str | None = None
    issued_at: str | None = None
    valid_from: str | None = None
    valid_until: str | None = None
    issuer: IssuerInfo | None = None
    holder: str | None = None
    entries: tuple[Entry, ...] | None = None
    disclosed: tuple[str, ...] = ()
    withheld: tuple[str, ...] = ()
    hidden_digests: int | None = None
    credentials: tuple[CredentialDocument, ...] = field(default_factory=tuple)


IssuerLookup = Callable[[str, dict[str, Any] | None], IssuerInfo]


def verdict_of(report: VerificationReport) -> str:
    """The report's verdict, with ``NOT_ACCREDITED`` for a report whose only failures are
    the issuer's accreditation (a genuine signature from an issuer nobody accredited)."""
    verdict = report.verdict
    codes = {error.code for error in report.errors}
    if verdict == "INVALID" and codes and codes <= {Code.ISSUER_NOT_ACCREDITED}:
        return "NOT_ACCREDITED"
    return verdict


def describe_report(
    report: VerificationReport, t: Translator, issuer_of: IssuerLookup
) -> CredentialDocument:
    """The document of ``report`` (and of each credential a presentation carries)."""
    verdict = verdict_of(report)
    claims = report.claims if _signature_verified(report) else None
    types = [name for name in report.types if name != "VerifiableCredential"]
    type_name = next((name for name in types if t.has(f"type.{name}")), None) or (
        types[-1] if types else None
    )
    disclosure = report.disclosure or {}
    return CredentialDocument(
        kind=report.kind,
        kind_label=t(f"result.kind.{report.kind}"),
        verdict=verdict,
        verdict_label=t(f"verdict.{verdict}"),
        summary=t(f"verdict.{verdict}.summary"),
        checks=_checks(report, t),
        warnings=tuple(report.warnings),
        type_name=type_name,
        type_label=t.first(f"type.{type_name}", type_name) if type_name else None,
        credential_id=report.credential_id,
        issued_at=_date(claims.get("iat")) if claims else None,
        valid_from=_date(claims.get("validFrom") or claims.get("nbf")) if claims else None,
        valid_until=_date(claims.get("validUntil") or claims.get("exp")) if claims else None,
        issuer=_issuer(report, claims, issuer_of),
        holder=report.holder if report.kind == "presentation" else None,
        entries=_subject_entries(claims.get("credentialSubject"), t) if claims else None,
        disclosed=tuple(_path_label(p, t) for p in disclosure.get("disclosed", ())),
        withheld=tuple(_path_label(p, t) for p in disclosure.get("not_disclosed", ())),
        hidden_digests=disclosure.get("undisclosed_digests") if disclosure else None,
        credentials=tuple(describe_report(n, t, issuer_of) for n in report.credentials),
    )


def _issuer(
    report: VerificationReport, claims: dict[str, Any] | None, issuer_of: IssuerLookup
) -> IssuerInfo | None:
    """The issuer's name and accreditation only behind a verified signature: a forgery names
    whichever issuer its forger likes, and must not be shown with that issuer's standing."""
    if report.issuer is None:
        return None
    return issuer_of(report.issuer, claims) if claims is not None else IssuerInfo(report.issuer)


def _signature_verified(report: VerificationReport) -> bool:
    return report.claims is not None and any(
        c.id == CheckId.SIGNATURE and c.passed for c in report.checks
    )


def _checks(report: VerificationReport, t: Translator) -> tuple[CheckLine, ...]:
    lines = [
        CheckLine(
            check.id,
            t.first(f"check.{check.id}", check.id),
            check.passed,
            str(check.code),
            "" if check.passed else t.first(f"code.{check.code}", "code._other"),
            check.detail,
        )
        for check in report.checks
    ]
    for missing in report.missing:
        lines.append(
            CheckLine(
                missing,
                t.first(f"check.{missing}", missing),
                False,
                Code.CHECK_NOT_RUN,
                t("code.CHECK_NOT_RUN"),
                "",
            )
        )
    return tuple(lines)


def _subject_entries(subject: Any, t: Translator) -> tuple[Entry, ...]:
    subjects = subject if isinstance(subject, list) else [subject]
    if len(subjects) == 1:
        return _entries(subjects[0], t) if isinstance(subjects[0], dict) else ()
    label = t("field.credentialSubject")
    return tuple(
        Entry(f"{label} {n}", None, _entries(s, t))
        for n, s in enumerate(subjects, 1)
        if isinstance(s, dict)
    )


def _entries(claims: dict[str, Any], t: Translator) -> tuple[Entry, ...]:
    """Lines for the members of ``claims``, names first (a party reads by its name)."""
    keys = sorted(
        (k for k in claims if k not in _SKIPPED and claims[k] is not None),
        key=lambda k: (k != "name", k == "id"),
    )
    return tuple(entry for key in keys for entry in [_entry(_label(key, t), claims[key], t)])


def _entry(label: str, value: Any, t: Translator) -> Entry:
    if isinstance(value, dict):
        compact = _compact(value, t)
        if compact is not None:
            return Entry(label, compact)
        return Entry(label, None, _entries(value, t))
    if isinstance(value, list):
        if all(not isinstance(item, dict | list) for item in value):
            return Entry(label, ", ".join(_scalar(item, t) for item in value))
        children = tuple(_entry(f"{label} {n}", item, t) for n, item in enumerate(value, 1))
        return Entry(label, None, children)
    return Entry(label, _scalar(value, t))


def value_text(value: Any, t: Translator) -> str:
    """One claim's value on one line, as the document writes it (a mass ``24.85 t``, a price
    ``412000 USD``, a point); a structure with no short form as compact JSON."""
    if isinstance(value, dict):
        compact = _compact(value, t)
        if compact is not None:
            return compact
    elif isinstance(value, list) and all(not isinstance(item, dict | list) for item in value):
        return ", ".join(_scalar(item, t) for item in value)
    elif not isinstance(value, list):
        return _scalar(value, t)
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _compact(value: dict[str, Any], t: Translator) -> str | None:
    """One-line forms of the small structures every type uses (mass, price, a point…)."""
    keys = set(value)
    if keys <= {"value", "unit"} and "value" in keys:
        return f"{_scalar(value['value'], t)} {value.get('unit', '')}".strip()
    if keys == {"amount", "currency"}:
        return f"{_scalar(value['amount'], t)} {value['currency']}"
    if keys == {"latitude", "longitude"}:
        return f"{_scalar(value['latitude'], t)}, {_scalar(value['longitude'], t)}"
    if value.get("type") == "Polygon" and isinstance(value.get("coordinates"), list):
        rings = value["coordinates"]
        count = len(rings[0]) if rings and isinstance(rings[0], list) else 0
        return t("value.polygon", count=count)
    return None


def _scalar(value: Any, t: Translator) -> str:
    if isinstance(value, bool):
        return t("value.yes") if value else t("value.no")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _label(key: str, t: Translator) -> str:
    return t.first(f"field.{key}", key)


def _path_label(path: str, t: Translator) -> str:
    return " \u203a ".join(_label(part, t) for part in str(path).split("."))


def _date(value: Any) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            moment = datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return str(value)
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, str):
        return value.replace("T", " ").replace("Z", " UTC")
    return None
