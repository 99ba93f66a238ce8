"""Driving licence numbers that the words right before them name as one.

US licence numbers have no common shape (9 digits in one state, a letter and 12 digits in another),
so presidio's UsLicenseRecognizer scores most of them 0.01-0.4 and finds about half of those in
presidio's synthetic data, even after "my driver's license number is". Named right before it, a
code of letters and digits is a licence number whatever its shape.
"""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

# "driver's license number is", "driving licence no.", "DL#" ... then the code. A bare "license number"
# is left out: software and business licences have numbers too.
NAMED = (r"(?<=\b(?:(?:driver'?s?|driving)[ \t]+licen[cs]e(?:[ \t]+(?:number|no\.?|num|id|\#))?|dl[ \t]*\#?)"
         r"(?:[ \t]+(?:is|was|reads|=))?[ \t]*[:#=\-]?[ \t]*)")
# 5-24 letters and digits, at least four of them digits, maybe in dashed groups ("A56319335", "LH329609T",
# "D12-3456").
CODE = r"(?=(?:[a-z-]*\d){4})[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){4,23}(?![\w-])"


class NamedLicenceRecognizer(PatternRecognizer):
    def __init__(self):
        super().__init__(supported_entity="US_DRIVER_LICENSE", name="NamedLicenceRecognizer",
                         patterns=[Pattern("named_licence", NAMED + CODE, 0.85)])
