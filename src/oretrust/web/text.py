"""A :class:`~oretrust.web.describe.CredentialDocument` as plain text lines, for
``oretrust show``: the page's document, the same labels and words, for a terminal."""

from __future__ import annotations

from oretrust.web.describe import CredentialDocument, Entry
from oretrust.web.i18n import Translator

__all__ = ["document_lines"]


def document_lines(document: CredentialDocument, t: Translator, indent: str = "") -> list[str]:
    """The document as plain text lines (``oretrust show``)."""
    lines = [f"{indent}{document.verdict_label.upper()} — {document.summary}"]
    heading = document.type_label or document.kind_label
    ident = f" ({document.credential_id})" if document.credential_id else ""
    lines.append(f"{indent}{heading}{ident}")
    if document.issuer is not None:
        issuer = document.issuer
        name = f"{issuer.name} ({issuer.did})" if issuer.name else issuer.did
        lines.append(f"{indent}{t('result.issuer')}: {name}")
        for line in issuer.accreditations:
            row = t("result.accreditation_row", action=line.action, resource=line.resource,
                    status=line.status)  # fmt: skip
            lines.append(f"{indent}  {t('result.accreditation')}: {row}")
    if document.holder:
        lines.append(f"{indent}{t('result.holder')}: {document.holder}")
    for key, value in (
        ("result.issued_at", document.issued_at),
        ("result.valid_from", document.valid_from),
        ("result.valid_until", document.valid_until),
    ):
        if value:
            lines.append(f"{indent}{t(key)}: {value}")
    if document.entries is not None:
        lines.append(f"{indent}{t('result.contents')}:")
        lines += _entry_lines(document.entries, indent + "  ")
    elif document.kind == "credential":
        lines.append(f"{indent}{t('result.contents_hidden')}")
    if document.hidden_digests is not None:
        nothing = t("result.nothing")
        lines.append(f"{indent}{t('result.disclosed')}: {', '.join(document.disclosed) or nothing}")
        lines.append(f"{indent}{t('result.withheld')}: {', '.join(document.withheld) or nothing}")
    for check in document.checks:
        mark = "✔" if check.passed else "✘"
        extra = "" if check.passed else f" — {check.explanation} [{check.code}] {check.detail}"
        lines.append(f"{indent}  {mark} {check.title}{extra}")
    lines += [f"{indent}  ! {warning}" for warning in document.warnings]
    for nested in document.credentials:
        lines += document_lines(nested, t, indent + "    ")
    return lines


def _entry_lines(entries: tuple[Entry, ...], indent: str) -> list[str]:
    lines: list[str] = []
    for entry in entries:
        if entry.value is not None:
            lines.append(f"{indent}{entry.label}: {entry.value}")
        else:
            lines.append(f"{indent}{entry.label}:")
            lines += _entry_lines(entry.children, indent + "  ")
    return lines
