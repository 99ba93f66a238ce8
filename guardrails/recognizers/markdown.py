"""Markdown markup blanked out before analysis, character for character, so offsets stay the same.

Assistant replies are markdown. Its markup confuses spaCy and the recognizers alike: "**Veggie
Pasta**:" or "## Film" read as capitalised words glued to punctuation (spaCy tags them as people),
a table's pipes join a phone number to the next cell, and a backtick or asterisk right before a
number hides it from patterns that want a word boundary there. Each markup character is replaced by
a space (never removed), so every finding's offsets still point into the original text and the
anonymizer masks the original characters.

Blanked: heading hashes, list bullets and quote marks at a line's start; emphasis asterisks and
underscores at a word's edge (not inside snake_case or an e-mail address); backticks and code fences;
table pipes and the dashes and colons of a table's separator row. Code itself is kept: an identifier
in a code block is still an identifier.
"""

from __future__ import annotations

import re

_LINE_MARKUP = re.compile(r"(?m)^([ \t]*)((?:#{1,6}|>+|[-*+•]|\d{1,3}[.)])[ \t]+)")
_TABLE_RULE = re.compile(r"(?m)^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$")
# Emphasis: runs of * or _ that touch a word on one side only (opening or closing), and any run of *.
_EMPHASIS = re.compile(r"\*+|(?<![\w@.])_+(?=\w)|(?<=\w)_+(?![\w@.])|(?<!\w)__+(?!\w)")
_CODE_AND_PIPES = re.compile(r"`+|\|")


def _blank(match: re.Match) -> str:
    return " " * len(match.group(0))


def plain(text: str) -> str:
    """The text with its markdown markup replaced by spaces; same length, same offsets."""
    if not any(c in text for c in "#*_`|>-+•") and not re.search(r"(?m)^[ \t]*\d{1,3}[.)]", text):
        return text
    out = _TABLE_RULE.sub(_blank, text)
    # Keep the numbering's digits out of the text: "1. Preheat" would otherwise read "1" next to a word.
    out = _LINE_MARKUP.sub(lambda m: m.group(1) + " " * len(m.group(2)), out)
    out = _EMPHASIS.sub(_blank, out)
    out = _CODE_AND_PIPES.sub(_blank, out)
    assert len(out) == len(text)
    return out


def within_one_line(text: str, start: int, end: int) -> tuple[int, int]:
    """The part of text[start:end] on one line: a name never runs over a line break.

    spaCy joins a name to the first word of the next line ("Sarah Johnson\\nMarketing Manager",
    "**Name:** Jane Doe\\n**Email:** ...": "Jane Doe\\n  Email"), so the span would mask a heading or a
    label. The line with the most letters is kept, its edges trimmed of spaces and markup."""
    if "\n" not in text[start:end]:
        return start, end
    best, pos = (start, start), start
    for line in text[start:end].split("\n"):
        a, b = pos, pos + len(line)
        pos = b + 1
        if sum(c.isalpha() for c in line) > sum(c.isalpha() for c in text[best[0]:best[1]]):
            best = (a, b)
    a, b = best
    while a < b and not text[a].isalnum():
        a += 1
    while b > a and not text[b - 1].isalnum():
        b -= 1
    return a, b
