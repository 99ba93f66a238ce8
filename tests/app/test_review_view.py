"""How a held item is shown to a moderator: redacted text with highlighted placeholders, the score table."""

from app.review_tab import explain_item
from review.redaction import highlight_placeholders, redact_spans
from review.tables import ReviewItem

REPLY = "Hamlet by William Shakespeare was written before 1695."


def results(pii_threshold=0.5):
    pii = {"guard": "pii", "model": "presidio", "threshold": pii_threshold, "error": None,
           "scores": {"PERSON": 0.85, "PHONE_NUMBER": 0.4},
           "findings": [{"category": "PERSON", "score": 0.85, "start": 10, "end": 29},
                        {"category": "PHONE_NUMBER", "score": 0.4, "start": 49, "end": 53}]}
    tox = {"guard": "toxicity", "model": "alt-profanity-check", "threshold": 0.5, "error": None,
           "scores": {"toxicity": 0.004}, "findings": [{"category": "toxicity", "score": 0.004, "start": None, "end": None}]}
    return [tox, pii]


def test_every_reported_span_is_replaced_whatever_its_score():
    assert redact_spans(REPLY, results()) == "Hamlet by [PERSON] was written before [PHONE_NUMBER]."
    too_long = [{"guard": "pii", "findings": [{"category": "X", "score": 1, "start": 7, "end": 999}]}]
    assert redact_spans(REPLY, too_long) == "Hamlet [X]"  # never leaves the tail unmasked


def test_placeholders_are_highlighted_with_their_entity_type_and_text_is_kept_whole():
    text = "Call [PERSON] on [PHONE_NUMBER], or [EMAIL_ADDRESS_1] [not a placeholder]."
    parts = highlight_placeholders(text)
    assert "".join(p for p, _ in parts) == text
    assert [(p, label) for p, label in parts if label] == [("[PERSON]", "PERSON"), ("[PHONE_NUMBER]", "PHONE_NUMBER")]


def test_explanation_lists_reasons_and_every_score_with_its_threshold():
    item = ReviewItem(id=1, conversation_id="c", message_id=1, user_message="Who wrote Hamlet?", reply=REPLY,
                      guards="pii", reasons=["pii: PERSON 0.85 ≥ 0.50 (hold)"], results=results())
    text = explain_item(item)
    assert "pii: PERSON 0.85 ≥ 0.50 (hold)" in text
    assert "| pii | presidio | PERSON | 0.850 | 0.50 |" in text
    assert "| toxicity | alt-profanity-check | toxicity | 0.004 | 0.50 |" in text
    item.reasons = ["<script>alert(1)</script>"]
    assert "<script>" not in explain_item(item)
