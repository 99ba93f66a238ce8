"""US social security numbers that the words right before them name as one.

presidio's UsSsnRecognizer scores an SSN written without dashes ("536228812") 0.05, and its context
words lift that to 0.4, under the guard's threshold; but "my social security number is 536228812"
leaves no doubt. Here the naming phrase has to come directly before the number, and presidio's own
checks still reject impossible numbers (000-, 666-, 9xx- areas, all one digit, known samples).
"""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer
from presidio_analyzer.predefined_recognizers import UsSsnRecognizer

# "social security number is", "SSN:", "ss#", "social security no." ... then the number.
NAMED = (r"(?<=\b(?:social[ \t]+security(?:[ \t]+(?:number|no\.?|num|#))?|ssn|ss[ \t]*\#)"
         r"(?:[ \t]+(?:is|was|reads|=))?[ \t]*[:#=\-]?[ \t]*)")


class NamedSsnRecognizer(PatternRecognizer):
    def __init__(self):
        super().__init__(supported_entity="US_SSN", name="NamedSsnRecognizer",
                         patterns=[Pattern("named_ssn", NAMED + r"\d{3}([- .]?)\d{2}\1\d{4}(?![\d-])", 0.85)])
        self._presidio = UsSsnRecognizer()

    def invalidate_result(self, pattern_text: str) -> bool:
        return bool(self._presidio.invalidate_result(pattern_text))
