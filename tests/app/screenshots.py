"""Make the README's screenshots from the real app: `make screenshots` (writes docs/chat.png, docs/review.png,
docs/dashboard.png)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from review.db import make_engine
from review.queue import ReviewQueue
from tests.app.browser import chromium, send_message, sign_in
from tests.app.servers import MODERATOR, AppServer, wait_for_pending

# Replies the default policy holds: a name on its own no longer does, a made-up street address or phone does.
HELD_PROMPTS = [
    "Write a contact card for a made-up plumber: full name, mobile phone number and home street address.",
    "Invent a customer record with a name, an e-mail address, a phone number and a credit card number.",
]


def hold_one(page, queue):
    """Send the prompts in turn until one reply is held; the held item (the model decides what it writes)."""
    for prompt in HELD_PROMPTS:
        send_message(page, prompt)
        try:
            return wait_for_pending(queue, timeout=90)
        except TimeoutError:
            continue
    raise RuntimeError("no reply was held; add a prompt to HELD_PROMPTS that the current policy holds")


def main(out_dir: str = "docs") -> None:
    out = Path(out_dir)
    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        server = AppServer(Path(tmp)).wait_ready()
        try:
            with chromium() as browser:
                page = browser.new_page(viewport={"width": 1100, "height": 900})
                page.goto(server.url)
                send_message(page, "What is the capital of France?")
                page.locator("#chatbot").get_by_text("Paris").first.wait_for(timeout=60_000)
                queue = ReviewQueue(make_engine(f"sqlite:///{server.db_path}"))
                item = hold_one(page, queue)
                page.screenshot(path=str(out / "chat.png"))

                mod = browser.new_page(viewport={"width": 1100, "height": 1200})
                mod.goto(server.url)
                sign_in(mod, *MODERATOR)
                mod.locator("#item-pick input").click()
                mod.get_by_role("option").filter(has_text=f"#{item.id} ·").first.click()
                mod.locator("#item-why").get_by_text("Why it was held").wait_for()
                mod.locator("#item-why").click()  # closes the dropdown's option list
                mod.screenshot(path=str(out / "review.png"), full_page=True)

                # The dashboard: the held share of replies and the refusal share of messages, with reasons.
                mod.get_by_role("tab", name="Dashboard").click()
                mod.locator("#dash-refresh").click()
                mod.locator("#dash-load").get_by_text("of replies held").wait_for(timeout=60_000)
                mod.wait_for_timeout(1500)  # the plots render after the text
                mod.screenshot(path=str(out / "dashboard.png"), full_page=True)
        finally:
            server.stop()
    print(f"wrote {out / 'chat.png'}, {out / 'review.png'} and {out / 'dashboard.png'}")


if __name__ == "__main__":
    main(*sys.argv[1:])
