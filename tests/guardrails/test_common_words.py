"""Ordinary words opening a sentence that spaCy tags as people (guardrails/common_words.py), through
the whole PII guard so spaCy's own findings are real."""

import pytest

from guardrails.common_words import opens_sentence


def people(pii_guard, text):
    return [text[f.start:f.end] for f in pii_guard.scan(text).findings if f.category == "PERSON"]


@pytest.mark.parametrize("text", ["Server at 192.168.10.24 is down.", "The logs are clean. Docker runs the tests."])
def test_a_common_word_opening_a_sentence_is_not_a_person(pii_guard, text):
    assert people(pii_guard, text) == []


def test_the_rest_of_the_finding_is_kept(pii_guard):
    text = "Server at 192.168.10.24 is down."
    assert [f.category for f in pii_guard.scan(text).findings] == ["IP_ADDRESS"]


@pytest.mark.parametrize("text, name", [
    ("Hunter said the trail was closed.", "Hunter"),  # a common word, but also a first name
    ("Smith Ltd. is the brainchild of our 3 founders: Kovalev, Lee and Phillips.", "Kovalev"),  # after a colon: a list
])
def test_names_opening_a_sentence_or_a_list_stay_people(pii_guard, text, name):
    assert any(name in p for p in people(pii_guard, text))


def test_what_opens_a_sentence():
    assert opens_sentence("Server is down", 0)
    assert opens_sentence("It broke. \"Server is down", 11)
    assert not opens_sentence("the Server is down", 4)
    assert not opens_sentence("founders: Kovalev", 10)
