"""Units named after people are not personal data next to a measurement; the same words elsewhere are names."""

import pytest

from guardrails.units import is_unit


def span(text: str, word: str) -> tuple[str, int, int]:
    start = text.index(word)
    return text, start, start + len(word)


@pytest.mark.parametrize("text,word", [
    ("Bake at 180 Celsius for 40 minutes.", "Celsius"),
    ("To convert 100 Fahrenheit to Celsius, subtract 32.", "Celsius"),
    ("Preheat the oven to 350 degrees Fahrenheit.", "Fahrenheit"),
    ("Absolute zero is 0 Kelvin.", "Kelvin"),
    ("A force of 5 newtons acts on the box.", "newtons"),
])
def test_a_unit_beside_a_measurement_is_not_a_name(text, word):
    assert is_unit(*span(text, word))


@pytest.mark.parametrize("text,word", [
    ("Kelvin called about the invoice.", "Kelvin"),
    ("Kelvin paid 40 dollars.", "Kelvin"),  # a number, but no measurement
    ("Anders Celsius proposed his scale in 1742.", "Anders Celsius"),
    ("Ask Henry Watt about it.", "Henry Watt"),
])
def test_the_same_words_elsewhere_stay_names(text, word):
    assert not is_unit(*span(text, word))


def test_the_pii_guard_keeps_a_name_beside_a_temperature(pii_guard):
    text = "Bake it at 180 Celsius; Kelvin Okafor will bring the cake to 12 Baker Street."
    # PERSON_PRIVATE since issue 19: the name stands beside a street address.
    found = {text[f.start:f.end] for f in pii_guard.scan(text).findings if f.category in ("PERSON", "PERSON_PRIVATE")}
    assert "Celsius" not in found and any("Kelvin" in f for f in found)
