"""What the browser tests share: Debian's Chromium launched headless through Playwright (it
never downloads a browser), a phone-sized page that refuses every request to an origin it
was not given (the pages must work with no external network), the folder screenshots go to
(``$ORETRUST_SCREENSHOTS``, default a temporary one), and submitting the verify page."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

__all__ = ["CHROMIUM", "chromium", "offline_page", "screenshot_folder", "submit_verify"]

CHROMIUM = "/usr/bin/chromium"


@contextmanager
def chromium() -> Iterator[Browser]:
    """The machine's Chromium, headless (installed by ``.ci/run``)."""
    assert Path(CHROMIUM).is_file(), "Chromium is installed by .ci/run (apt-get install chromium)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()


@contextmanager
def offline_page(
    browser: Browser, origins: Sequence[str], *, locale: str = "en-GB"
) -> Iterator[Page]:
    """A 390x844 page that may reach ``origins`` only; fails if it asked for anything else."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale=locale,
                                  accept_downloads=True)  # fmt: skip
    outside: list[str] = []

    def offline(route: Route) -> None:
        if route.request.url.startswith(tuple(origins)):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", offline)
    opened = context.new_page()
    yield opened
    context.close()
    assert outside == [], f"a page asked for another origin: {outside[:3]}"


def screenshot_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the run's screenshots go."""
    folder = Path(os.environ.get("ORETRUST_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def submit_verify(page: Page, base: str, text: str) -> None:
    """Paste ``text`` into ``base``'s verify page and press Check."""
    page.goto(f"{base}/")
    page.get_by_label("Paste the credential or presentation").fill(text)
    page.get_by_role("button", name="Check").click()
