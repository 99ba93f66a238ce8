"""A real browser on the real app: a person chats, a moderator approves, the reply appears."""

import os

import pytest
from playwright.sync_api import expect

from app.service import HELD_NOTICE
from review.db import make_engine
from review.queue import ReviewQueue
from tests.app.browser import CHROMIUM, chromium, pick_reason, send_message, sign_in
from tests.app.servers import MODERATOR, wait_for_pending

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and not os.environ.get("CI"), reason="Debian chromium not installed (make test installs it)"
)


def test_person_chats_and_sees_a_checked_reply(servers):
    with chromium() as browser:
        page = browser.new_page()
        page.goto(servers["default"].url)
        send_message(page, "What is the capital of France?")
        page.locator("#chatbot").get_by_text("Paris").first.wait_for(timeout=60_000)
        assert page.locator("#message textarea").input_value() == ""


def test_moderator_approves_and_the_reply_appears_in_the_other_browser(servers):
    server = servers["strict"]
    question = "What colour is the sky on a clear day?"
    with chromium() as browser:
        person = browser.new_context().new_page()
        person.goto(server.url)
        send_message(person, question)
        person.locator("#chatbot").get_by_text(HELD_NOTICE[:40]).wait_for(timeout=60_000)

        queue = ReviewQueue(make_engine(f"sqlite:///{server.db_path}"))
        item = wait_for_pending(queue, question)

        mod = browser.new_context().new_page()
        mod.goto(server.url)
        sign_in(mod, *MODERATOR)
        mod.locator("#item-pick input").click()
        mod.get_by_role("option").filter(has_text=f"#{item.id} ·").first.click()
        # Signing in shows the oldest item first; wait until the picked one has replaced it.
        expect(mod.get_by_label("What the person wrote")).to_have_value(question)
        expect(mod.locator("#item-why")).to_contain_text("Why it was held")
        mod.locator("#decision-note textarea").fill("harmless")
        pick_reason(mod)
        mod.locator("#approve").click()
        mod.locator("#decision-status").get_by_text(f"Item #{item.id} approved").wait_for()

        # No reload: the person's tab polls and shows the released reply.
        first_words = item.reply.split("\n")[0][:30]
        person.locator("#chatbot").get_by_text(first_words).first.wait_for(timeout=15_000)
        assert person.locator("#chatbot").get_by_text(HELD_NOTICE[:40]).count() == 0
        assert queue.decisions(item.id)[0].note == "harmless"


def test_person_reports_a_reply_with_its_flag(servers):
    from review.queue import USER_REPORT, ItemFilter

    server = servers["default"]
    question = "What is the capital of France?"  # a reply the guards pass (a held one cannot be reported)
    queue = ReviewQueue(make_engine(f"sqlite:///{server.db_path}"))

    def reports():  # other tests on this shared server may report the same question from their own chats
        return {i.id: i for i in queue.search(ItemFilter(guard=USER_REPORT, status=None)).items if i.user_message == question}

    before = reports()
    with chromium() as browser:
        page = browser.new_page()
        page.goto(server.url)
        expect(page.locator("#notice")).to_contain_text("human moderator")
        send_message(page, question)
        reply = page.locator("#chatbot .message.bot, #chatbot [data-testid='bot']").last
        # Flag the finished reply, not the "…" shown while it is written (that one cannot be reported).
        expect(reply).to_contain_text("Paris", timeout=60_000)
        page.wait_for_timeout(1000)
        reply.hover()
        page.locator("#chatbot").get_by_role("button", name="Feedback").last.click()
        page.locator("#chatbot").get_by_role("button", name="Report this reply").last.click()
        page.get_by_text("sent to a moderator").first.wait_for(timeout=15_000)

    new = [item for item_id, item in reports().items() if item_id not in before]
    assert len(new) == 1 and "Paris" in new[0].reply  # one click, one report
