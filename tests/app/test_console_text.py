"""What a moderator reads, without a browser: the item panel, the audit log's rows, the dashboard's
plots, the decision lines, and how the chat formats a reply (app/display.py)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

import pytest

from app.console.dashboard import dashboard_plots, load_text
from app.console.text import audit_rows, decision_line, item_view
from app.display import formatted, inert, shown_messages
from guardrails.explain import occlusion
from review.queue import Dashboard
from review.tables import AuditEvent, ReviewItem
from review.traffic import Side, TrafficSummary


@pytest.fixture(scope="module")
def explain(toxicity_guard):
    return functools.partial(occlusion, risks=toxicity_guard.risks)


def item(reply: str, guards: str) -> ReviewItem:
    tox = {"guard": "toxicity", "model": "minilm", "threshold": 0.5, "error": None, "scores": {"toxicity": 0.9},
           "findings": []}
    pii = {"guard": "pii", "model": "presidio", "threshold": 0.5, "error": None, "scores": {"PERSON": 0.85},
           "findings": [{"category": "PERSON", "score": 0.85, "start": 0, "end": 4}]}
    return ReviewItem(id=1, conversation_id="c", message_id=1, user_message="hi", reply=reply, guards=guards,
                      reasons=[f"{guards}: fired"], results=[tox, pii])


def test_the_word_panel_is_shown_only_when_toxicity_held_the_reply(explain):
    # A PII-only hold showed the panel with every word at +0.00 (issue 22).
    assert item_view(item("[PERSON] wrote a lovely play.", "pii"), explain).attributions is None
    view = item_view(item("You are a stupid idiot, it's true.", "toxicity"), explain)
    assert view.attributions and any(w and w > 0 for _, w in view.attributions)


def test_words_with_quotes_are_shown_as_written_not_as_html_entities(explain):
    view = item_view(item('He said "idiot", and it\'s an insult, you stupid "idiot".', "toxicity"), explain)
    assert "Words that raised the toxicity score most" in view.why
    assert "&quot;" not in view.why and "&#x27;" not in view.why
    assert '`"idiot",`' in view.why or '`idiot`' in view.why or "`stupid`" in view.why


def test_the_audit_logs_detail_is_json_text_without_entities():
    event = AuditEvent(id=1, at=datetime(2026, 1, 1, tzinfo=UTC), actor="alice", action="login_failure",
                       detail={"ip": "127.0.0.1", "reason": "it's <wrong>"})
    [[_, actor, action, _, detail]] = audit_rows([event])
    assert detail == '{"ip": "127.0.0.1", "reason": "it\'s <wrong>"}'  # a Dataframe shows text as text


def test_the_time_to_decision_axis_never_shows_negative_hours():
    summary = TrafficSummary(start=datetime(2026, 1, 1, tzinfo=UTC),
                             hours=[datetime(2026, 1, 1, h, tzinfo=UTC) for h in range(3)])
    for hours in ([], [0.0], [0.0, 0.0, 0.5]):
        plots = dashboard_plots(Dashboard(hours_to_decision=hours), summary)
        assert plots[3].axes[0].get_xlim()[0] >= 0, hours
        assert all(p.axes[0].get_ylim()[0] >= 0 for p in plots)  # no empty chart around zero either


def test_the_load_line_gives_the_held_and_refused_shares_with_their_reasons():
    hour = datetime(2026, 1, 1, 5, tzinfo=UTC)
    replies = Side(checked=200, stopped=5)
    replies.reasons.update({"pii:PHONE_NUMBER": 3, "toxicity:insult": 2})
    text = load_text(TrafficSummary(start=hour, hours=[hour], replies=replies, messages=Side(checked=50, stopped=1)))
    assert "2.5% of replies held** (5 of 200 checked)" in text and "by guard: pii 1.5%, toxicity 1.0%" in text
    assert "`pii:PHONE_NUMBER` 1.5% (3)" in text and "2.0% of messages refused** (1 of 50 checked)" in text


def test_a_decision_on_a_report_says_the_persons_chat_is_unchanged():
    assert "closed: the reported reply was fine" in decision_line(3, True, False, reported=True)
    assert "upheld" in decision_line(3, False, False, reported=True)
    assert decision_line(3, True, True, reported=False) == "Item #3 approved: the edited version was released to the person."


def test_a_reply_is_formatted_and_can_neither_run_nor_load_anything():
    reply = ("**Bold** and _em_\n\n- one\n- two\n\n```python\nprint('<b>hi</b>')\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
             "<script>alert(1)</script> <img src=https://evil.example/x.png onerror=alert(1)> "
             "![logo](https://evil.example/logo.png) [site](https://evil.example/page) [js](javascript:alert(1))")
    html = formatted(reply)
    for tag in ("<strong>Bold</strong>", "<em>em</em>", "<li>one</li>", "<table>", "<td>1</td>",
                "print('&lt;b&gt;hi&lt;/b&gt;')\n"):
        assert tag in html
    assert "<script" not in html and "<img" not in html and "<a " not in html and "href" not in html
    assert "&lt;script&gt;" in html and "[image: logo]" in html and "site (https://evil.example/page)" in html


def test_a_persons_message_is_shown_as_typed_and_only_replies_are_formatted():
    messages = shown_messages([{"role": "user", "content": "**not bold** <b>x</b>"},
                               {"role": "assistant", "content": "**bold**"}])
    assert messages[0]["content"] == inert("**not bold** <b>x</b>") == "**not bold** &lt;b&gt;x&lt;/b&gt;"
    assert messages[1]["content"] == "<p><strong>bold</strong></p>"
