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


# An ISO date with more after it ("2026-01-07 14" of "2026-01-07 14:30") is a timestamp.
ISO_DATE_START = re.compile(r"^(?:19|20)\d\d-\d\d-\d\d(?!\d)")


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
        return _not_a_phone(pattern_text)


def _not_a_phone(pattern_text: str) -> bool:
    digits = sum(c.isdigit() for c in EXT_RE.sub("", pattern_text))  # an extension adds digits, not length
    text = pattern_text.strip()
    return not 7 <= digits <= 15 or bool(DATE_LIKE.match(text) or ISO_DATE_START.match(text))


# Words that introduce a phone number directly before it, in English and the languages of European
# numbers ("call me on 01.84.17.61.18", "Mein Handy: 0171 2345678", "Tél. 04 91 23 45 67").
# "reach"/"contact" need a person after them: "reach 100 000 users" is an audience, not a number.
PHONE_CUES = (r"(?:call|ring|phone|text|txt|sms|whatsapp|dial|fax)(?:[ \t]+(?:me|us|him|her|them))?"
              r"(?:[ \t]+(?:on|at))?|(?:reach|contact)[ \t]+(?:me|us|him|her|them)(?:[ \t]+(?:on|at))?"
              r"|(?:phone|mobile|cell|cellphone|telephone|landline|fax|contact|whatsapp|home|work|office)"
              r"[ \t]+(?:number|no\.?|num|\#)|(?:my|his|her|their|our|your)[ \t]+(?:number|phone|mobile|cell|landline)"
              r"|tel\.?|tél\.?|mob\.?|ph\.?|mobile|cell|handy|mobil|telefon|telefono|teléfono|téléphone|portable|cellulare|"
              r"telemóvel|gsm|numéro|nummer|número"
              # "call me on/at" in the languages of European numbers: "appelez-moi au", "erreichen Sie mich unter",
              # "llámame al", "chiamami al", "bel me op", "ligue-me para".
              r"|(?:appel(?:le|lez|er)|joindre|contacte[rz]?)(?:-moi|-nous|[ \t]+(?:moi|nous))?(?:[ \t]+(?:au|sur))?"
              r"|(?:erreich(?:en|st|t)|anrufen|ruf(?:e|en|t)?)(?:[ \t]+(?:sie|du|mich|uns|ihn|an)){0,3}[ \t]+unter"
              r"|erreichbar[ \t]+unter|ll[áa]m(?:a|e|en|ame|eme|anos|enos)(?:[ \t]+al)?|llamar(?:me|nos)?(?:[ \t]+al)?"
              r"|(?:chiama(?:mi|ci|temi|teci)?|chiamarmi|chiamarci)(?:[ \t]+(?:al|allo))?"
              r"|bel(?:[ \t]+(?:me|mij|ons))?(?:[ \t]+op)?|lig(?:a|ue|ar)(?:-me|-nos)?(?:[ \t]+(?:para|no))?")
PHONE_LINK = r"(?:[ \t]+(?:is|was|:))?[ \t]*[:#=\-]?[ \t]*"
# Digit groups split by spaces, dots, dashes or slashes, maybe with a + or 00 prefix and a bracketed part.
CUED_DIGITS = r"(?<![\w.,+-])(?:\+|00)?\(?\d{1,5}\)?(?:[ \t]?[-./][ \t]?|[ \t])?\d{1,8}(?:(?:[ \t]?[-./][ \t]?|[ \t])\d{1,8}){0,5}" + EXT + r"(?!\d|[.,]\d)"


SIX_IN_PAIRS = re.compile(r"^\d\d([ .-])\d\d\1\d\d$")


class CuedPhoneRecognizer(PatternRecognizer):
    """A number that the words right before it call a phone number, whatever its national format.

    PhoneFormatRecognizer gives loose digit groups only 0.3, and presidio's context words cannot lift
    "call me on 01.84.17.61.18": "call", "me" and "on" are spaCy stop words, which presidio drops from
    the context window. Named directly before it, 7 to 15 digits are a phone number.
    """

    def __init__(self):
        pattern = Pattern("cued_phone", rf"(?<=\b(?:{PHONE_CUES}){PHONE_LINK}){CUED_DIGITS}", 0.7)
        super().__init__(supported_entity="PHONE_NUMBER", name="CuedPhoneRecognizer", patterns=[pattern])

    def invalidate_result(self, pattern_text: str) -> bool:
        # Named as a phone, a six-digit local number in pairs counts too ("call 33 93 31").
        return _not_a_phone(pattern_text) and not SIX_IN_PAIRS.match(pattern_text.strip())
