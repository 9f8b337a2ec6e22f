"""``oretrust show`` and ``oretrust qr``: a credential as people read it, and as a QR code.

    oretrust show FILE [--lang fr] [--nonce N --audience A]   the readable document
    oretrust qr FILE --out qr.png                              the OT1: QR code of FILE
    oretrust qr --decode qr.png [--out FILE]                   the token a QR code carries

``show`` verifies FILE with the home's trust sources and prints the document the verify page
shows (:mod:`oretrust.web.describe`, the same code): verdict, issuer's display name and
accreditation, contents, what was disclosed and withheld, every check. A presentation without
``--nonce``/``--audience`` is shown without replay protection, and says so. FILE may be a
token, a presentation file, an ``OT1:`` text or a QR code image (:func:`read_input`, which
``oretrust verify`` uses too). Exit 0 valid, 1 not valid, 2 input error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from oretrust.cli._common import HomeOpt, now
from oretrust.codes import Code
from oretrust.errors import InputError
from oretrust.formats.ot1 import decode_ot1, is_ot1
from oretrust.home import Home
from oretrust.verifier import verify_token
from oretrust.web.describe import describe_report
from oretrust.web.i18n import Translator, languages
from oretrust.web.issuers import issuer_lookup
from oretrust.web.qr_image import looks_like_image, qr_png, read_qr
from oretrust.web.text import document_lines

__all__ = ["read_input", "register_show_commands"]

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)


def read_input(path: str) -> str:
    """The text of FILE: a QR image is read and an ``OT1:`` text decoded; ``-`` is stdin.

    Raises InputError ``FILE_UNREADABLE``, or the QR codes' errors."""
    if path == "-":
        import sys

        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc}", code=Code.FILE_UNREADABLE) from exc
    if looks_like_image(data):
        return read_qr(data)
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not text or an image", code=Code.FILE_UNREADABLE) from exc
    return decode_ot1(text) if is_ot1(text) else text


def show(
    file: Annotated[str, typer.Argument(help="Credential, presentation, OT1: text or QR image.")],
    lang: Annotated[
        str, typer.Option(help="Language of the labels: " + ", ".join(languages()))
    ] = "en",
    nonce: Annotated[str | None, typer.Option(help="Your challenge (presentations).")] = None,
    audience: Annotated[str | None, typer.Option(help="Your audience (presentations).")] = None,
    home: HomeOpt = None,
) -> None:
    """Print a credential or presentation as a readable document, with its verdict."""
    if lang not in languages():
        raise InputError(f"--lang: one of {', '.join(languages())}", code=Code.INVALID_INPUT)
    t = Translator(lang)
    opened = Home.open(home)
    moment = now()
    replay_check = nonce is not None or audience is not None
    report = verify_token(
        opened, read_input(file), nonce=nonce, audience=audience, now=moment,
        replay_check=replay_check,
    )  # fmt: skip
    if report.kind == "presentation" and not replay_check:
        err.print(f"warning: {t('result.replay_warning')}", markup=False)
    document = describe_report(report, t, issuer_lookup(opened, t, now=moment))
    for line in document_lines(document, t):
        out.print(line, markup=False)
    raise typer.Exit(0 if report.verified else 1)


def qr(
    file: Annotated[str, typer.Argument(help="The credential file, or with --decode the image.")],
    output: Annotated[Path | None, typer.Option("--out", help="Write here (PNG, or text).")] = None,
    decode: Annotated[bool, typer.Option("--decode", help="Read a QR code image back.")] = False,
) -> None:
    """Make the QR code of a credential (OT1: zlib + Base45, alphanumeric mode), or read one."""
    if decode:
        text = read_input(file)
        if output is None:
            out.print(text, markup=False)
        else:
            output.write_text(text + "\n", encoding="utf-8")
        return
    if output is None:
        raise InputError("qr: --out FILE.png is required", code=Code.INVALID_INPUT)
    image = qr_png(read_input(file))
    output.write_bytes(image)
    out.print(f"QR code written to {output}", markup=False)


def register_show_commands(app: typer.Typer) -> None:
    """Add ``show`` and ``qr`` to the ``oretrust`` app."""
    app.command("show")(show)
    app.command("qr")(qr)
