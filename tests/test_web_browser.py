"""The verify page in a real browser: Debian's Chromium, headless, driven by Playwright
(``executable_path=/usr/bin/chromium``: the test tools never download a browser), against a
real ``oretrust serve`` on a loopback port. One browser for the module; every request to
another origin is refused, so the page must work with no external network. Screenshots go to
``$ORETRUST_SCREENSHOTS`` (default: the test's temporary folder)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

from api_support import serve_home
from oretrust.web.qr_image import qr_png
from web_support import Credentials, make_credentials

pytestmark = pytest.mark.slow
CHROMIUM = "/usr/bin/chromium"


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
    assert Path(CHROMIUM).is_file(), "Chromium is installed by .ci/run (apt-get install chromium)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, base: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    outside: list[str] = []

    def offline(route: Route) -> None:
        if route.request.url.startswith(base):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", offline)
    opened = context.new_page()
    yield opened
    context.close()
    assert outside == [], "the page asked for another origin"


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("ORETRUST_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _check(page: Page, base: str, token: str) -> None:
    page.goto(f"{base}/")
    page.get_by_label("Paste the credential or presentation").fill(token)
    page.get_by_role("button", name="Check").click()


def test_genuine_tampered_revoked(page: Page, base: str, creds: Credentials, shots: Path) -> None:
    _check(page, base, creds.genuine)
    expect(page.locator(".verdict-label").first).to_have_text("Valid")
    expect(page.locator(".issuer-name")).to_contain_text("Ministère des Mines")
    expect(page.locator("section.contents")).to_contain_text("24.85 t")
    page.screenshot(path=str(shots / "verify-valid.png"), full_page=True)
    _check(page, base, creds.tampered)
    expect(page.locator(".verdict-label").first).to_have_text("Not valid")
    expect(page.locator("[data-check=signature]")).to_contain_text("failed")
    _check(page, base, creds.revoked)
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
