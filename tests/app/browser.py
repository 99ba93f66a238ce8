"""Playwright on Debian's Chromium (Playwright's own browser download does not work offline)."""

from __future__ import annotations

import contextlib

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@contextlib.contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # Playwright gives each launch a fresh, empty profile of its own.
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def send_message(page, text: str) -> None:
    page.locator("#message textarea").fill(text)
    page.locator("#send").click()


def sign_in(page, name: str, password: str) -> None:
    page.get_by_role("tab", name="Review").click()
    page.get_by_label("Moderator name").fill(name)
    page.get_by_label("Password").fill(password)
    page.locator("#mod-login").click()
    page.get_by_text(f"Signed in as {name}").first.wait_for()  # the status line and the console header both say it
