"""Identity numbers that the words right before them name: "my social security number is 536228812",
"driver's license number is LH329609T", "passport no. X12345678".

presidio's US recognizers give these numbers weak scores by shape alone (an SSN without dashes 0.05, a
licence or passport number 0.01-0.4), and its context words lift them only to about 0.4, under the
guard's threshold. Named directly before it, a number is what the words say it is whatever its shape.
Each class below is one such number: the naming words, the shape, and presidio's own validity check
where it has one.
"""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer
from presidio_analyzer.predefined_recognizers import UsSsnRecognizer

# After the naming words: an optional "is"/"was" and one of ":", "#", "=", "-".
LINK = r"(?:[ \t]+(?:is|was|reads|=))?[ \t]*[:#=\-]?[ \t]*"
NUMBER_WORD = r"(?:[ \t]+(?:number|no\.?|num|id|\#))?"
# Letters and digits, at least four of them digits, maybe in dashed groups ("A56319335", "D12-3456").
CODE = r"(?=(?:[a-z-]*\d){4})[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){4,23}(?![\w-])"


class NamedNumberRecognizer(PatternRecognizer):
    ENTITY = ""
    NAMES = ""  # regex for the words that name the number
    SHAPE = CODE
    SCORE = 0.85

    def __init__(self):
        pattern = Pattern(f"named_{self.ENTITY.lower()}", rf"(?<=\b(?:{self.NAMES}){LINK}){self.SHAPE}", self.SCORE)
        super().__init__(supported_entity=self.ENTITY, name=type(self).__name__, patterns=[pattern])


class NamedSsnRecognizer(NamedNumberRecognizer):
    ENTITY = "US_SSN"
    NAMES = rf"social[ \t]+security{NUMBER_WORD}|ssn|ss[ \t]*\#"
    SHAPE = r"\d{3}([- .]?)\d{2}\1\d{4}(?![\d-])"

    def __init__(self):
        super().__init__()
        self._presidio = UsSsnRecognizer()

    def invalidate_result(self, pattern_text: str) -> bool:
        # presidio's checks: no 000-, 666- or 9xx- area, not all one digit, not a published sample.
        return bool(self._presidio.invalidate_result(pattern_text))


class NamedLicenceRecognizer(NamedNumberRecognizer):
    # A bare "license number" is left out: software and business licences have numbers too.
    ENTITY = "US_DRIVER_LICENSE"
    NAMES = rf"(?:driver'?s?|driving)[ \t]+licen[cs]e{NUMBER_WORD}|dl[ \t]*\#?"


class NamedPassportRecognizer(NamedNumberRecognizer):
    ENTITY = "US_PASSPORT"
    NAMES = rf"passport{NUMBER_WORD}"
