"""A moderator's working session in a real browser, and an accessibility scan of both tabs.

The person chats in one browser context; a moderator (an admin, who also sees the audit log) works the
queue in another: signs in, filters, claims, sees the personal data highlighted, edits the reply and
approves the edited version, then finds each step in the audit log. axe-core (shipped inside the
axe-playwright-python wheel) scans the chat tab and the signed-in console.
"""

import os
import re

import pytest
from playwright.sync_api import expect

from app.service import HELD_NOTICE
from review.db import make_engine
from review.queue import ItemFilter, ReviewQueue
from tests.app.browser import CHROMIUM, chromium, pick_option, pick_reason, send_message, sign_in
from tests.app.servers import ADMIN, wait_for_pending

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and not os.environ.get("CI"), reason="Debian chromium not installed (make test installs it)"
)

# The rules that count as failures: axe's "serious" and "critical" impacts, on the WCAG 2.x A/AA rule set.
BLOCKING = {"serious", "critical"}
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, "resultTypes": ["violations"]}


def axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page, options=WCAG).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in found if v["impact"] in BLOCKING]


def test_moderator_filters_claims_sees_highlights_edits_approves_and_finds_the_audit_trail(servers):
    server = servers["strict"]  # every reply is held, so the flow does not depend on what the model says
    # No name in the question: the person's own personal data is stored as placeholders, not as written.
    question = "Who wrote the famous play about a Danish prince?"
    queue = ReviewQueue(make_engine(f"sqlite:///{server.db_path}"))
    with chromium() as browser:
        person = browser.new_context().new_page()
        person.goto(server.url)
        send_message(person, question)
        person.locator("#chatbot").get_by_text(HELD_NOTICE[:40]).wait_for(timeout=60_000)
        item = wait_for_pending(queue, question)
        has_person = "[PERSON]" in item.reply  # the model usually names the author

        mod = browser.new_context().new_page()
        mod.goto(server.url)
        sign_in(mod, *ADMIN)

        # Filter: the item's own guard, and a word of the person's message.
        guard = item.guards.split(",")[0]
        pick_option(mod, "#f-guard", guard)
        mod.locator("#f-text textarea").fill("Danish prince")
        mod.locator("#f-apply").click()
        matching = queue.search(ItemFilter(guard=guard, text="Danish prince")).total
        expect(mod.locator("#page-info")).to_contain_text(f"{matching} matching item(s)")

        pick_option(mod, "#item-pick", f"#{item.id} ·")
        expect(mod.get_by_label("What the person wrote")).to_have_value(question)
        expect(mod.locator("#item-why")).to_contain_text("Why it was held")

        mod.locator("#claim").click()
        expect(mod.locator("#claim-status")).to_contain_text(f"You hold item #{item.id}")
        assert queue.get(item.id).claimed_by == ADMIN[0]

        held = mod.locator("#held-reply")
        if has_person:  # the placeholder is a highlighted span with its entity type as the label
            expect(held.get_by_role("button", name="PERSON")).to_be_visible()  # the legend entry
            expect(held).to_contain_text("[PERSON]")
        else:
            expect(held).to_contain_text(item.reply[:20])

        edited = "That play was written by a famous English playwright around 1600."
        mod.locator("#edited-reply textarea").fill(edited)
        mod.locator("#decision-note textarea").fill("names are fine here, but keep it general")
        pick_reason(mod, "acceptable in context")
        mod.locator("#approve-edited").click()
        expect(mod.locator("#decision-status")).to_contain_text(f"Item #{item.id} approved: the edited version was released")

        # The person's tab shows the edited version without a reload, and not the notice.
        person.locator("#chatbot").get_by_text(edited).wait_for(timeout=15_000)
        assert person.locator("#chatbot").get_by_text(HELD_NOTICE[:40]).count() == 0

        # The audit log (admins only) holds every step, with the moderator's name.
        mod.get_by_role("tab", name="Audit log").click()
        mod.locator("#audit-item input").fill(str(item.id))
        mod.locator("#audit-show").click()
        log = mod.locator("#audit-table")
        for action in ("flagged", "viewed", "claimed", "edited", "decided"):
            expect(log).to_contain_text(action)
        expect(log).to_contain_text(ADMIN[0])
    decision = queue.decisions(item.id)[0]
    assert (decision.outcome, decision.edited_reply, decision.moderator) == ("approved", edited, ADMIN[0])


def test_both_tabs_have_no_serious_accessibility_violations(servers):
    server = servers["default"]
    with chromium() as browser:
        page = browser.new_page()
        page.goto(server.url)
        page.locator("#chatbot").wait_for()
        chat = axe_violations(page)
        sign_in(page, *ADMIN)
        page.locator("#queue-counts").wait_for()
        # Signing in loads the first item; scan once it is shown, not through the loading overlay's fade.
        expect(page.locator("#item-why")).to_contain_text(re.compile("Nothing selected|Why it was held|Why it is here"), timeout=30_000)
        page.wait_for_timeout(1000)
        console = axe_violations(page)
    assert chat == [], "chat tab:\n" + "\n".join(chat)
    assert console == [], "review tab:\n" + "\n".join(console)
