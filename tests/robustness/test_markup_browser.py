"""Hostile markup in a person's message and in a released reply is inert in a real browser.

Real app server (offline), real Chromium. The payloads try to run script (script tags, event handlers,
javascript: links) and to make the browser fetch an address (images, video, iframes, styles): that
address is a real local HTTP server that records every request, and the pages' own requests are
watched too. A moderator releases an edited reply carrying every payload, through the console.
"""

from __future__ import annotations

import http.server
import os
import threading
import time

import pytest
from playwright.sync_api import expect

from tests.app.browser import CHROMIUM, chromium, pick_reason, send_message, sign_in
from tests.app.servers import MODERATOR, wait_for_pending
from tests.robustness.hostile import MARKUP
from tests.robustness.test_server import store

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and not os.environ.get("CI"), reason="Debian chromium not installed (make test installs it)"
)



def live(page, base: str) -> list[str]:
    """Elements on the page that would run or load something a message named (Gradio's own scripts,
    icons and fonts are outside the app's container or are not from a message)."""
    selector = ", ".join([f".gradio-container [src^='{base}']", f".gradio-container [href^='{base}']",
                          ".gradio-container a[href^='javascript']", ".gradio-container [onerror]",
                          ".gradio-container [onload]", ".gradio-container [ontoggle]"]
                         + [f"#chatbot {tag}" for tag in ("script", "iframe", "video", "img", "object", "embed")])
    found = page.locator(selector).evaluate_all("els => els.map(e => e.outerHTML.slice(0, 200))")
    # Gradio's icons carry their own <style>; a message's would name the address.
    return found + page.evaluate("b => [...document.querySelectorAll('style')].map(s => s.textContent)"
                                 ".filter(t => t.includes(b))", base)


@pytest.fixture
def exfil():
    hits = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()


def watch(page, base: str) -> list[str]:
    seen = []
    page.on("request", lambda r: seen.append(r.url) if r.url.startswith(base) else None)
    return seen


def test_hostile_markup_from_the_person_and_in_a_released_reply_is_inert(figures, offline_server, exfil):
    base, hits = exfil
    payload = "\n".join(m.format(exfil=base) for m in MARKUP)
    with figures.fault("hostile markup shown in two browsers", len(MARKUP)), chromium() as browser:
        person = browser.new_context().new_page()
        person_requests = watch(person, base)
        person.goto(offline_server.url)
        queue = store(offline_server)
        before = queue.count()
        send_message(person, payload)
        chatbot = person.locator("#chatbot")
        chatbot.get_by_text("window.__pwned").first.wait_for(timeout=60_000)  # the person's message, as text
        # The Send button takes one message at a time: wait until the first reply is finished and stored.
        deadline = time.monotonic() + 120
        while queue.count() == before and time.monotonic() < deadline:
            time.sleep(0.5)
        person.wait_for_timeout(1000)
        send_message(person, "Write a short greeting.")
        item = wait_for_pending(store(offline_server), "Write a short greeting.", timeout=120)

        mod = browser.new_context().new_page()
        mod_requests = watch(mod, base)
        mod.goto(offline_server.url)
        sign_in(mod, *MODERATOR)  # the listing shows the first message's held reply and the person's words
        mod.locator("#item-pick input").click()
        mod.get_by_role("option").filter(has_text=f"#{item.id} ·").first.click()
        # Wait until the picked item has loaded: loading it fills the edit box with its reply.
        expect(mod.get_by_label("What the person wrote")).to_have_value("Write a short greeting.")
        expect(mod.locator("#edited-reply textarea")).to_have_value(item.reply)
        mod.locator("#edited-reply textarea").fill(payload)
        pick_reason(mod)
        mod.locator("#approve-edited").click()
        mod.locator("#decision-status").get_by_text(f"Item #{item.id} approved").wait_for(timeout=30_000)

        # The person's tab polls and shows the released reply: every payload as its own characters.
        deadline = time.monotonic() + 60
        while chatbot.inner_text().count("[click me](javascript:") < 2 and time.monotonic() < deadline:
            person.wait_for_timeout(500)
        person.wait_for_timeout(1500)  # time for any image or frame to start loading
        text = chatbot.inner_text()
        assert text.count("[click me](javascript:") == 2, text[-3000:]
        for m in MARKUP:
            assert m.format(exfil=base).split("\n")[0] in text
        for page in (person, mod):
            assert page.evaluate("window.__pwned") is None
            assert live(page, base) == []
        assert hits == [] and person_requests == [] and mod_requests == []
