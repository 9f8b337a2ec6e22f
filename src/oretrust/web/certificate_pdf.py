"""Credentials printed as PDF certificates: one A4 page per credential (fpdf2).

A ministry prints a certificate to travel with a shipment: the readable document of the
credential (:class:`~oretrust.web.describe.CredentialDocument`, the very object the verify
page and ``oretrust show`` render, so labels and values read alike), the issuer's name, the
verdict *at the time of printing* (stated with that time: paper cannot learn of a later
revocation, the QR code lets a reader check again) and the credential's own ``OT1:`` QR code
(:mod:`oretrust.web.qr_image`), which a border post with no network reads back to the signed
credential. Texts come from the translator given (English, French…).

The page is kept to one: contents that would run past the bottom are cut with a line saying
so (the QR code carries them whole). fpdf2's built-in Helvetica covers Windows-1252 (French
included); a character outside it prints as ``?`` rather than failing the print. Pure: the
documents, tokens and times in, PDF bytes out.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from oretrust.errors import InputError
from oretrust.web.describe import CredentialDocument, Entry
from oretrust.web.i18n import Translator
from oretrust.web.qr_image import qr_png

if TYPE_CHECKING:
    from fpdf import FPDF

__all__ = ["CertificatePage", "certificate_pdf"]

_ENCODING = "windows-1252"
_LEFT, _WIDTH, _QR = 15.0, 180.0, 62.0
_BOTTOM = 270.0  # below this, contents are cut (the footer sits under it)


@dataclass(frozen=True)
class CertificatePage:
    """One certificate: the credential's document, its token (for the QR code) and when the
    verdict on it was reached."""

    document: CredentialDocument
    token: str
    printed_at: str


def certificate_pdf(pages: Sequence[CertificatePage], t: Translator) -> bytes:
    """A PDF with one page per entry of ``pages``, in ``t``'s language."""
    from fpdf import FPDF  # imported when a PDF is made (a sixth of every CLI start)

    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = _ENCODING
    pdf.set_auto_page_break(False)
    pdf.set_title(_safe(t("pdf.title")))
    pdf.set_creator("oretrust")
    for page in pages:
        _page(pdf, page, t)
    return bytes(pdf.output())


def _page(pdf: FPDF, page: CertificatePage, t: Translator) -> None:
    doc = page.document
    pdf.add_page()
    qr = _qr(page.token)
    text_width = _WIDTH - (_QR + 5 if qr else 0)
    if qr is not None:
        pdf.image(io.BytesIO(qr), x=_LEFT + _WIDTH - _QR, y=15, w=_QR, h=_QR)
    pdf.set_xy(_LEFT, 15)
    _line(pdf, t("pdf.title").upper(), size=9, width=text_width)
    _line(pdf, doc.type_label or doc.kind_label, size=17, bold=True, width=text_width, height=9)
    pdf.ln(2)
    verdict = t("pdf.verdict_at", verdict=doc.verdict_label, time=page.printed_at)
    _line(pdf, verdict, size=11, bold=True, width=text_width)
    _line(pdf, doc.summary, size=9, width=text_width)
    pdf.ln(2)
    if doc.issuer is not None:
        _fact(pdf, t("result.issuer"), doc.issuer.name or t("result.issuer_unknown"), text_width)
        _fact(pdf, "DID", doc.issuer.did, text_width, size=7)
    for key, value in (
        ("result.credential_id", doc.credential_id),
        ("result.issued_at", doc.issued_at),
        ("result.valid_from", doc.valid_from),
        ("result.valid_until", doc.valid_until),
    ):
        if value:
            _fact(pdf, t(key), value, text_width)
    pdf.set_y(max(pdf.get_y(), 15 + (_QR + 4 if qr else 0)))
    if qr is None:
        _line(pdf, t("pdf.no_qr"), size=8)
    pdf.ln(2)
    _heading(pdf, t("result.contents"))
    if doc.entries is None:
        _line(pdf, t("result.contents_hidden"), size=9)
    elif not _entries(pdf, doc.entries, 0):
        _line(pdf, t("pdf.cut"), size=8)
    if doc.hidden_digests is not None and pdf.get_y() < _BOTTOM - 12:
        nothing = t("result.nothing")
        _fact(pdf, t("result.disclosed"), ", ".join(doc.disclosed) or nothing, _WIDTH)
        _fact(pdf, t("result.withheld"), ", ".join(doc.withheld) or nothing, _WIDTH)
    _footer(pdf, t)


def _entries(pdf: FPDF, entries: Sequence[Entry], depth: int) -> bool:
    """Write ``entries`` (groups indented); False when the page ran out first."""
    for entry in entries:
        if pdf.get_y() > _BOTTOM - 6:
            return False
        indent = 4.0 * min(depth, 4)
        pdf.set_x(_LEFT + indent)
        if entry.value is not None:
            _fact(pdf, entry.label, entry.value, _WIDTH - indent, x=_LEFT + indent)
            continue
        _line(pdf, entry.label, size=9, bold=True, x=_LEFT + indent)
        if not _entries(pdf, entry.children, depth + 1):
            return False
    return True


def _fact(
    pdf: FPDF, label: str, value: str, width: float, *, size: float = 9, x: float = _LEFT
) -> None:
    """``label: value`` with the label bold, the value wrapped under its column."""
    pdf.set_x(x)
    pdf.set_font("Helvetica", "B", 9)
    label_width = min(55.0, width / 3)
    if pdf.get_string_width(_safe(label)[:60]) > label_width - 2:  # too long: a line of its own
        pdf.multi_cell(width, 5, _safe(label)[:60], new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(x)
    else:
        pdf.cell(label_width, 5, _safe(label)[:60])
    pdf.set_font("Helvetica", "", size)
    pdf.multi_cell(width - label_width, 5, _safe(value)[:600], new_x="LMARGIN", new_y="NEXT")


def _line(
    pdf: FPDF,
    text: str,
    *,
    size: float,
    bold: bool = False,
    width: float = _WIDTH,
    height: float = 5,
    x: float = _LEFT,
) -> None:
    pdf.set_x(x)
    pdf.set_font("Helvetica", "B" if bold else "", size)
    pdf.multi_cell(width, height, _safe(text), new_x="LMARGIN", new_y="NEXT")


def _heading(pdf: FPDF, text: str) -> None:
    pdf.set_draw_color(120, 120, 120)
    pdf.line(_LEFT, pdf.get_y(), _LEFT + _WIDTH, pdf.get_y())
    pdf.ln(1.5)
    _line(pdf, text, size=11, bold=True, height=6)


def _footer(pdf: FPDF, t: Translator) -> None:
    pdf.set_xy(_LEFT, 280)
    pdf.set_font("Helvetica", "", 7)
    pdf.multi_cell(_WIDTH, 3.5, _safe(t("pdf.footer")))


def _qr(token: str) -> bytes | None:
    """The QR code's PNG, or None when the credential is too large for one QR code."""
    try:
        return qr_png(token, scale=4)
    except InputError:
        return None


def _safe(text: str) -> str:
    """``text`` in the core fonts' encoding (``?`` for what it lacks)."""
    return text.encode(_ENCODING, "replace").decode(_ENCODING)
