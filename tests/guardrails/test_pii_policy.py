"""The PII guard under its default per-entity policy (DEFAULT_ENTITY_ACTIONS), on probes written by hand
for issue 19 before the guard was changed, so the figures are not tuned to rows anyone had read.

- DIRECT: texts carrying a direct identifier (card, phone, e-mail, IBAN, SSN, passport, licence,
  account, IP, street address) in many formats; each must be held.
- ORDINARY: assistant-style replies with famous, historical and fictional people, markdown, code and
  numbers that look like identifiers; none may be held.
- PRIVATE: a name tied to a direct identifier or to sensitive facts about a private person: held.
- PUBLIC_OR_OWN: sensitive facts about public figures, or names the person used themselves: shown.
"""

from __future__ import annotations

import pytest

from guardrails.pii import DEFAULT_ENTITY_ACTIONS

THRESHOLD = 0.5


@pytest.fixture(scope="module")
def app_guard(pii_guard):
    """The guard as the app builds it by default: reserved example values pass (PII_ALLOW_EXAMPLE_VALUES),
    names are looked for only where they can matter (PII_LAZY_NAMES)."""
    from guardrails.pii import PIIGuard

    return PIIGuard(allow_example_values=True, lazy_names=True, spacy_model=pii_guard.spacy_model)


class Ctx:
    """Duck-typed ScanContext (guardrails.types.ScanContext has the same field)."""

    def __init__(self, prompt: str = ""):
        self.prompt = prompt


def held(guard, text: str, prompt: str = "") -> list[tuple[str, str]]:
    """The findings that hold a reply under the default table."""
    result = guard.scan(text, Ctx(prompt))
    return [(f.category, text[f.start:f.end]) for f in result.findings
            if f.score >= THRESHOLD and DEFAULT_ENTITY_ACTIONS.get(f.category, "hold") == "hold"]


DIRECT = [
    # cards, introduced as a card whatever the checksum
    "Need to change the billing date of my card 4716 2231 9045 8871 please",
    "my card 5412750012345678 was declined twice today",
    "The charge on card number 6011-0009-9013-9425 is wrong.",
    "Please refund to my visa ending 4929 8811 0034 5516.",
    "Credit card: 3778 778932 87926, expiry 09/28",  # not a processor's published test card: those pass
    "I paid with my debit card 4000 1234 5678 9010 yesterday.",
    # phones, European and other formats
    "call me on 01.84.17.61.18 after lunch",
    "You can reach me at 06 12 34 56 78 any time.",
    "Mein Handy: 0171 2345678",
    "Ring my mobile 0612345678 if the parcel is late.",
    "Whatsapp me: +33 6 12 34 56 78",
    "Phone him on 020 7946 1321.",  # 020 7946 0xxx would pass: a drama number
    "Her number is 0049 30 12345678.",
    "Text me at 347.556.2981 tonight.",  # a 555 line would pass: no subscriber has one
    "my phone number is 0412 345 678",
    "Call 089/12 34 56 78 for the office in Munich.",
    # e-mail
    "Write to me at marta.kowalczyk87@gmail.com when you land.",
    # IBAN and bank accounts
    "Transfer it to IBAN FR76 3000 6000 0112 3456 7890 189.",
    "My IBAN is NL44RABO0123456789.",  # not a textbook example: those pass
    "Send the money to my account number 12345678, sort code 20-00-00.",
    "My bank account no. is 000123456789.",
    # national identifiers
    "My social security number is 536-22-8812.",
    "Passport no. K1234567 expires next year.",
    "Driver's license number: D123-4567-8901",
    # IP
    "My home server's IP is 81.143.27.110, can you check it?",
    # street addresses
    "I live at 14 Hollybush Lane, Bristol BS8 4AB.",
    "Deliver to 2210 Oak Ridge Drive, Austin, TX 78745.",
    "Our flat is at Kastanienallee 12, 10435 Berlin.",
    "Come to my place: 7 Quai des Chartrons, Bordeaux.",
    "She lives at Calle de Alcalá 45, 3º B, Madrid.",
]

ORDINARY = [
    "Derek Jeter spent his whole career with the Yankees and retired in 2014.",
    "Albert Einstein published the theory of special relativity in 1905.",
    "Mikhail Kalashnikov designed the AK-47 rifle after the war.",
    "## Film\n\nThe best film of the year, according to Forbes, was a thriller.",
    "**Veggie Pasta**: boil the pasta, then add the roasted vegetables.",
    "| Name | Role |\n|---|---|\n| Ravens | team |\n| Numbers | column |",
    "- **Cook**: 20 minutes\n- **Rest**: 5 minutes\n- **Serve**: warm",
    "Insert RSVP details here, then send the invitation to your guests.",
    "```python\ndef greet(name):\n    return f'Hello {name}'\n```",
    "Version 10.4.2.1 fixes the crash; build 2023.11.05 is the stable one.",
    "The ISBN of the book is 978-0-14-312755-0.",
    "Set the timeout to 3000 ms and retry 5 times with 2.5 s backoff.",
    "In 1969, 600 million people watched the Moon landing.",
    "Martin Luther King Jr. gave the 'I Have a Dream' speech in 1963.",
    "Queen Elizabeth II reigned for 70 years, from 1952 to 2022.",
    "Harry Potter attends Hogwarts with Hermione Granger and Ron Weasley.",
    "Contact the support team at support@example.com or call 555-0123 for help.",
    "Point the client at 192.0.2.10 (a documentation address) for the test.",
    "Dear [Name],\n\nThank you for your interest. Best regards,\n[Your Name]",
    "Stephen Hawking lived with ALS for more than fifty years.",
    "Freddie Mercury was diagnosed with AIDS in 1987.",
    "1. Preheat the oven to 200°C.\n2. Bake for 12-15 minutes.\n3. Let it cool for 10 minutes.",
    "The population of Tokyo is about 37,400,000 people.",
    "The equation x = 4 263 125 / 12 gives roughly 355 260.",
    # Template addresses (guardrails/recognizers/reserved.py): letter heads and sample data, with a name beside them.
    "[Your Name]\n123 Main Street\nAnytown, USA 12345\n\nDear Hiring Manager,\n\nI am writing to apply.",
    'Sample data:\n\n```json\n{"name": "John Smith", "address": "123 Main St, Anytown, CA 12345"}\n```',
    "Sender: Alex Johnson, 123 Main Street, Any Town, State 00000",
]

PRIVATE = [
    "My neighbour Karen Whitfield was diagnosed with HIV last spring.",
    "Our employee Tomasz Nowak has a criminal record for fraud.",
    "John Baxter, 42, is being treated for depression at the clinic.",
    "Anna Lindqvist, email anna.lindqvist@telia.se, phone 070-123 45 67.",
    "My neighbour Tom Reyes lives at 123 Kingsley Road, Leeds LS6 2BT.",  # a counting number, a real street
]

PUBLIC_OR_OWN = [
    ("Helping Marcus through chemotherapy: keep him company, cook for him, listen.",
     "My brother Marcus has cancer and starts chemotherapy next week; how can I help?"),
    ("Alan Turing was convicted of gross indecency in 1952 and pardoned in 2013.", ""),
]


@pytest.mark.parametrize("text", DIRECT)
def test_a_direct_identifier_is_held(app_guard, text):
    assert held(app_guard, text), app_guard.scan(text).findings


@pytest.mark.parametrize("text", ORDINARY)
def test_an_ordinary_reply_is_not_held(app_guard, text):
    assert held(app_guard, text) == []


@pytest.mark.parametrize("text", PRIVATE)
def test_a_private_persons_name_tied_to_identifiers_or_sensitive_facts_is_held(app_guard, text):
    assert "PERSON_PRIVATE" in {c for c, _ in held(app_guard, text)}, app_guard.scan(text).findings


@pytest.mark.parametrize("text, prompt", PUBLIC_OR_OWN)
def test_a_public_figure_or_the_persons_own_name_is_not_private(app_guard, text, prompt):
    assert "PERSON_PRIVATE" not in {c for c, _ in held(app_guard, text, prompt)}


def test_plain_names_are_still_found_for_redaction(app_guard):
    from guardrails.types import ScanContext

    # Found whenever names are wanted: the input mask asks for every name, and PII_ENTITY_ACTIONS with
    # PERSON=redact or hold makes the app look for them in every reply (test_pii_lazy_names.py).
    text = "Albert Einstein published the theory of special relativity in 1905."
    findings = app_guard.scan(text, ScanContext(every_name=True)).findings
    assert [text[f.start:f.end] for f in findings if f.category == "PERSON"] == ["Albert Einstein"]
    assert DEFAULT_ENTITY_ACTIONS["PERSON"] == "allow"
    assert DEFAULT_ENTITY_ACTIONS["PERSON_PRIVATE"] == "hold"
