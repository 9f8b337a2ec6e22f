"""The issuer console in a real browser (Debian's Chromium, headless, through Playwright —
``executable_path=/usr/bin/chromium``, no browser downloaded) against a real
``oretrust serve`` on a loopback port, every request to another origin refused: sign in with
the ministry's token, issue an origin certificate from the form generated from its schema
(a missing field first: its error, the form kept filled), verify it on ``/`` (VALID),
revoke it through the confirmation step, verify again: REVOKED. Screenshots go to
``$ORETRUST_SCREENSHOTS`` (default: the test's temporary folder)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from api_support import Cast, make_cast, serve_home
from browser_support import chromium, offline_page, screenshot_folder, submit_verify

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cast(tmp_path_factory: pytest.TempPathFactory) -> Cast:
    made = make_cast(tmp_path_factory.mktemp("console-browser"))
    made.home.engine.dispose()
    return made


@pytest.fixture(scope="module")
def base(cast: Cast) -> Iterator[str]:
    with serve_home(cast.folder) as url:
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


def test_issue_verify_revoke_verify(
    page: Page, base: str, cast: Cast, shots: Path, tmp_path: Path
) -> None:
    page.goto(f"{base}/console/login")
    page.get_by_label("API token").fill(cast.tokens["ministry"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Issued credentials")
    expect(page.locator("nav.console .who")).to_contain_text("Ministère des Mines")

    page.get_by_role("link", name="Issue a credential").first.click()
    page.get_by_label("Credential type").select_option("MineralOriginCertificate")
    page.get_by_label("Start from the example").check()
    page.get_by_role("button", name="Show the form").click()
    expect(page.locator("#form-heading")).to_have_text("Mineral origin certificate")
    page.locator("#f-exporter-id").fill(cast.holder_did)
    page.locator("#f-lotId").fill("")
    page.locator("#issue").click()  # a required field left empty: judged by the server
    expect(page.locator("#f-lotId-error")).to_have_text("This field is required.")
    expect(page.locator("#error-summary")).to_contain_text("Lot")
    expect(page.locator("#f-commodity")).to_have_value("cobalt hydroxide")  # kept filled
    expect(page.locator("#f-exporter-id")).to_have_value(cast.holder_did)
    page.screenshot(path=str(shots / "console-issue-errors.png"), full_page=True)

    page.locator("#f-lotId").fill("KVM-2026-LOT-0999")
    page.locator("#issue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Credential issued")
    credential_id = page.locator("#credential-id").inner_text()
    token = page.locator("#issued-token").input_value()
    expect(page.locator("#qr")).to_be_visible()
    with page.expect_download() as download:
        page.locator("#download").click()
    assert Path(download.value.path()).read_text() == token
    page.screenshot(path=str(shots / "console-issued.png"), full_page=True)

    submit_verify(page, base, token)
    expect(page.locator(".verdict-label").first).to_have_text("Valid")
    expect(page.locator("section.contents")).to_contain_text("KVM-2026-LOT-0999")

    page.goto(f"{base}/console/issuer")
    row = page.locator(f'tr[data-credential="{credential_id}"]')
    expect(row).to_contain_text("active")
    page.screenshot(path=str(shots / "console-list.png"), full_page=True)
    row.locator("a[data-action=revoke]").click()
    page.get_by_label("Reason").fill("lot re-weighed at the border")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#permanent")).to_contain_text("Revocation is permanent")
    expect(page.locator("#reach")).to_contain_text("1 credential(s) signed with your active key")
    page.screenshot(path=str(shots / "console-revoke-confirm.png"), full_page=True)
    page.get_by_role("button", name="Revoke it for good").click()
    expect(page.locator("#outcome")).to_have_text("The credential is revoked.")

    submit_verify(page, base, token)
    expect(page.locator(".verdict-label").first).to_have_text("Revoked")
    page.screenshot(path=str(shots / "console-verify-revoked.png"), full_page=True)

    page.goto(f"{base}/console/issuer/log")
    expect(page.locator("table.log")).to_contain_text("lot re-weighed at the border")
