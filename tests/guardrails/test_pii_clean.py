"""Ordinary chatbot replies without personal data must pass the PII guard untouched."""

import pytest

from tests.guardrails.clean_replies import CLEAN_REPLIES

# Replies the guard is known to hold wrongly (strict xfails: fixing one fails the suite until it is
# taken off). Empty since guardrails/units.py: spaCy tagged the temperature scales as people.
KNOWN_FALSE_ALARMS: set[str] = set()


@pytest.mark.parametrize("text", [
    pytest.param(t, marks=pytest.mark.xfail(strict=True, reason="known false alarm")) if t in KNOWN_FALSE_ALARMS else t
    for t in CLEAN_REPLIES])
def test_clean_reply_has_no_findings(pii_guard, text):
    flagged = [(f.category, text[f.start:f.end]) for f in pii_guard.scan(text).findings if f.score >= 0.5]
    assert flagged == []
