import socket

import pytest

REPLY = "You can reach John Smith at john.smith@example.com or 212-555-0199."


def test_finds_person_email_and_phone_with_offsets(pii_guard):
    result = pii_guard.scan(REPLY)
    found = {f.category: REPLY[f.start:f.end] for f in result.findings}
    assert found["EMAIL_ADDRESS"] == "john.smith@example.com"
    # Since issue 19 a name beside contact details is a private person's: PERSON_PRIVATE, which holds.
    assert found["PERSON_PRIVATE"] == "John Smith"
    assert "212-555-0199" in found["PHONE_NUMBER"]
    assert result.scores["EMAIL_ADDRESS"] == pytest.approx(1.0)


def test_clean_text_has_no_findings(pii_guard):
    assert pii_guard.scan("The capital of France is Paris.").findings == []


def test_redact_replaces_spans_with_entity_placeholders(pii_guard):
    result = pii_guard.scan(REPLY)
    redacted = pii_guard.redact(REPLY, result.findings)
    assert "john.smith@example.com" not in redacted and "John Smith" not in redacted
    assert "[EMAIL_ADDRESS]" in redacted and "[PERSON]" in redacted


def test_template_contact_data_passes_but_a_real_looking_address_beside_it_holds(pii_guard):
    from guardrails.pii import PIIGuard

    # A letter template or a code sample fills contact fields with placeholders; they identify no one.
    template = "Contact: John Doe, Phone: 123-456-7890, Email: johndoe@email.com, or write to support@acme.com."
    lenient = PIIGuard(allow_example_values=True, spacy_model=pii_guard.spacy_model)
    assert [f.category for f in lenient.scan(template).findings if f.category != "PERSON"] == []
    assert {"EMAIL_ADDRESS", "PHONE_NUMBER"} <= {f.category for f in pii_guard.scan(template).findings}
    leak = template + " Her own address is maria.garcia@gmail.com."
    assert [f.category for f in lenient.scan(leak).findings if f.category == "EMAIL_ADDRESS"] == ["EMAIL_ADDRESS"]


def test_reserved_example_values_pass_when_configured(pii_guard):
    from guardrails.pii import PIIGuard

    text = "Write to support@example.com or call 555-0142; the test host is 192.0.2.7."
    # Found by default (the library fails closed); allowed with allow_example_values (PII_ALLOW_EXAMPLE_VALUES).
    assert {f.category for f in pii_guard.scan(text).findings} >= {"EMAIL_ADDRESS", "IP_ADDRESS"}
    lenient = PIIGuard(allow_example_values=True, spacy_model=pii_guard.spacy_model)
    assert lenient.scan(text).findings == []


@pytest.mark.parametrize("text", [
    "To open your router's settings, type 192.168.1.1 into the browser's address bar.",
    "Run `python -m http.server` and open http://127.0.0.1:8000 in your browser.",
    "Set the DNS servers to 1.1.1.1 and 8.8.8.8, then restart the network adapter.",
    "Bind the app to 0.0.0.0 so the container accepts connections from outside.",
])
def test_addresses_of_no_one_pass_in_the_apps_setting_and_are_found_by_the_library_default(pii_guard, text):
    from guardrails.pii import PIIGuard

    assert "IP_ADDRESS" in {f.category for f in pii_guard.scan(text).findings}  # the library fails closed
    lenient = PIIGuard(allow_example_values=True, spacy_model=pii_guard.spacy_model)
    assert "IP_ADDRESS" not in {f.category for f in lenient.scan(text).findings}


@pytest.mark.parametrize("text", [
    "If you are in crisis, please call the National Suicide Prevention Lifeline at 1-800-273-8255 or dial 988.",
    "You can reach the National Domestic Violence Hotline at 1-800-799-7233, day or night.",
    "Contact the IRS at 800-829-1040 for questions about your refund.",
])
def test_a_reply_giving_a_toll_free_helpline_is_not_held(pii_guard, text):
    from guardrails.pii import PIIGuard

    lenient = PIIGuard(allow_example_values=True, spacy_model=pii_guard.spacy_model)
    assert "PHONE_NUMBER" not in {f.category for f in lenient.scan(text).findings}


def test_a_persons_number_beside_a_helpline_is_still_held(pii_guard):
    from guardrails.pii import PIIGuard

    lenient = PIIGuard(allow_example_values=True, spacy_model=pii_guard.spacy_model)
    text = "Call the helpline at 1-800-273-8255, or call Maria directly on 212-736-4419."
    found = [text[f.start:f.end] for f in lenient.scan(text).findings if f.category == "PHONE_NUMBER"]
    assert found == ["212-736-4419"]


def test_a_public_address_is_still_found_where_private_ones_pass(pii_guard):
    from guardrails.pii import PIIGuard

    lenient = PIIGuard(allow_example_values=True, spacy_model=pii_guard.spacy_model)
    text = "Our router is 192.168.0.1, but the logins came from 84.17.42.199 last night."
    found = [text[f.start:f.end] for f in lenient.scan(text).findings if f.category == "IP_ADDRESS"]
    assert found == ["84.17.42.199"]


@pytest.mark.parametrize("text, found", [
    ("As Section 2.1.3.4 says, the tenant pays the repairs.", False),
    ("Under clause 1.1.1.2 the notice period is one month.", False),
    ("The requests came from 84.17.42.199 and were blocked.", True),
])
def test_a_nested_section_number_is_no_address(pii_guard, text, found):
    assert ("IP_ADDRESS" in {f.category for f in pii_guard.scan(text).findings}) is found


def test_configured_entities_limit_what_is_looked_for(pii_guard):
    from guardrails.pii import PIIGuard

    only_email = PIIGuard(entities=["EMAIL_ADDRESS"], spacy_model=pii_guard.spacy_model)
    assert {f.category for f in only_email.scan(REPLY).findings} == {"EMAIL_ADDRESS"}


def test_runs_with_the_network_blocked(pii_guard, monkeypatch):
    """Presidio's e-mail check uses tldextract, which downloads a suffix list unless told not to."""

    def refuse(self, address, *args, **kwargs):
        raise AssertionError(f"network access attempted: {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    result = pii_guard.scan("Write to alice@example.co.uk today.")
    assert [f.category for f in result.findings] == ["EMAIL_ADDRESS"]


def test_default_spacy_model_is_the_medium_one(pii_guard):
    # en_core_web_md finds clearly more names than the small model; the wheel is in requirements-model.txt.
    assert "en_core_web_md" in pii_guard.model_name

