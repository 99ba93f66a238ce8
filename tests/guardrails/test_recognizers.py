"""One focused check per custom recognizer, through the whole guard so spaCy's tags are real."""

import pytest


def found(pii_guard, text, category):
    return [text[f.start:f.end] for f in pii_guard.scan(text).findings if f.category == category and f.score >= 0.5]


def test_street_address_found_whole(pii_guard):
    text = "I live at 42 Baker Street, Springfield, IL 62704"
    assert found(pii_guard, text, "ADDRESS") == ["42 Baker Street, Springfield, IL 62704"]
    assert found(pii_guard, "Send it to Vesturgata 66, Apt. 4 please", "ADDRESS")
    assert found(pii_guard, "My box is P.O. Box 1501", "ADDRESS")


def test_address_needs_a_street_word_not_just_numbers(pii_guard):
    assert found(pii_guard, "I bought 3 apples for 12 dollars in 2019", "ADDRESS") == []
    assert found(pii_guard, "We waited 45 minutes for 2 trains on the street.", "ADDRESS") == []


def test_zip_code_only_with_postcode_context(pii_guard):
    assert found(pii_guard, "My zip code is 35649", "ADDRESS") == ["35649"]
    assert found(pii_guard, "The stadium holds 35649 people", "ADDRESS") == []


@pytest.mark.parametrize("number", ["166-684-7899", "(85) 5986-8343", "0477 11 28 98", "833.719.3994x1887"])
def test_phone_formats_presidio_rejects(pii_guard, number):
    assert found(pii_guard, f"My phone number is {number} now.", "PHONE_NUMBER")


def test_digit_groups_are_phones_only_with_context(pii_guard):
    assert found(pii_guard, "The scores were 12 34 56 78 in that order.", "PHONE_NUMBER") == []
    assert found(pii_guard, "The project ran 2019-2020 and again 2021-03-15.", "PHONE_NUMBER") == []


def test_name_list_finds_names_spacy_misses(pii_guard):
    text = "They had 6: Rogelio, Sharon, Jessica, Chloe, Andrea and Brandi."
    names = " ".join(found(pii_guard, text, "PERSON"))
    assert "Rogelio" in names and "Brandi" in names


def test_name_list_leaves_places_months_and_verbs(pii_guard):
    assert found(pii_guard, "Will you fly to Paris in May?", "PERSON") == []
    assert found(pii_guard, "I made a transfer from France 2 days ago.", "PERSON") == []


def test_cued_names_after_titles_and_introductions(pii_guard):
    assert found(pii_guard, "Her maiden name is Kovalev", "PERSON") == ["Kovalev"]
    assert any("Jacobson" in s for s in found(pii_guard, "Mr. Jacobson is a 50 year old man.", "PERSON"))
    assert found(pii_guard, "Hello World, Dear Sir, Hi I've got a question", "PERSON") == []


def test_card_redaction_keeps_last_four_digits(pii_guard):
    text = "Charge 4111 1111 1111 1111 for Jane Doe."
    redacted = pii_guard.redact(text, pii_guard.scan(text).findings)
    assert "**** **** **** 1111" in redacted and "4111 1111" not in redacted
    assert "[PERSON]" in redacted
