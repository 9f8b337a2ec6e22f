"""``oretrust print``: credentials as PDF certificates, one page each, with their QR code.

    oretrust print FILE... --out certificates/ [--lang fr]   one PDF per credential
    oretrust print FILE... --out batch.pdf [--lang fr]        one PDF, a page per credential

Each FILE (a credential token, an SD-JWT VC, an ``OT1:`` text or a QR image — read as
``oretrust show`` reads it) is verified with the home's trust sources and printed with its
verdict at the time of printing, the issuer's name and the credential's ``OT1:`` QR code
(:mod:`oretrust.web.printing`). Exit 0 when every PDF is written (whatever the verdicts:
they are on the paper), 2 for unusable input — and then nothing is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from oretrust.cli._common import HomeOpt, now
from oretrust.cli.show import read_input
from oretrust.codes import Code
from oretrust.errors import InputError
from oretrust.home import Home
from oretrust.web.certificate_pdf import certificate_pdf
from oretrust.web.i18n import Translator, languages
from oretrust.web.printing import certificate_pages

__all__ = ["register_print_command"]

out = Console(soft_wrap=True, highlight=False)


def print_certificates(
    files: Annotated[
        list[str], typer.Argument(help="Credential files (token, SD-JWT VC, OT1: text, QR image).")
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--out",
            help="A FILE.pdf: one PDF with a page per credential; anything else is a folder "
            "(made if missing): one PDF per credential, named after its file.",
        ),
    ],
    lang: Annotated[
        str, typer.Option(help="Language of the certificates: " + ", ".join(languages()))
    ] = "en",
    home: HomeOpt = None,
) -> None:
    """Print credentials as one-page PDF certificates with their QR code (batch too)."""
    if lang not in languages():
        raise InputError(f"--lang: one of {', '.join(languages())}", code=Code.INVALID_INPUT)
    t = Translator(lang)
    tokens = [read_input(file) for file in files]
    pages = certificate_pages(Home.open(home), tokens, t, now=now(), allow_network=True)
    if output.suffix.lower() == ".pdf":
        _write(output, certificate_pdf(pages, t))
        out.print(f"{len(pages)} certificate(s) written to {output}", markup=False)
        return
    if output.exists() and not output.is_dir():
        raise InputError(f"--out {output} is neither a .pdf nor a folder", code=Code.INVALID_INPUT)
    names = _names(files)
    for name, page in zip(names, pages, strict=True):
        _write(output / name, certificate_pdf([page], t))
    out.print(f"{len(pages)} certificate(s) written to {output}/", markup=False)


def _names(files: list[str]) -> list[str]:
    """``<file stem>.pdf`` per input, numbered when two inputs share a stem."""
    names: list[str] = []
    for number, file in enumerate(files, 1):
        stem = Path(file).stem if file != "-" else "stdin"
        name = f"{stem}.pdf"
        names.append(f"{stem}-{number}.pdf" if name in names else name)
    return names


def _write(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc}", code=Code.FILE_UNREADABLE) from exc


def register_print_command(app: typer.Typer) -> None:
    """Add ``print`` to the ``oretrust`` app."""
    app.command("print")(print_certificates)
