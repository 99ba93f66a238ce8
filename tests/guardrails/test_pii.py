import socket

import pytest

REPLY = "You can reach John Smith at john.smith@example.com or 212-555-0199."


def test_finds_person_email_and_phone_with_offsets(pii_guard):
    result = pii_guard.scan(REPLY)
    found = {f.category: REPLY[f.start:f.end] for f in result.findings}
    assert found["EMAIL_ADDRESS"] == "john.smith@example.com"
    assert found["PERSON"] == "John Smith"
    assert "212-555-0199" in found["PHONE_NUMBER"]
    assert result.scores["EMAIL_ADDRESS"] == pytest.approx(1.0)


def test_clean_text_has_no_findings(pii_guard):
    assert pii_guard.scan("The capital of France is Paris.").findings == []


def test_redact_replaces_spans_with_entity_placeholders(pii_guard):
    result = pii_guard.scan(REPLY)
    redacted = pii_guard.redact(REPLY, result.findings)
    assert "john.smith@example.com" not in redacted and "John Smith" not in redacted
    assert "[EMAIL_ADDRESS]" in redacted and "[PERSON]" in redacted


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


def test_numpy_matmul_finds_what_blis_finds(pii_guard):
    """SPACY_MATMUL=numpy (the default) swaps thinc's BLIS products for OpenBLAS ones for speed;
    the tags, entities and PII findings must not change with it."""
    from guardrails.pii import PIIGuard
    from tests.guardrails.clean_replies import CLEAN_REPLIES

    blis = PIIGuard(spacy_model=pii_guard.spacy_model, matmul="blis")
    nlp = pii_guard.analyzer.nlp_engine.nlp["en"]
    assert all(not node.ops.use_blis for node in nlp.get_pipe("ner").model.walk())
    assert all(node.ops.use_blis for node in blis.analyzer.nlp_engine.nlp["en"].get_pipe("ner").model.walk())
    texts = [REPLY, "Dear Mrs. Yamamoto, your IBAN DE89 3704 0044 0532 0130 00 is on file.",
             "Ask Priya Raghunathan or call +44 20 7946 0958; she lives at 221B Baker Street, London."] + CLEAN_REPLIES
    for text in texts:
        spans = lambda guard: [(f.category, f.start, f.end, round(f.score, 3)) for f in guard.scan(text).findings]  # noqa: E731
        assert spans(pii_guard) == spans(blis), text
        assert [t.tag_ for t in nlp(text)] == [t.tag_ for t in blis.analyzer.nlp_engine.nlp["en"](text)]


def test_unknown_matmul_is_a_clear_error(pii_guard):
    from guardrails.pii import PIIGuard

    with pytest.raises(ValueError, match="SPACY_MATMUL must be one of numpy, blis"):
        PIIGuard(spacy_model=pii_guard.spacy_model, matmul="mkl")


def test_openblas_is_held_to_the_configured_threads(pii_guard):
    # OpenBLAS's spare threads spin after each product and take the toxicity model's core.
    from threadpoolctl import threadpool_info

    openblas = [lib for lib in threadpool_info() if lib["internal_api"] == "openblas"]
    assert openblas and all(lib["num_threads"] == 1 for lib in openblas)
