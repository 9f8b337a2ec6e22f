"""Print credentials as PDF certificates: verify each, describe it, lay it out.

The one path behind ``oretrust print`` and the verify page's "Print as PDF": each token is
checked by :func:`oretrust.verifier.verify_token` (the path of ``oretrust verify``) with the
home's trust sources, described by :func:`oretrust.web.describe.describe_report` with the
issuer's name from :func:`oretrust.web.issuers.issuer_lookup`, and laid out by
:func:`oretrust.web.certificate_pdf.certificate_pdf`. A certificate of a credential that does
not verify is still printed — with its verdict (a forgery's contents are withheld by the
describe step) — so a clerk sees on paper why it is refused.

Only credentials are printed: a presentation answers one verifier's challenge and is not a
document to carry (InputError ``INVALID_INPUT``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from oretrust.codes import Code
from oretrust.errors import InputError
from oretrust.home import Home
from oretrust.verifier import verify_token
from oretrust.web.certificate_pdf import CertificatePage, certificate_pdf
from oretrust.web.describe import describe_report
from oretrust.web.i18n import Translator
from oretrust.web.issuers import issuer_lookup

__all__ = ["certificate_pages", "print_certificates"]


def certificate_pages(
    home: Home, tokens: Sequence[str], t: Translator, *, now: datetime, allow_network: bool
) -> list[CertificatePage]:
    """One verified, described page per credential token (InputError for a presentation)."""
    lookup = issuer_lookup(home, t, now=now)
    printed_at = now.strftime("%Y-%m-%d %H:%M UTC")
    pages = []
    for token in tokens:
        report = verify_token(
            home, token, nonce=None, audience=None, now=now, replay_check=False,
            allow_network=allow_network,
        )  # fmt: skip
        if report.kind != "credential":
            raise InputError(
                "only credentials are printed, not presentations", code=Code.INVALID_INPUT
            )
        pages.append(CertificatePage(describe_report(report, t, lookup), token.strip(), printed_at))
    return pages


def print_certificates(
    home: Home, tokens: Sequence[str], t: Translator, *, now: datetime, allow_network: bool
) -> bytes:
    """The PDF of ``tokens``, one page each."""
    pages = certificate_pages(home, tokens, t, now=now, allow_network=allow_network)
    return certificate_pdf(pages, t)
