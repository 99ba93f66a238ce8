"""Units of measure named after people, which spaCy tags as people ("100 Fahrenheit to Celsius").

A recipe or a physics answer would otherwise be held for review because of its temperature. A name
found by itself next to a measurement ("180 Celsius", "5 newtons", "from Fahrenheit to Kelvin" beside
"100 degrees") is a unit; the same word elsewhere ("Kelvin called", "Anders Celsius") stays a name.
"""

from __future__ import annotations

import re

UNITS = ("fahrenheit", "celsius", "kelvin", "rankine", "newton", "joule", "watt", "volt", "ampere", "ohm",
         "pascal", "hertz", "tesla", "coulomb", "farad", "henry", "weber", "siemens", "gauss", "becquerel",
         "sievert", "gray")
_UNIT = r"(?:{})s?".format("|".join(UNITS))
# A number followed by a unit or by "degrees": what makes the sentence a measurement.
MEASUREMENT = re.compile(r"\d\s*(?:°|º|degrees?\b|" + _UNIT + r"\b)", re.IGNORECASE)
UNIT_WORD = re.compile(_UNIT, re.IGNORECASE)
WINDOW = 40  # characters either side of the name in which a measurement makes it a unit


def is_unit(text: str, start: int, end: int) -> bool:
    """True when text[start:end] is a unit's name alone, with a measurement within WINDOW characters."""
    if not UNIT_WORD.fullmatch(text[start:end].strip()):
        return False
    near = text[max(0, start - WINDOW): end + WINDOW]
    return MEASUREMENT.search(near) is not None
