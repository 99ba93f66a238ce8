"""Ordinary chatbot replies without personal data must pass the PII guard untouched."""

import pytest

from tests.guardrails.clean_replies import CLEAN_REPLIES

KNOWN_FALSE_ALARMS = {
    # spaCy en_core_web_md tags the temperature scales as people (they are named after people).
    "To convert 100 Fahrenheit to Celsius, subtract 32 and multiply by 5/9: about 37.8 degrees.",
}


@pytest.mark.parametrize("text", [
    pytest.param(t, marks=pytest.mark.xfail(strict=True, reason="known false alarm")) if t in KNOWN_FALSE_ALARMS else t
    for t in CLEAN_REPLIES])
def test_clean_reply_has_no_findings(pii_guard, text):
    flagged = [(f.category, text[f.start:f.end]) for f in pii_guard.scan(text).findings if f.score >= 0.5]
    assert flagged == []
