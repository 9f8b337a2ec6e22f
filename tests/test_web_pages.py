"""The verify page in-process (the real app, lifespan included): verdicts with the issuer's
name, the contents as a document, disclosure, the challenge of a presentation or the explicit
waiver, the JSON download, QR images, security headers, no URL of another origin on any page,
``/docs`` offline — and ``oretrust show`` printing the same document."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import base45
import pytest
from typer.testing import CliRunner

from api_support import ApiClient
from oretrust.cli.main import app as cli
from oretrust.formats.ot1 import PREFIX, encode_ot1
from oretrust.holder import present, receive_credential
from oretrust.web.qr_image import qr_png
from web_support import Credentials, external_urls, make_credentials


@pytest.fixture(scope="module")
def creds(tmp_path_factory: pytest.TempPathFactory) -> Credentials:
    return make_credentials(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def api(creds: Credentials) -> Iterator[ApiClient]:
    client = creds.cast.client()
    yield client
    client.close()


def _verdict(html: str) -> str:
    found = re.findall(r'data-verdict="([A-Z_]+)"', html)
    assert found, html[:2000]
    return found[0]


def test_the_form_is_served_with_its_security_headers(api: ApiClient) -> None:
    page = api.get("/", headers={"Accept-Language": "fr-CD,fr;q=0.9"})
    assert page.status_code == 200 and '<html lang="fr">' in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
    assert "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert '<label for="token">' in page.text and 'id="token"' in page.text


def test_genuine_tampered_revoked(api: ApiClient, creds: Credentials) -> None:
    genuine = api.post("/verify", data={"token": creds.genuine})
    assert _verdict(genuine.text) == "VALID"
    assert "Ministère des Mines" in genuine.text and "Mineral origin certificate" in genuine.text
    assert "24.85 t" in genuine.text and "in force" in genuine.text
    tampered = api.post("/verify", data={"token": creds.tampered})
    assert _verdict(tampered.text) == "INVALID" and "49.7 t" not in tampered.text
    assert "SIGNATURE_INVALID" in tampered.text
    assert _verdict(api.post("/verify", data={"token": creds.revoked}).text) == "REVOKED"


def test_sd_jwt_shows_what_was_disclosed(api: ApiClient, creds: Credentials) -> None:
    page = api.post("/verify", data={"token": creds.sd_jwt, "lang": "fr"})
    assert _verdict(page.text) == "VALID" and "Divulgation sélective" in page.text
    assert re.search(r'class="disclosed">[^<]*Masse', page.text)


def test_a_presentation_needs_the_challenge_or_the_waiver(
    api: ApiClient, creds: Credentials
) -> None:
    cast, now = creds.cast, datetime.now(UTC)
    receive_credential(cast.home, "kivu", creds.genuine, now=now)
    token = present(cast.home, "kivu", [creds.genuine_id], nonce="n-42", audience="did:web:buyer",
                    now=now)  # fmt: skip
    refused = api.post("/verify", data={"token": token})
    assert refused.status_code == 400 and "nonce" in refused.text
    answered = api.post(
        "/verify", data={"token": token, "nonce": "n-42", "audience": "did:web:buyer"}
    )
    assert _verdict(answered.text) == "VALID" and "replay-warning" not in answered.text
    replayed = api.post(
        "/verify", data={"token": token, "nonce": "other", "audience": "did:web:buyer"}
    )
    assert _verdict(replayed.text) == "INVALID" and "NONCE_MISMATCH" in replayed.text
    waived = api.post("/verify", data={"token": token, "no_replay_check": "1"})
    assert _verdict(waived.text) == "VALID" and 'id="replay-warning"' in waived.text


def test_report_json_download(api: ApiClient, creds: Credentials) -> None:
    answer = api.post("/verify/report.json", data={"token": creds.revoked})
    assert answer.headers["content-disposition"].startswith("attachment")
    assert answer.json()["verdict"] == "REVOKED"
    problem = api.post("/verify/report.json", data={"token": ""})
    assert problem.status_code == 400 and problem.json()["code"] == "INVALID_INPUT"


def test_qr_image_and_ot1_text(api: ApiClient, creds: Credentials) -> None:
    files = {"qr": ("tag.png", qr_png(creds.revoked), "image/png")}
    assert _verdict(api.post("/verify", files=files, data={"token": ""}).text) == "REVOKED"
    text = encode_ot1(creds.genuine)
    assert _verdict(api.post("/verify", data={"token": text}).text) == "VALID"
    plain = PREFIX + base45.b45encode(zlib.compress(b"\x00" + creds.genuine.encode(), 9)).decode()
    assert len(text) < 0.8 * len(plain)  # the JWS parts packed as bytes: a smaller QR code


def test_bad_input_is_an_html_page_with_a_message(api: ApiClient) -> None:
    page = api.post("/verify", data={"token": "not a credential"})
    assert _verdict(page.text) == "INVALID" and "MALFORMED" in page.text
    unusable = api.post("/verify", data={"token": '{"presentation": 1}'})
    assert unusable.status_code == 400 and 'role="alert"' in unusable.text
    empty = api.post("/verify", data={"token": ""})
    assert "Paste a credential" in empty.text
    big = api.post("/verify", files={"file": ("x.jwt", b"e" * (300 * 1024), "text/plain")})
    assert big.status_code == 400 and "too large" in big.text


def test_no_page_names_another_origin(api: ApiClient, creds: Credentials) -> None:
    pages = [
        api.get("/").text,
        api.get("/?lang=fr").text,
        api.post("/verify", data={"token": creds.genuine}).text,
        api.post("/verify", data={"token": "x"}).text,
        api.get("/docs").text,
        api.get("/static/web/style.css").text,
        api.get("/static/web/docs.js").text,
    ]
    assert [url for page in pages for url in external_urls(page)] == []
    assert external_urls('<script src="https://cdn.example/x.js">') != []  # the check can fail
    assert api.get("/redoc").status_code == 404


def test_docs_assets_are_served_by_the_app(api: ApiClient) -> None:
    docs = api.get("/docs").text
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', docs):
        assert api.get(asset).status_code == 200, asset
    assert api.get("/openapi.json").status_code == 200


def test_cli_show_prints_the_same_document(creds: Credentials, tmp_path: Path) -> None:
    file = tmp_path / "origin.jwt"
    file.write_text(creds.revoked)
    home = str(creds.cast.folder)
    shown = CliRunner().invoke(cli, ["show", str(file), "--home", home, "--lang", "fr"])
    assert shown.exit_code == 1, shown.output
    assert "RÉVOQUÉE" in shown.output and "Ministère des Mines" in shown.output
    assert "Masse: 24.85 t" in shown.output
    image = tmp_path / "qr.png"
    made = CliRunner().invoke(cli, ["qr", str(file), "--out", str(image)])
    assert made.exit_code == 0 and image.read_bytes().startswith(b"\x89PNG")
    decoded = CliRunner().invoke(cli, ["qr", "--decode", str(image)])
    assert decoded.output.strip() == creds.revoked
    verified = CliRunner().invoke(cli, ["verify", str(image), "--home", home, "--json"])
    assert verified.exit_code == 1 and '"verdict": "REVOKED"' in verified.output
