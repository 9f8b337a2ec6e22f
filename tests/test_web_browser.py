"""The verify page in a real browser: Debian's Chromium, headless, driven by Playwright
(``executable_path=/usr/bin/chromium``: the test tools never download a browser), against a
real ``oretrust serve`` on a loopback port. One browser for the module; every request to
another origin is refused, so the page must work with no external network. Screenshots go to
``$ORETRUST_SCREENSHOTS`` (default: the test's temporary folder)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from api_support import serve_home
from browser_support import chromium, offline_page, screenshot_folder, submit_verify
from oretrust.web.qr_image import qr_png
from web_support import Credentials, make_credentials

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def creds(tmp_path_factory: pytest.TempPathFactory) -> Credentials:
    made = make_credentials(tmp_path_factory.mktemp("browser"))
    made.cast.home.engine.dispose()
    return made


@pytest.fixture(scope="module")
def base(creds: Credentials) -> Iterator[str]:
    with serve_home(creds.cast.folder) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser, base: str) -> Iterator[Page]:
    with offline_page(browser, [base]) as opened:
        yield opened


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return screenshot_folder(tmp_path_factory)


def test_genuine_tampered_revoked(page: Page, base: str, creds: Credentials, shots: Path) -> None:
    submit_verify(page, base, creds.genuine)
    expect(page.locator(".verdict-label").first).to_have_text("Valid")
    expect(page.locator(".issuer-name")).to_contain_text("Ministère des Mines")
    expect(page.locator("section.contents")).to_contain_text("24.85 t")
    page.screenshot(path=str(shots / "verify-valid.png"), full_page=True)
    submit_verify(page, base, creds.tampered)
    expect(page.locator(".verdict-label").first).to_have_text("Not valid")
    expect(page.locator("[data-check=signature]")).to_contain_text("failed")
    submit_verify(page, base, creds.revoked)
    expect(page.locator(".verdict-label").first).to_have_text("Revoked")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the report (JSON)").click()
    assert json.loads(Path(download.value.path()).read_text())["verdict"] == "REVOKED"


def test_qr_image_upload(page: Page, base: str, creds: Credentials, tmp_path: Path) -> None:
    image = tmp_path / "bag-tag.png"
    image.write_bytes(qr_png(creds.revoked))
    page.goto(f"{base}/")
    page.get_by_label("…or upload an image of its QR code").set_input_files(str(image))
    page.get_by_role("button", name="Check").click()
    expect(page.locator(".verdict-label").first).to_have_text("Revoked")


def test_french_and_keyboard_only(page: Page, base: str, creds: Credentials, shots: Path) -> None:
    page.goto(f"{base}/")
    page.get_by_role("link", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Cette attestation est-elle authentique ?"
    )
    page.screenshot(path=str(shots / "verify-form-fr.png"), full_page=True)
    page.locator("body").focus()
    page.keyboard.press("Tab")  # the skip link comes first
    expect(page.locator(".skip")).to_be_focused()
    page.locator("#token").focus()
    page.keyboard.insert_text(creds.genuine)
    for _ in range(20):  # to the submit button by Tab alone
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "submit":
            break
    page.keyboard.press("Enter")
    expect(page.locator(".verdict-label").first).to_have_text("Valide")
    expect(page.locator("section.document h2").first).to_have_text(
        "Certificat d\u2019origine des minerais"
    )
    expect(page.locator("section.contents")).to_contain_text("Masse")
    page.screenshot(path=str(shots / "verify-valid-fr.png"), full_page=True)


def test_docs_render_offline(page: Page, base: str) -> None:
    page.goto(f"{base}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("oretrust")
