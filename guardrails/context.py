"""Context words around a finding, read from the words as well as from their lemmas.

presidio's LemmaContextAwareEnhancer raises a finding's score when a recognizer's context word stands
near it, comparing lemmas only. spaCy's lemmatizer gets some words wrong: it lemmatizes "Ring" (and
"ring") in "Ring me on 07700 900123" as "re", so the phone number's context word was never seen and
the number stayed under the threshold. This enhancer also compares the lower-cased words themselves.
"""

from __future__ import annotations

from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer


class WordOrLemmaContextEnhancer(LemmaContextAwareEnhancer):
    def _extract_surrounding_words(self, nlp_artifacts, word: str, start: int) -> list[str]:
        by_lemma = super()._extract_surrounding_words(nlp_artifacts, word, start)
        tokens = nlp_artifacts.tokens
        if not tokens:
            return by_lemma
        index = self._find_index_of_match_token(word, start, tokens, nlp_artifacts.tokens_indices)
        words, keywords = _words_and_keywords(nlp_artifacts)
        by_word = (self._add_n_words_backward(index, self.context_prefix_count, words, keywords)
                   + self._add_n_words_forward(index, self.context_suffix_count, words, keywords))
        return by_lemma + [w for w in by_word if w not in by_lemma]


def _words_and_keywords(nlp_artifacts) -> tuple[list[str], list[str]]:
    """Once per text, kept on its artifacts: the enhancer is called for every finding."""
    cached = getattr(nlp_artifacts, "_guarded_words", None)
    if cached is None:
        words = [t.lower_ for t in nlp_artifacts.tokens]
        # The same filter presidio applies to lemmas (NlpArtifacts.set_keywords): no stop words, no punctuation.
        keywords = [t.lower_ for t in nlp_artifacts.tokens if not t.is_stop and not t.is_punct and not t.is_space]
        cached = nlp_artifacts._guarded_words = (words, keywords)
    return cached
