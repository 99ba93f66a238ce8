"""Ordinary words that spaCy tags as people because a sentence starts with them.

spaCy's NER reads a capitalised word opening a sentence as a name more often than it should
("Server at 192.168.10.24 is down.", "Docker runs the tests.", "Soft light from the left."), and a
reply holding one waits for a moderator for nothing. Such a finding is dropped when it is one word,
opens its sentence, is in no name list (census or world, first or last), and its lower-case form is a
word spaCy's vocabulary has a vector for (a word common enough to have been learnt from web text).
Names no list holds, such as "Yumika" or "Zoolander"-like coinages, usually have no vector and stay.
Only spaCy's own findings are filtered; a name our recognizers found by its context is kept.
"""

from __future__ import annotations

import re

from guardrails.recognizers.names import first_names, last_names, world_first_names, world_last_names

# What may stand between a sentence end (or the text's start) and the word: spaces and opening quotes.
# Not a colon: lists of people follow one ("our founders: Kovalev, Lee and Phillips").
_OPENING = re.compile(r"(?:^|[.!?\n])[\s\"'“‘(\[*#>-]*$")


def opens_sentence(text: str, start: int) -> bool:
    return _OPENING.search(text[max(0, start - 20):start]) is not None


class CommonWordFilter:
    def __init__(self, vocab):
        self.vocab = vocab
        self.names = first_names() | last_names() | world_first_names() | world_last_names()

    def is_common_word(self, text: str, start: int, end: int) -> bool:
        word = text[start:end]
        if not word.isalpha() or not opens_sentence(text, start):
            return False
        lower = word.lower()
        return lower not in self.names and self.vocab.has_vector(lower)
