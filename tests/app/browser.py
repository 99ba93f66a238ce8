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
    page.locator("#queue-counts").get_by_text("Signed in as").wait_for()


def pick_option(page, dropdown: str, text: str) -> None:
    """Open a Gradio dropdown (by its elem_id selector) and click the first option containing `text`."""
    page.locator(f"{dropdown} input").click()
    page.get_by_role("option").filter(has_text=text).first.click()


def pick_reason(page, reason: str = "false positive", dropdown: str = "#reason-code") -> None:
    """Every decision needs its reason code picked (there is no default)."""
    pick_option(page, dropdown, reason)
