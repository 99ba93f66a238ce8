"""The person's side in Chromium, on the real app with its model: typing while a held reply finishes,
a released reply's markdown formatted without loading anything, and what the browser keeps."""

from __future__ import annotations

import http.server
import os
import re
import threading
import time

import pytest
from playwright.sync_api import expect

from app.service import HELD_NOTICE
from review.db import make_engine
from review.queue import ReviewQueue
from tests.app.browser import CHROMIUM, chromium, pick_option, pick_reason, send_message, sign_in
from tests.app.servers import ADMIN
from tests.app.test_console_page import RECORD_VIOLATIONS, storage

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and not os.environ.get("CI"), reason="Debian chromium not installed (make test installs it)"
)

PERSONAL = ("Maria Gonzalez", "415-555-0132")


def held_item(queue, words: str, timeout: float = 90.0):
    """The pending item whose (placeholder) message has `words`, once the reply is finished and stored."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [i for i in queue.pending() if words in i.user_message]
        if found:
            return found[-1]
        time.sleep(0.5)
    raise TimeoutError(f"no held item for {words!r}")


@pytest.fixture
def outside():
    """Another host: a real local HTTP server that records every request a page makes to it."""
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


def test_a_person_keeps_their_typing_sees_formatted_replies_and_the_browser_keeps_nothing(servers, outside):
    server = servers["strict"]  # every reply is held
    base, hits = outside
    question = f"I am {PERSONAL[0]}, my number is {PERSONAL[1]}. Name three cats from cartoons."
    queue = ReviewQueue(make_engine(f"sqlite:///{server.db_path}"))
    with chromium() as browser:
        person = browser.new_context().new_page()
        person.add_init_script(RECORD_VIOLATIONS)
        person.goto(server.url)
        send_message(person, question)
        person.locator("#chatbot").get_by_text(HELD_NOTICE[:40]).wait_for(timeout=60_000)
        # Typed while the held reply is still being written: it must survive the reply's end (issue 22, item 4).
        person.locator("#message textarea").fill("my next question")
        item = held_item(queue, "Name three cats")
        person.wait_for_timeout(3000)
        assert person.locator("#message textarea").input_value() == "my next question"

        mod = browser.new_context().new_page()
        mod.goto(server.url)
        sign_in(mod, *ADMIN)
        pick_option(mod, "#item-pick", f"#{item.id} ·")
        expect(mod.get_by_label("What the person wrote")).to_have_value(re.compile("Name three cats"))
        edited = (f"**Tom**, *Felix* and `Garfield`:\n\n- Tom\n- Felix\n\n![a cat]({base}/image.png) "
                  f'<img src="{base}/tag.png"> [more cats]({base}/page)')
        mod.locator("#edited-reply textarea").fill(edited)
        pick_reason(mod, "acceptable in context")
        mod.locator("#approve-edited").click()
        mod.locator("#decision-status").get_by_text(f"Item #{item.id} approved").wait_for(timeout=30_000)
        mod.locator("#mod-logout").click()
        mod.get_by_text("Signed out.").wait_for()

        # Formatted (issue 22, item 9), and nothing from another host loaded or linked.
        bubble = person.locator("#chatbot strong", has_text="Tom")
        bubble.wait_for(timeout=30_000)
        chat = person.locator("#chatbot")
        expect(chat.locator("em", has_text="Felix")).to_be_visible()
        expect(chat.locator("code", has_text="Garfield")).to_be_visible()
        assert chat.locator("li").count() >= 2
        assert chat.locator("img, a[href^='http']").count() == 0
        expect(chat).to_contain_text("[image: a cat]")
        person.wait_for_timeout(1500)  # time for any image to start loading
        assert hits == [] and person.evaluate("window.__csp") == []

        kept = storage(person) + storage(mod)
        for secret in (ADMIN[1], *PERSONAL, item.reply[:40], "Garfield", "Name three cats"):
            assert secret not in kept, f"{secret!r} kept by the browser: {kept[:500]}"
        # A person's messages last as long as their tab: a new one starts empty.
        person.reload()
        person.locator("#chatbot").wait_for()
        assert PERSONAL[0] not in person.locator("#chatbot").inner_text()
