"""Phone numbers by shape, for the many that presidio's PhoneRecognizer drops.

presidio's recognizer keeps only numbers that libphonenumber accepts as valid for a few
regions, so made-up or foreign numbers (166-684-7899, (85) 5986-8343, 0477 11 28 98) go
unseen, though a leak of them is still a leak.
"""

from __future__ import annotations

import regex as re

from presidio_analyzer import Pattern, PatternRecognizer

EXT = r"(?:[ \t]*(?:x|ext\.?|extension)[ \t]*\d{1,6})?"
EXT_RE = re.compile(r"[ \t]*(?:x|ext\.?|extension)[ \t]*\d{1,6}$", re.I)
LABEL = r"(?=[ \t]*[-–(,:]?[ \t]*(?:office|fax|mobile|cell|home|work|tel|phone|landline|direct)\b)"
# A year, a year range or an ISO date written with separators is not a phone number.
DATE_LIKE = re.compile(r"^(?:(?:19|20)\d\d[-./ ]\d{1,2}[-./ ]\d{1,2}|\d{1,2}[-./ ]\d{1,2}[-./ ](?:19|20)\d\d|(?:19|20)\d\d[-– ](?:19|20)\d\d)$")


class PhoneFormatRecognizer(PatternRecognizer):
    # No "call": presidio drops spaCy stop words from the context window, and "call" is one.
    CONTEXT = ["phone", "telephone", "tel", "mobile", "cell", "fax", "reach", "contact", "number",
               "dial", "text", "sms", "whatsapp", "landline", "answer", "ring", "office", "hotline"]

    def __init__(self):
        patterns = [
            # North-American shape, optionally with country/trunk prefix and extension.
            Pattern("nanp", r"(?<![\w+-])(?:(?:\+?1|001)[-. \t]?)?(?:\(\d{3}\)[ \t]?|\d{3}[-.])\d{3}[-.]\d{4}" + EXT + r"(?![\d])", 0.6),
            # International: a leading + is a strong sign on its own.
            Pattern("plus", r"(?<![\w+])\+\d{1,3}(?:[-. \t]?\(?\d{1,4}\)?){2,5}\d(?!\d)", 0.6),
            # Area code in brackets: (85) 5986-8343, (022) 0793-176.
            Pattern("bracketed", r"(?<![\w)])\(\d{2,4}\)[ \t]?\d{2,5}(?:[-. \t]\d{2,5}){0,2}" + EXT + r"(?!\d)", 0.55),
            # Loose digit groups and bare 10-digit runs: weak alone, confirmed by context words.
            Pattern("groups", r"(?<![\w.,+-])\d{2,5}(?:[- .]\d{2,8}){1,4}" + EXT + r"(?!\d|[.,]\d)", 0.3),
            Pattern("run", r"(?<![\w.,+-])0?\d{10}(?!\d|[.,]\d)", 0.3),
            # Digit groups labelled as a phone right after them, as in contact lists and signatures
            # ("078 6657 2626 office", "042 078 6381-mobile"): presidio's context window does not
            # always reach the label across a line break.
            Pattern("labelled", r"(?<![\w.,+-])\d{2,5}(?:[- .]\d{2,8}){1,4}" + EXT + LABEL, 0.6),
        ]
        super().__init__(supported_entity="PHONE_NUMBER", name="PhoneFormatRecognizer", patterns=patterns,
                         context=self.CONTEXT)

    def invalidate_result(self, pattern_text: str) -> bool:
        digits = sum(c.isdigit() for c in EXT_RE.sub("", pattern_text))  # an extension adds digits, not length
        return not 7 <= digits <= 15 or bool(DATE_LIKE.match(pattern_text.strip()))
