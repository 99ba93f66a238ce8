"""Word attributions by occlusion, on the real offline toxicity model."""

from guardrails.explain import occlusion, top_words


def test_the_insult_is_the_word_that_drives_the_score(toxicity_guard):
    text = "Thanks for the help, you stupid idiot."
    score, parts = occlusion(text, toxicity_guard.risks)
    assert "".join(p for p, _ in parts) == text  # nothing lost, whitespace kept
    assert score >= 0.5
    words = [w for w, _ in top_words(parts, 2)]
    assert any(w.strip(".,") in ("idiot", "stupid") for w in words), words


def test_weights_are_score_drops_and_long_texts_stay_bounded():
    calls = []

    def risks(texts):  # a transparent scorer: the share of texts' words that are "bad"
        calls.append(len(texts))
        return [t.split().count("bad") / max(1, len(t.split())) for t in texts]

    score, parts = occlusion("good bad good", risks)
    weights = {p: w for p, w in parts if w is not None}
    assert score == 1 / 3 and weights["bad"] == 1 / 3 and weights["good"] < 0
    occlusion(" ".join(["w"] * 500), risks, max_words=150)
    assert calls[-1] == 151  # one batch: the text and 150 variants
