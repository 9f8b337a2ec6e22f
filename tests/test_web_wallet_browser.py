"""Present from the wallet page and verify on the verify page, in a real browser, across two
nodes: the platform (registry and ministry) serves the verify page from its home; the holder
(Kivu) runs ``oretrust serve`` on a home of its own, holding its keys and wallet. Debian's
Chromium, headless, driven by Playwright; every request to a third origin is refused (the
pages work with no external network). Screenshots go to ``$ORETRUST_SCREENSHOTS`` (default:
the test's temporary folder)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from api_support import DOMAIN, MINISTRY, origin_certificate, serve_home
from browser_support import chromium, offline_page, screenshot_folder
from oretrust import identities
from oretrust.api.tokens import create_token
from oretrust.credentials import EXAMPLES
from oretrust.holder import receive_credential
from oretrust.home import Home
from oretrust.issuer import issue_sd_jwt_credential
from oretrust.verifier import verifier_for
from oretrust.web.qr_image import read_qr
from web_support import make_credentials

pytestmark = pytest.mark.slow
NONCE, AUDIENCE = "n-border-2026-12", "https://refinery.example/verify"


@dataclass
class Nodes:
    platform: str
    holder: str
    token: str
    credential_id: str
    credential: str
    ministry_token: str
    kivu_did: str


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nodes]:
    folder = tmp_path_factory.mktemp("wallet-nodes")
    platform = make_credentials(folder / "platform").cast
    kivu = Home.open(folder / "kivu", database_url=f"sqlite:///{folder / 'kivu' / 'oretrust.db'}")
    now = datetime.now(UTC)
    kivu_did = identities.add_holder(kivu, "kivu", display_name="Kivu Minerals SARL", now=now).did
    subject = dict(EXAMPLES["MineralOriginCertificate"])
    subject["exporter"] = origin_certificate(kivu_did)["credentialSubject"]["exporter"]
    issued = issue_sd_jwt_credential(
        platform.home, issuer=MINISTRY, holder=kivu_did, now=now,
        type_name="MineralOriginCertificate", subject=subject,
    )  # fmt: skip
    checker = verifier_for(platform.home, allow_network=False)  # the platform's published state
    receive_credential(kivu, "kivu", issued.token, now=now, verifier=checker)
    _, token = create_token(kivu, role="holder", holder="kivu", now=now,
                            expires_in=timedelta(hours=1))  # fmt: skip
    platform.home.engine.dispose()
    kivu.engine.dispose()
    with serve_home(platform.folder) as platform_url:
        hosts = f"{DOMAIN}={platform_url},mines.gouv.cd.example={platform_url}"
        with serve_home(folder / "kivu", ORETRUST_DID_WEB_HOSTS=hosts) as holder_url:
            yield Nodes(platform_url, holder_url, token, issued.id, issued.token,
                        platform.tokens["ministry"], kivu_did)  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser, nodes: Nodes) -> Iterator[Page]:
    with offline_page(browser, [nodes.platform, nodes.holder]) as opened:
        yield opened


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return screenshot_folder(tmp_path_factory)


def test_present_from_the_wallet_and_verify_it(page: Page, nodes: Nodes, shots: Path) -> None:
    page.goto(f"{nodes.holder}/wallet")
    expect(page.get_by_role("heading", level=1)).to_have_text("Open your wallet")
    page.screenshot(path=str(shots / "wallet-login.png"), full_page=True)
    page.get_by_label("Holder token").fill(nodes.token)
    page.get_by_role("button", name="Open the wallet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wallet: Kivu Minerals SARL")
    card = page.locator(f'fieldset.credential[data-credential="{nodes.credential_id}"]')
    card.get_by_label("Include Mineral origin certificate in the presentation").check()
    card.locator(f'input[name=disclose][value="{nodes.credential_id}|mass"]').check()
    page.get_by_label("Verifier's nonce").fill(NONCE)
    page.get_by_label("Verifier's audience").fill(AUDIENCE)
    page.screenshot(path=str(shots / "wallet.png"), full_page=True)
    page.get_by_role("button", name="Make the presentation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Presentation made")
    expect(page.locator("#presentation-qr")).to_be_visible()
    page.screenshot(path=str(shots / "wallet-presentation.png"), full_page=True)
    file_text = page.locator("#presentation-file").input_value()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the presentation file").click()
    assert json.loads(Path(download.value.path()).read_text()) == json.loads(file_text)

    page.goto(f"{nodes.platform}/")
    page.get_by_label("Paste the credential or presentation").fill(file_text)
    page.locator("#nonce").fill(NONCE)
    page.locator("#audience").fill(AUDIENCE)
    page.get_by_role("button", name="Check").click()
    expect(page.locator(".verdict-label").first).to_have_text("Valid")
    expect(page.locator("dd.disclosed").first).to_contain_text("Mass")
    expect(page.locator("section.chain")).to_have_count(0)  # no custody events: no chain
    page.screenshot(path=str(shots / "verify-wallet-presentation.png"), full_page=True)


def test_another_challenge_is_refused(page: Page, nodes: Nodes) -> None:
    """The presentation made for one nonce does not pass for another."""
    page.goto(f"{nodes.holder}/wallet")
    page.get_by_label("Holder token").fill(nodes.token)
    page.get_by_role("button", name="Open the wallet").click()
    page.locator(f'fieldset.credential[data-credential="{nodes.credential_id}"] '
                 'input[name=credential]').check()  # fmt: skip
    page.get_by_label("Verifier's nonce").fill(NONCE)
    page.get_by_label("Verifier's audience").fill(AUDIENCE)
    page.get_by_role("button", name="Make the presentation").click()
    file_text = page.locator("#presentation-file").input_value()
    page.goto(f"{nodes.platform}/")
    page.get_by_label("Paste the credential or presentation").fill(file_text)
    page.locator("#nonce").fill("someone-else's-nonce")
    page.locator("#audience").fill(AUDIENCE)
    page.get_by_role("button", name="Check").click()
    expect(page.locator(".verdict-label").first).to_have_text("Not valid")


def test_print_a_credential_as_pdf_in_french(page: Page, nodes: Nodes, shots: Path) -> None:
    """The verify page's Print as PDF: a one-page certificate in the page's language, with
    the credential's QR code on it."""
    page.goto(f"{nodes.platform}/?lang=fr")
    page.get_by_label("Collez l\u2019attestation ou la présentation").fill(nodes.credential)
    page.get_by_role("button", name="Vérifier").click()
    expect(page.locator(".verdict-label").first).to_have_text("Valide")
    page.screenshot(path=str(shots / "verify-credential-fr.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Imprimer en PDF").click()
    reader = PdfReader(download.value.path())
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Certificat d\u2019origine des minerais" in text and "KVM-2026-LOT-0457" in text
    assert read_qr(reader.pages[0].images[0].data) == nodes.credential


def _check(page: Page, base: str, text: str) -> str:
    """Verify ``text`` (a presentation file) on ``base``'s verify page; the verdict label."""
    page.goto(f"{base}/")
    page.get_by_label("Paste the credential or presentation").fill(text)
    page.locator("#nonce").fill(NONCE)
    page.locator("#audience").fill(AUDIENCE)
    page.get_by_role("button", name="Check").click()
    return (page.locator(".verdict-label").first.text_content() or "").strip()


def test_the_whole_story_in_the_browser_across_the_nodes(
    page: Page, nodes: Nodes, shots: Path
) -> None:
    """Issue in the platform's console, keep it in the holder's wallet page on its own node,
    present it from there, verify it on the platform's verify page, revoke it in the console,
    verify again: Revoked. Nobody types a command."""
    page.goto(f"{nodes.platform}/console/login")
    page.get_by_label("API token").fill(nodes.ministry_token)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Issue a credential").first.click()
    page.get_by_label("Credential type").select_option("MineralOriginCertificate")
    page.get_by_label("Start from the example").check()
    page.get_by_role("button", name="Show the form").click()
    page.locator("#f-exporter-id").fill(nodes.kivu_did)
    page.locator("#f-lotId").fill("KVM-2026-LOT-1201")
    page.locator("#issue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Credential issued")
    credential_id = page.locator("#credential-id").inner_text()
    token = page.locator("#issued-token").input_value()

    page.goto(f"{nodes.holder}/wallet")
    page.get_by_label("Holder token").fill(nodes.token)
    page.get_by_role("button", name="Open the wallet").click()
    page.get_by_label("The credential, or its https address").fill(token)
    page.get_by_role("button", name="Check and keep").click()
    expect(page.locator("#wallet-notice")).to_contain_text(credential_id)
    page.screenshot(path=str(shots / "story-wallet-kept.png"), full_page=True)
    page.locator(f'fieldset.credential[data-credential="{credential_id}"] '
                 "input[name=credential]").check()  # fmt: skip
    page.get_by_label("Verifier's nonce").fill(NONCE)
    page.get_by_label("Verifier's audience").fill(AUDIENCE)
    page.get_by_role("button", name="Make the presentation").click()
    presentation = page.locator("#presentation-file").input_value()

    assert _check(page, nodes.platform, presentation) == "Valid"
    page.screenshot(path=str(shots / "story-verified.png"), full_page=True)

    page.goto(f"{nodes.platform}/console/issuer")
    page.locator(f'tr[data-credential="{credential_id}"] a[data-action=revoke]').click()
    page.get_by_label("Reason").fill("lot seized at the border")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Revoke it for good").click()
    expect(page.locator("#outcome")).to_have_text("The credential is revoked.")

    assert _check(page, nodes.platform, presentation) == "Revoked"
    page.screenshot(path=str(shots / "story-revoked.png"), full_page=True)
