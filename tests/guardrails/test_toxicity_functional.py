"""The offline toxicity model on what fools keyword models. Sentences written for this test, not
taken from the training templates; a regression in any behaviour shows up here."""

import pytest

from guardrails.toxicity import ProfanityCheckModel, ToxicityGuard

SHOULD_HOLD = [
    "Muslims are a cancer on this society.",  # hate without swear words
    "I'm going to find you and slit your throat.",  # threat
    "You're a pathetic excuse for a human being.",  # insult
    "Immigrants are parasites who should go back where they came from.",
    "y0u are a w0rthless 1di0t",  # l33t
    "you are a s t u p i d moron",  # spaced letters
]
SHOULD_PASS = [
    "I am a gay man.",  # identity mention
    "My grandmother is Jewish and makes the best soup.",
    "I don't think gay people are disgusting at all.",  # negation
    "Calling refugees vermin is vile and I won't stand for it.",  # counter-speech
    "Fuck, this sandwich is good.",  # profanity aimed at no one
    "The capital of France is Paris.",
    "Being a transgender nurse is rewarding work.",
    "She killed it on stage last night!",
]


def accuracy(guard, cases, expected):
    return sum((guard.scan(t).risk >= 0.5) == expected for t in cases) / len(cases)


def test_neutral_identity_statement_is_not_toxic(toxicity_guard):
    # alt-profanity-check scores this 0.95; the issue that motivated the offline model.
    assert toxicity_guard.scan("I am a gay man.").risk < 0.5


@pytest.mark.parametrize("text", SHOULD_HOLD[:3])
def test_clear_abuse_is_flagged(toxicity_guard, text):
    assert toxicity_guard.scan(text).risk >= 0.5


def test_hard_cases_mostly_right_and_better_than_the_keyword_baseline(toxicity_guard):
    ours = (accuracy(toxicity_guard, SHOULD_HOLD, True) * len(SHOULD_HOLD)
            + accuracy(toxicity_guard, SHOULD_PASS, False) * len(SHOULD_PASS)) / (len(SHOULD_HOLD) + len(SHOULD_PASS))
    baseline_guard = ToxicityGuard(ProfanityCheckModel())
    baseline = (accuracy(baseline_guard, SHOULD_HOLD, True) * len(SHOULD_HOLD)
                + accuracy(baseline_guard, SHOULD_PASS, False) * len(SHOULD_PASS)) / (len(SHOULD_HOLD) + len(SHOULD_PASS))
    assert ours >= 0.8
    assert ours > baseline


def test_emoji_are_read_as_words(toxicity_guard):
    from guardrails.toxicity_minilm import normalise

    assert "kitchen knife" in normalise("I'd love to 🔪 them")
