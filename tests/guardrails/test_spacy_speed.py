"""The PII guard's spaCy speed-ups must leave spaCy's output as it was (guardrails/spacy_speed.py)."""

import pytest

REPLY = "You can reach John Smith at john.smith@example.com or 212-555-0199."

# Text that exercises the attribute ruler's word rules, spaces and its two-word rules.
RULER_TEXTS = [
    "I ain't gonna do it, y'all, we gotta go.",
    "Nothin' gets better: he's got it, she's getting it and they've had it.",
    "There is a cat.  There are two\n\ncats, aren't there?",
    "Don't you dare! Shouldn't've. Whaddya mean, 'cause it's 5 o'clock?",
    "  spaced   out \t text  ",
    "Mr. O'Neil (born 1960) ran 5km -- then 10 km... Wow!!!",
]


@pytest.fixture(scope="module")
def plain_nlp(pii_guard):
    """The same model as spaCy ships it: BLIS, the Matcher-based attribute ruler, parser off."""
    import spacy

    return spacy.load(pii_guard.spacy_model, exclude=["parser", "senter"])


def test_lookup_attribute_ruler_sets_what_spacys_ruler_sets(pii_guard, plain_nlp):
    from tests.guardrails.clean_replies import CLEAN_REPLIES

    nlp = pii_guard.analyzer.nlp_engine.nlp["en"]
    assert "lookup_attribute_ruler" in nlp.pipe_names and "attribute_ruler" in nlp.disabled
    for text in RULER_TEXTS + CLEAN_REPLIES + [REPLY]:
        ours, theirs = nlp(text), plain_nlp(text)
        assert [(t.tag_, t.pos_, str(t.morph), t.lemma_) for t in ours] == \
            [(t.tag_, t.pos_, str(t.morph), t.lemma_) for t in theirs], text
        assert [(e.start, e.end, e.label_) for e in ours.ents] == [(e.start, e.end, e.label_) for e in theirs.ents]


def test_lookup_attribute_ruler_refuses_rules_it_cannot_read():
    from guardrails.spacy_speed import _compile

    with pytest.raises(ValueError, match="cannot read 'POS'"):
        _compile({"POS": "NOUN"})
    with pytest.raises(ValueError, match="operator"):
        _compile({"LOWER": {"FUZZY": "colour"}})


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
        spans = lambda guard, text=text: [(f.category, f.start, f.end, round(f.score, 3)) for f in guard.scan(text).findings]  # noqa: E731
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


def test_small_model_gets_the_same_attributes_from_the_lookup_ruler(plain_nlp):
    """en_core_web_sm (SPACY_MODEL's fallback) has its own rules; the swap must hold for it too."""
    import spacy

    from bench.pii_models import small_model_path
    from guardrails.spacy_speed import use_lookup_attribute_ruler

    ours, theirs = spacy.load(small_model_path(), exclude=["parser"]), spacy.load(small_model_path(), exclude=["parser"])
    assert use_lookup_attribute_ruler(ours)
    for text in RULER_TEXTS + [REPLY]:
        assert [(t.tag_, t.pos_, str(t.morph), t.lemma_) for t in ours(text)] == \
            [(t.tag_, t.pos_, str(t.morph), t.lemma_) for t in theirs(text)], text


def test_a_rule_the_lookup_cannot_read_keeps_spacys_ruler(plain_nlp):
    import spacy

    from guardrails.spacy_speed import use_lookup_attribute_ruler

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"ORTH": "colour", "LENGTH": 6}]], {"NORM": "color"})
    assert not use_lookup_attribute_ruler(nlp)
    assert nlp.pipe_names == ["attribute_ruler"] and nlp("colour")[0].norm_ == "color"
