"""Credentials printed as PDF certificates: ``oretrust print`` (one multi-page PDF, or a PDF
per credential in a folder) and the verify page's "Print as PDF". Each PDF is parsed back with
pypdf: its pages, its text (the lot id, the French labels with ``--lang fr``, the verdict when
printed) and the QR image on it, which must decode to the very credential printed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from api_support import ApiClient
from conftest import run_oretrust
from oretrust.cli.main import app as cli
from oretrust.holder import present, receive_credential
from oretrust.web.qr_image import read_qr
from web_support import Credentials, make_credentials

LOT = "KVM-2026-LOT-0457"


@pytest.fixture(scope="module")
def creds(tmp_path_factory: pytest.TempPathFactory) -> Credentials:
    return make_credentials(tmp_path_factory.mktemp("print"))


@pytest.fixture(scope="module")
def api(creds: Credentials) -> Iterator[ApiClient]:
    client = creds.cast.client()
    yield client
    client.close()


def _qr_of(page: object) -> str:
    images = page.images  # type: ignore[attr-defined]
    assert len(images) == 1, "one QR code per certificate"
    return read_qr(images[0].data)


def test_a_batch_in_french_is_one_pdf_with_a_page_per_credential(
    creds: Credentials, tmp_path: Path
) -> None:
    files = []
    for name, token in (("genuine", creds.genuine), ("revoked", creds.revoked)):
        files.append(tmp_path / f"{name}.jwt")
        files[-1].write_text(token)
    out = tmp_path / "batch.pdf"
    home = str(creds.cast.folder)
    made = CliRunner().invoke(
        cli, ["print", *map(str, files), "--out", str(out), "--lang", "fr", "--home", home]
    )
    assert made.exit_code == 0, made.output
    reader = PdfReader(out)
    assert len(reader.pages) == 2
    first, second = (page.extract_text() for page in reader.pages)
    assert LOT in first and "Certificat d\u2019origine des minerais" in first
    assert "Masse" in first and "Ministère des Mines" in first and "Émetteur" in first
    assert "Verdict à l\u2019impression" in first and "Valide" in first
    assert "Révoquée" in second
    assert _qr_of(reader.pages[0]) == creds.genuine
    assert _qr_of(reader.pages[1]) == creds.revoked


def test_a_folder_gets_one_pdf_per_credential_in_english(
    creds: Credentials, tmp_path: Path
) -> None:
    token = tmp_path / "origin.jwt"
    token.write_text(creds.genuine)
    sd = tmp_path / "origin.sd-jwt"
    sd.write_text(creds.sd_jwt)
    out = tmp_path / "certificates"
    made = CliRunner().invoke(
        cli, ["print", str(token), str(sd), "--out", str(out), "--home", str(creds.cast.folder)]
    )
    assert made.exit_code == 0, made.output
    assert sorted(p.name for p in out.iterdir()) == ["origin-2.pdf", "origin.pdf"]
    reader = PdfReader(out / "origin.pdf")
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Mineral origin certificate" in text and LOT in text and "Mass" in text
    assert _qr_of(reader.pages[0]) == creds.genuine
    assert len(PdfReader(out / "origin-2.pdf").pages) == 1


def test_bad_input_is_exit_2_and_one_line(creds: Credentials, tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    missing = run_oretrust(
        "print", str(tmp_path / "nope.jwt"), "--out", str(out), "--home", str(creds.cast.folder)
    )
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1, missing.stderr
    assert missing.stderr.startswith("error: FILE_UNREADABLE") and not out.exists()


def test_the_verify_page_prints_the_credential_as_pdf(api: ApiClient, creds: Credentials) -> None:
    page = api.post("/verify", data={"token": creds.genuine})
    assert 'action="/verify/certificate.pdf"' in page.text and "Print as PDF" in page.text
    pdf = api.post("/verify/certificate.pdf", data={"token": creds.genuine, "lang": "fr"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "attachment" in pdf.headers["content-disposition"]
    reader = PdfReader(BytesIO(pdf.content))
    assert len(reader.pages) == 1 and LOT in reader.pages[0].extract_text()
    assert "Certificat" in reader.pages[0].extract_text()
    assert _qr_of(reader.pages[0]) == creds.genuine


def test_a_presentation_or_nothing_is_not_printed(api: ApiClient, creds: Credentials) -> None:
    cast, now = creds.cast, datetime.now(UTC)
    receive_credential(cast.home, "kivu", creds.genuine, now=now)
    token = present(cast.home, "kivu", [creds.genuine_id], nonce="n", audience="a", now=now)
    refused = api.post(
        "/verify/certificate.pdf", data={"token": token, "nonce": "n", "audience": "a"}
    )
    assert refused.status_code == 400 and refused.json()["code"] == "INVALID_INPUT"
    empty = api.post("/verify/certificate.pdf", data={"token": ""})
    assert empty.status_code == 400 and empty.json()["code"] == "INVALID_INPUT"
