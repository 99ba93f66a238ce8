"""Why a text scored as it did: word attributions by occlusion.

Each word is removed in turn and the text scored again; a word's weight is how much the score
drops without it. It needs nothing but the guard's own batched scorer, so it explains whichever
toxicity model is configured (detoxify or the offline one), and the variants go through the
model in one batch. SHAP's partition explainer gives similar rankings at many times the cost.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_TOKENS = re.compile(r"\s+|[^\s]+")


def occlusion(text: str, risks: Callable[[list[str]], list[float]], max_words: int = 150) -> tuple[float, list[tuple[str, float | None]]]:
    """(score of the whole text, [(piece, weight)]) where whitespace pieces have weight None.

    Weights are score(text) - score(text without the word): positive pushed the score up.
    Words past `max_words` are not occluded (weight None) so a long reply stays cheap to explain.
    """
    pieces = _TOKENS.findall(text)
    words = [i for i, p in enumerate(pieces) if not p.isspace()][:max_words]
    variants = ["".join(p for j, p in enumerate(pieces) if j != i) for i in words]
    scores = risks([text] + variants)
    base, rest = scores[0], scores[1:]
    weight = {i: base - s for i, s in zip(words, rest)}
    return base, [(p, weight.get(i)) for i, p in enumerate(pieces)]


def top_words(attributions: list[tuple[str, float | None]], n: int = 5) -> list[tuple[str, float]]:
    """The n words that raised the score most, strongest first."""
    scored = [(w, s) for w, s in attributions if s is not None and s > 0]
    return sorted(scored, key=lambda ws: -ws[1])[:n]
