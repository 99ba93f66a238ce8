"""How a held item is shown to a moderator: highlighted spans and the score table."""

from app.ui import _explain, _highlight
from review.tables import ReviewItem

REPLY = "Hamlet by William Shakespeare was written before 1695."


def item(pii_threshold=0.5) -> ReviewItem:
    pii = {"guard": "pii", "model": "presidio", "threshold": pii_threshold, "error": None,
           "scores": {"PERSON": 0.85, "PHONE_NUMBER": 0.4},
           "findings": [{"category": "PERSON", "score": 0.85, "start": 10, "end": 29},
                        {"category": "PHONE_NUMBER", "score": 0.4, "start": 49, "end": 53}]}
    tox = {"guard": "toxicity", "model": "alt-profanity-check", "threshold": 0.5, "error": None,
           "scores": {"toxicity": 0.004}, "findings": [{"category": "toxicity", "score": 0.004, "start": None, "end": None}]}
    return ReviewItem(id=1, conversation_id="c", message_id=1, user_message="Who wrote Hamlet?", reply=REPLY,
                      guards="pii", reasons=["pii: PERSON 0.85 ≥ 0.50 (hold)"], results=[tox, pii])


def test_only_spans_over_the_threshold_are_highlighted_and_text_is_kept_whole():
    parts = _highlight(item())
    assert "".join(text for text, _ in parts) == REPLY
    assert [(text, label) for text, label in parts if label] == [("William Shakespeare", "PERSON")]
    assert ("1695", "PHONE_NUMBER") in _highlight(item(pii_threshold=0.3))


def test_explanation_lists_reasons_and_every_score_with_its_threshold():
    text = _explain(item())
    assert "pii: PERSON 0.85 ≥ 0.50 (hold)" in text
    assert "| pii | presidio | PERSON | 0.850 | 0.50 |" in text
    assert "| toxicity | alt-profanity-check | toxicity | 0.004 | 0.50 |" in text


def test_markup_in_a_reason_is_escaped():
    held = item()
    held.reasons = ["<script>alert(1)</script>"]
    assert "<script>" not in _explain(held)
