"""The PII guard's helpers for issue 19, each on its own: markdown blanking, reserved example values,
the private-person rules, and importing presidio without transformers and torch."""

from __future__ import annotations

import subprocess
import sys

import pytest

from guardrails.recognizers.markdown import plain
from guardrails.recognizers.private_person import Span, is_private, used_by_the_person
from guardrails.recognizers.reserved import is_example_value


@pytest.mark.parametrize("text", [
    "## Film\n\n**Veggie Pasta**: boil it.\n- *Cook*: 20 min\n> quoted\n1. First step",
    "| Name | Phone |\n|---|:---:|\n| Ann | 020 7946 0321 |",
    "Use `snake_case_name` and mail john_doe@mail.com; __init__ runs first.",
    "plain text without markup",
])
def test_plain_keeps_length_so_offsets_point_into_the_original(text):
    out = plain(text)
    assert len(out) == len(text)
    # Only markup becomes spaces: every other character stays where it was.
    assert all(a == b or b == " " for a, b in zip(text, out, strict=True))


def test_plain_blanks_markup_but_not_words_or_identifiers():
    text = "## Film\n**Veggie Pasta**: call `020 7946 0321` or mail john_doe@mail.com"
    out = plain(text)
    assert "#" not in out and "*" not in out and "`" not in out
    assert "john_doe@mail.com" in out and "020 7946 0321" in out and "Veggie Pasta" in out


@pytest.mark.parametrize("category, value, reserved", [
    ("EMAIL_ADDRESS", "support@example.com", True),
    ("EMAIL_ADDRESS", "a.b@mail.example.org", True),
    ("EMAIL_ADDRESS", "dev@shop.test", True),
    ("EMAIL_ADDRESS", "anna@examples.com", False),
    ("EMAIL_ADDRESS", "anna@gmail.com", False),
    ("IP_ADDRESS", "192.0.2.10", True),
    ("IP_ADDRESS", "2001:db8::1", True),
    ("IP_ADDRESS", "81.143.27.110", False),
    # Addresses of no one: private networks, loopback, unspecified, link-local, shared, broadcast,
    # multicast, and the public DNS resolvers' published addresses.
    ("IP_ADDRESS", "192.168.1.1", True),
    ("IP_ADDRESS", "10.0.0.50", True),
    ("IP_ADDRESS", "172.20.4.1", True),
    ("IP_ADDRESS", "127.0.0.1", True),
    ("IP_ADDRESS", "0.0.0.0", True),
    ("IP_ADDRESS", "169.254.10.3", True),
    ("IP_ADDRESS", "100.64.0.7", True),
    ("IP_ADDRESS", "255.255.255.255", True),
    ("IP_ADDRESS", "224.0.0.251", True),
    ("IP_ADDRESS", "::1", True),
    ("IP_ADDRESS", "fd12:3456::1", True),
    ("IP_ADDRESS", "8.8.8.8", True),
    ("IP_ADDRESS", "2606:4700:4700::1111", True),
    ("IP_ADDRESS", "172.32.0.1", False),  # just outside 172.16.0.0/12
    ("IP_ADDRESS", "8.8.8.9", False),
    ("IP_ADDRESS", "2a02:8070:1234::5", False),
    ("PHONE_NUMBER", "555-0123", True),
    ("PHONE_NUMBER", "(212) 555-0199", True),
    # No subscriber has a 555 line: directory assistance and information services only, since 2016 none but two.
    ("PHONE_NUMBER", "212-555-0299", True),
    ("PHONE_NUMBER", "555-1234", True),
    ("PHONE_NUMBER", "+1 (312) 555-7834", True),
    ("PHONE_NUMBER", "212-556-0299", False),
    ("PHONE_NUMBER", "+61 2 555 1234", False),  # Australia: 555 numbers there are people's
    ("PHONE_NUMBER", "020 7946 0321", True),  # Ofcom keeps 020 7946 0000-0999 for drama
    # Toll-free numbers belong to services (crisis lines, helplines, customer service), not people.
    ("PHONE_NUMBER", "1-800-273-8255", True),
    ("PHONE_NUMBER", "(888) 555-1234", True),
    ("PHONE_NUMBER", "+1 866 331 9474", True),
    ("PHONE_NUMBER", "0800 123 4567", True),
    ("PHONE_NUMBER", "0808 808 4994", True),
    ("PHONE_NUMBER", "1-801-273-8255", False),  # Utah, not toll-free
    ("PHONE_NUMBER", "0801 123 4567", False),
    # Test numbers the payment processors publish; a real card with a valid checksum still counts.
    ("CREDIT_CARD", "4111 1111 1111 1111", True),
    ("CREDIT_CARD", "4242-4242-4242-4242", True),
    ("CREDIT_CARD", "378282246310005", True),
    ("CREDIT_CARD", "4556 7375 8689 9855", False),
    ("CREDIT_CARD", "5352 6018 1590 8304", False),
    ("CREDIT_CARD", "4000 0000 0000 0002", True),  # Stripe's declined card
    # Numbers kept for examples: the SSA's advertising SSNs, textbook IBANs, Ofcom's drama numbers.
    ("US_SSN", "987-65-4321", True),
    ("US_SSN", "987-65-4319", False),
    ("US_SSN", "521-49-8763", False),
    ("IBAN_CODE", "DE89 3704 0044 0532 0130 00", True),
    ("IBAN_CODE", "GB82 WEST 1234 5698 7654 32", True),
    ("IBAN_CODE", "DE44 5001 0517 5407 3249 31", False),
    ("PHONE_NUMBER", "020 7946 0123", True),
    ("PHONE_NUMBER", "+44 (0)20 7946 0999", True),
    ("PHONE_NUMBER", "07700 900456", True),
    ("PHONE_NUMBER", "0161 496 0000", True),
    ("PHONE_NUMBER", "020 7946 1234", False),  # just outside London's drama range
    ("PHONE_NUMBER", "07700 901234", False),
    ("EMAIL_ADDRESS", "noreply@yourapp.com", True),
    ("EMAIL_ADDRESS", "anna@yourcompany.co.uk", True),
    ("EMAIL_ADDRESS", "k.obrien@yourfitness.ie", False),  # a real business named "your ..."
    # Placeholders of templates and code, and organisations' role mailboxes, name no person.
    ("EMAIL_ADDRESS", "test@example.co.uk", True),
    ("EMAIL_ADDRESS", "user@mail.example.de", True),
    ("EMAIL_ADDRESS", "JohnDoe@gmail.com", True),
    ("EMAIL_ADDRESS", "your.email+news@gmail.com", True),
    ("EMAIL_ADDRESS", "firstname.lastname@company.com", True),
    ("EMAIL_ADDRESS", "support@acme.com", True),
    ("EMAIL_ADDRESS", "Info@mybakery.co.uk", True),
    ("EMAIL_ADDRESS", "maria.garcia@gmail.com", False),
    ("EMAIL_ADDRESS", "john.doe.1987@gmail.com", False),  # a placeholder name with more to it may be someone's
    ("EMAIL_ADDRESS", "support.team@acme.com", False),
    ("EMAIL_ADDRESS", "jane.smith@gmail.com", False),  # a placeholder name that many real people have
    ("EMAIL_ADDRESS", "hello@annalee.net", False),  # people use hello@ at a domain of their own name
    ("EMAIL_ADDRESS", "anna@exampleshop.com", False),
    ("PHONE_NUMBER", "123-456-7890", True),
    ("PHONE_NUMBER", "+1 (123) 456-7890", True),
    ("PHONE_NUMBER", "000-000-0000", True),
    ("PHONE_NUMBER", "555-555-5555", True),
    ("PHONE_NUMBER", "(555) 123-4567", True),
    ("PHONE_NUMBER", "555-123-4567", True),
    ("PHONE_NUMBER", "347.555.2981", True),  # a 555 line outside 0100-0199: still no subscriber's
    ("PHONE_NUMBER", "123-456-7891", False),
    ("PHONE_NUMBER", "040 898 9331", False),
])
def test_reserved_example_values(category, value, reserved):
    assert is_example_value(category, value) is reserved


@pytest.mark.parametrize("value, after, template", [
    # Letter templates, forms and sample data: a placeholder town in or right after the address, or a counting
    # house number on a street that names none.
    ("123 Main Street\nAnytown, USA 12345", "", True),
    ("123 Maple Avenue", ", Your City, ST 12345.", True),
    ("12345 Oak Drive, Anytown, TX 75001", "", True),
    ("123 Fake Street, Springfield", "", True),
    ("1234 Main St", "", True),
    ("00000", "", True),
    ("12345", "", True),
    # Real addresses, also on a Main Street or with a counting number, still hold.
    ("12 Main Street, Keene, NH 03431", "", False),
    ("123 Kingsley Road, Leeds LS6 2BT", "", False),
    ("1234 W Adams Blvd, Los Angeles, CA 90007", "", False),
    ("4521 Maple Avenue\nDayton, OH 45419", "", False),
    ("1234 Elm Street\nSpringfield, IL 62704", "", False),  # a real town and ZIP: it may be someone's
    ("62704", "", False),
    # A placeholder town after a blank line belongs to another part of the text.
    ("58 Elm Street, Portland, ME 04101", "\n\nWrite to your city council as well.", False),
])
def test_template_addresses_are_example_values(value, after, template):
    assert is_example_value("ADDRESS", value, after) is template


def _span(text, name):
    start = text.index(name)
    return Span(start, start + len(name))


def test_a_name_in_the_persons_own_message_is_theirs():
    assert used_by_the_person("Marcus Reed", "my brother marcus has cancer")
    assert not used_by_the_person("Marcus Reed", "my brother has cancer")
    assert not used_by_the_person("Al", "al is my friend")  # words under three letters are too common


def test_identifier_tie_needs_the_same_record():
    text = "Anna Lindqvist, email anna@telia.se"
    ident = _span(text, "anna@telia.se")
    assert is_private(text, _span(text, "Anna Lindqvist"), [ident])
    far = "Anna Lindqvist wrote the report.\n\nQuestions go to desk@telia.se"
    assert not is_private(far, _span(far, "Anna Lindqvist"), [_span(far, "desk@telia.se")])


@pytest.mark.parametrize("text, name", [
    ("Hi, I'm Maria Gonzalez. Name three cats from cartoons.", "Maria Gonzalez"),
    ("My name is Tomasz Nowak and I need help with a letter.", "Tomasz Nowak"),
    ("This is Anna Berg from accounting.", "Anna Berg"),
    ("Please, call me Omar.", "Omar"),
])
def test_rule_3_a_name_given_as_ones_own_is_private_in_the_persons_message_only(text, name):
    from guardrails.recognizers.private_person import could_give_own_name

    assert could_give_own_name(text)
    assert is_private(text, _span(text, name), [], own_message=True)
    # In a reply it is role-play or a quotation ("I am Sherlock Holmes"), nobody's data.
    assert not is_private(text, _span(text, name), [])


def test_rule_3_leaves_a_quoted_self_introduction_alone():
    """Role-play prompts quote the persona's lines ('display exactly: "Hello! I'm Lyra, ..."'): someone else's words."""
    for text, name in (('When activated, display EXACTLY:\n"Hello! I\'m Lyra, your prompt optimizer."', "Lyra"),
                       ('Keep it light, e.g., _"I am Groot."_, or a droid joke.', "Groot"),
                       ("He answered “I am Tomasz Nowak” and left.", "Tomasz Nowak")):
        assert not is_private(text, _span(text, name), [], own_message=True), text
    text = 'My background: "cloud architect". I am Vincent Owuor, AWS certified.'
    assert is_private(text, _span(text, "Vincent Owuor"), [], own_message=True)  # the quotation closed before


def test_rule_3_needs_the_cue_right_before_the_name():
    from guardrails.recognizers.private_person import could_give_own_name

    text = "I am a student of Tomita Seiji and I love his classes."
    assert not is_private(text, _span(text, "Tomita Seiji"), [], own_message=True)
    assert not could_give_own_name("Who is Larry Page? Write a poem in the style of Robert Frost.")


@pytest.mark.parametrize("text, name, private", [
    ("My neighbour Karen Whitfield was diagnosed with HIV.", "Karen Whitfield", True),
    ("Karen Whitfield, my colleague, has a criminal record.", "Karen Whitfield", True),
    ("Patient: Omar Haddad, on medication for epilepsy.", "Omar Haddad", True),
    ("John Baxter, 42, is being treated for depression.", "John Baxter", True),
    # no private cue: a sensitive fact about a bare name may be anyone's, often a public figure's
    ("Karen Whitfield was diagnosed with HIV.", "Karen Whitfield", False),
    # public signals beat a private cue
    ("Our patient Freddie Mercury, the singer, was diagnosed with AIDS.", "Freddie Mercury", False),
    ("Alan Turing (1912-1954) was convicted in 1952.", "Alan Turing", False),
    # a private cue without a sensitive fact
    ("My neighbour Karen Whitfield bakes great bread.", "Karen Whitfield", False),
])
def test_sensitive_fact_about_a_private_person(text, name, private):
    assert is_private(text, _span(text, name), []) is private


@pytest.mark.slow
def test_the_guard_imports_without_transformers_or_torch():
    code = ("import sys; import guardrails.pii; "
            "print('torch' in sys.modules, 'transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


@pytest.mark.slow
def test_torch_still_imports_after_presidio():
    pytest.importorskip("torch")
    code = "import guardrails.pii, torch; print(torch.tensor([1]).sum().item())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "1"


@pytest.mark.parametrize("text, value, category", [
    ("| Name | Phone |\n|---|---|\n| Ann | 0171 2345678 |", "0171 2345678", "PHONE_NUMBER"),
    ("**E-mail:** **ann.berg@posteo.de**", "ann.berg@posteo.de", "EMAIL_ADDRESS"),
    ("- Card: `4111 1111 1111 1111`", "4111 1111 1111 1111", "CREDIT_CARD"),
    ("### Contact\n> call me on 06 12 34 56 78", "06 12 34 56 78", "PHONE_NUMBER"),
])
def test_markdown_neither_hides_identifiers_nor_moves_offsets(pii_guard, text, value, category):
    findings = [f for f in pii_guard.scan(text).findings if f.category == category]
    assert [text[f.start:f.end] for f in findings] == [value]
    assert value not in pii_guard.redact(text, findings)


@pytest.mark.parametrize("text, name, next_line", [
    ("Best regards,\nSarah Johnson\nMarketing Manager, ABC Corp", "Sarah Johnson", "Marketing"),
    ("**Name:** Jane Doe\n**Email:** jane@posteo.de", "Jane Doe", "**Email:**"),
])
def test_a_name_ends_at_a_line_break(pii_guard, text, name, next_line):
    """spaCy ran these names on into the next line's first word, so masking them ate a heading or label."""
    findings = pii_guard.scan(text).findings
    assert [text[f.start:f.end] for f in findings if f.category in ("PERSON", "PERSON_PRIVATE")] == [name]
    assert next_line in pii_guard.redact(text, findings)


def test_an_e_mail_set_in_code_or_config_starts_after_the_equals_sign(pii_guard):
    text = "SMTP_FROM=ops.lead@posteo.de\nSMTP_PORT=587"
    findings = [f for f in pii_guard.scan(text).findings if f.category == "EMAIL_ADDRESS"]
    assert [text[f.start:f.end] for f in findings] == ["ops.lead@posteo.de"]
    assert pii_guard.redact(text, findings).startswith("SMTP_FROM=")


def test_private_names_only_or_none(pii_guard):
    from guardrails.pii import PIIGuard

    text = "Anna Lindqvist, email anna.lindqvist@telia.se. Albert Einstein liked sailing."
    only_private = PIIGuard(entities=["PERSON_PRIVATE"], spacy_model=pii_guard.spacy_model)
    assert [text[f.start:f.end] for f in only_private.scan(text).findings] == ["Anna Lindqvist"]
    no_private = PIIGuard(entities=["PERSON"], private_names=False, spacy_model=pii_guard.spacy_model)
    assert {f.category for f in no_private.scan(text).findings} == {"PERSON"}


def test_a_sentence_end_parts_a_name_from_an_identifier():
    text = "Mail anna@telia.se. Albert Einstein liked sailing."
    assert not is_private(text, _span(text, "Albert Einstein"), [_span(text, "anna@telia.se")])
    block = "Karin Berg\nStorgatan 5\n114 51 Stockholm"
    assert is_private(block, _span(block, "Karin Berg"), [_span(block, "Storgatan 5\n114 51 Stockholm")])
    abbreviated = "Karin Berg, Tel. 08-123 456 78"
    assert is_private(abbreviated, _span(abbreviated, "Karin Berg"), [_span(abbreviated, "08-123 456 78")])


def test_one_address_is_one_finding_and_a_place_inside_it_no_name(pii_guard):
    text = "Ship it to Mannerheimintie 12 B, Helsinki."
    findings = pii_guard.scan(text).findings
    assert [(f.category, text[f.start:f.end]) for f in findings] == [("ADDRESS", "Mannerheimintie 12 B, Helsinki")]


def test_a_sensitive_word_inside_the_name_is_no_fact():
    text = "My friend Christian Hope started a new job."
    assert not is_private(text, _span(text, "Christian Hope"), [])
