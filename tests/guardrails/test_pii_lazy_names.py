"""PII_LAZY_NAMES: names are looked for only where one can change the decision, and decisions stay the same.

The guard as the app builds it (lazy_names=True) must report exactly the direct identifiers and private
names (PERSON_PRIVATE) that looking for every name reports; only PERSON findings, which the default
policy records and never acts on, may be missing. The person's message (the input mask) and
`evaluate pii` still get every name (ScanContext.every_name).
"""

from __future__ import annotations

import itertools
import json

import pytest

from guardrails.pii import PIIGuard
from guardrails.recognizers.private_person import Span, could_be_private, is_private
from guardrails.types import ScanContext
from tests.shared_data import require


@pytest.fixture(scope="module")
def lazy_guard(pii_guard) -> PIIGuard:
    return PIIGuard(allow_example_values=True, lazy_names=True, spacy_model=pii_guard.spacy_model)


def decisive(result) -> set[tuple]:
    """Everything but PERSON: the findings a decision can rest on under the default policy."""
    return {(f.category, f.start, f.end, round(f.score, 4)) for f in result.findings if f.category != "PERSON"}


# Rule 2 of private_person.py in many shapes: a private cue before or after the name or an age, and a
# sensitive term before or after it in the same sentence.
NAMES = ["Karen Whitfield", "Tomasz Nowak", "Aiyana Redcloud"]
CUES = [("my neighbour {n}", ""), ("our employee {n}", ""), ("Patient: {n}", ""), ("my ex {n}", ""),
        ("{n}, my colleague,", ", my colleague,"), ("{n} (our client)", " (our client)"), ("{n}, 42,", ", 42,"),
        ("{n} (age 7)", " (age 7)"), ("my grandmother {n}", "")]
FACTS = ["was diagnosed with cancer", "has been in rehab twice", "owes the bank money", "came out as gay last year",
         "was arrested in 2019", "is an undocumented worker", "is on medication for anxiety"]


def rule_two_texts():
    for name, (cue, _), fact in itertools.product(NAMES, CUES, FACTS):
        who = cue.format(n=name)
        yield f"I heard that {who} {fact}.", name
        yield f"Last week {who} told me this. {who[0].upper() + who[1:]} {fact} and nobody knew.", name


def test_could_be_private_is_true_wherever_rule_two_makes_a_name_private():
    fired = 0
    for text, name in rule_two_texts():
        start = text.rindex(name)  # the name in the sentence with the fact
        if is_private(text, Span(start, start + len(name)), []):
            fired += 1
            assert could_be_private(text), text
    assert fired >= 300  # the grid really exercises rule 2


@pytest.mark.parametrize("text", [
    "Albert Einstein developed the theory of relativity while working at the patent office in Bern.",
    "Here is a pasta recipe my grandmother loved: boil the water, salt it, and cook the pasta for nine minutes.",
    "Depression is common; a doctor can help, and talking therapy works for many people.",
])
def test_could_be_private_is_false_without_both_a_sensitive_term_and_a_private_cue(text):
    assert not could_be_private(text)


WRITTEN = [
    "Anna Lindqvist, email anna.lindqvist@telia.se, phone 08-555 12 34",
    "My neighbour Karen Whitfield was diagnosed with HIV last spring.",
    "Albert Einstein was diagnosed with an aortic aneurysm in 1948.",
    "Please send the parcel to Rolfsens vei 17, 0456 Oslo, for Ingrid Solberg.",
    "Call Jean Dupont on 01.84.17.61.18 tomorrow morning.",
    "Derek Jeter played shortstop for the New York Yankees for twenty seasons.",
    "Our client Tomasz Nowak, 42, has debts of 30,000 euros.",
    "The museum opens at nine and the guided tour takes about an hour.",
    "Write to **Maria Garcia** at maria.garcia@gmail.com about the refund.",
]


def test_a_lazy_scan_reports_the_same_decisive_findings_as_looking_for_every_name(lazy_guard):
    skipped = 0
    for text in WRITTEN:
        lazy, every = lazy_guard.scan(text), lazy_guard.scan(text, ScanContext(every_name=True))
        assert decisive(lazy) == decisive(every), text
        skipped += any(f.category == "PERSON" for f in every.findings) and not any(
            f.category == "PERSON" for f in lazy.findings)
    # Famous names in calm sentences (Einstein's diagnosis has no private cue; Jeter no sensitive term)
    # are not looked for: that is the saving.
    assert skipped >= 2
    private = lazy_guard.scan(WRITTEN[1])
    assert "PERSON_PRIVATE" in {f.category for f in private.findings}


def test_on_real_replies_and_presidio_texts_the_lazy_scan_changes_no_decisive_finding(lazy_guard):
    data = require("assistant_replies_alpacaeval_dev.jsonl", "presidio_generated_large.json")
    with open(data / "assistant_replies_alpacaeval_dev.jsonl", encoding="utf-8") as f:
        replies = [(json.loads(line)["reply"], json.loads(line)["instruction"]) for line in itertools.islice(f, 120)]
    presidio = [(row["full_text"], "") for row in json.loads((data / "presidio_generated_large.json").read_text())[:120]]
    skipped = 0
    for text, prompt in replies + presidio:
        lazy = lazy_guard.scan(text, ScanContext(prompt=prompt))
        every = lazy_guard.scan(text, ScanContext(prompt=prompt, every_name=True))
        assert decisive(lazy) == decisive(every), text[:200]
        skipped += len(every.findings) > len(lazy.findings)
    assert skipped >= 20


def test_in_a_persons_own_message_the_lazy_scan_finds_every_name_rule_3_makes_private(lazy_guard):
    """Rule 3 (a name given as one's own) applies to the person's message only; the quick look before it
    (could_give_own_name) must never skip a name it would have made private."""
    import csv

    data = require("benign_prompts_alpacaeval_dev.csv", "presidio_generated_large.json")
    with open(data / "benign_prompts_alpacaeval_dev.csv", encoding="utf-8") as f:
        prompts = [row["text"] for row in itertools.islice(csv.DictReader(f), 150)]
    presidio = [row["full_text"] for row in json.loads((data / "presidio_generated_large.json").read_text())[:120]]
    own = ["Hi, I'm Maria Gonzalez. Name three cats from cartoons.", "my name is tomasz nowak, help me with a letter",
           "This is Anna Berg from accounting, can you draft a reply?", "Pretend I am Sherlock Holmes and solve this."]
    private = 0
    for text in WRITTEN + own + prompts + presidio:
        lazy = lazy_guard.scan(text, ScanContext(own_message=True))
        every = lazy_guard.scan(text, ScanContext(own_message=True, every_name=True))
        assert decisive(lazy) == decisive(every), text[:200]
        private += any(f.category == "PERSON_PRIVATE" for f in lazy.findings)
    assert private >= 4


def test_the_input_mask_leaves_a_name_alone_unless_the_message_carries_personal_data(lazy_guard, toxicity_guard):
    """INPUT_PII_NAMES=private (the default): "Who is Larry Page?" must reach the model as written; masking every
    name rewrote 60 of 365 ordinary prompts. A name in a message with a direct identifier may be whose data it
    is, so it goes with the identifier; INPUT_PII_NAMES=all masks every name as before."""
    from guardrails.input import InputGuards
    from guardrails.vault import Vault

    private = InputGuards(None, toxicity_guard, lazy_guard, timeout_s=120)
    every = InputGuards(None, toxicity_guard, lazy_guard, timeout_s=120, mask_names="all")
    for text in ("Can you help me write a birthday card for Karen Whitfield? She loves sailing.", "Who is Larry Page?"):
        assert private.check(text, Vault()).text == text
        masked = every.check(text, Vault()).text
        assert "[PERSON_1]" in masked and "Whitfield" not in masked and "Larry Page" not in masked, masked

    with_phone = "Please text Karen Whitfield on 07700 901461 about the party."
    for checks in (private, every):
        verdict = checks.check(with_phone, Vault())
        assert "Karen Whitfield" not in verdict.text and "07700 901461" not in verdict.text, verdict.text
        assert "[PERSON_1]" in verdict.text and "[PHONE_NUMBER_1]" in verdict.text
    # A private person beside a sensitive fact (rule 2 of private_person.py) is masked without any identifier,
    # and so is the person's own name, given as theirs (rule 3).
    secret = "My neighbour Karen Whitfield was diagnosed with cancer last month. How can I support her?"
    assert "Karen Whitfield" not in private.check(secret, Vault()).text
    # Only that name goes: without an identifier in the message, the famous one stays as written.
    own = "Hi, I'm Maria Gonzalez. Write me a poem in the style of Robert Frost."
    assert private.check(own, Vault()).text == "Hi, I'm [PERSON_1]. Write me a poem in the style of Robert Frost."


def test_the_app_looks_for_names_lazily_only_while_a_name_alone_is_allowed():
    from wiring.build import build_guards
    from wiring.settings import Settings

    assert build_guards(Settings(), ["pii"])["pii"].lazy_names
    assert not build_guards(Settings(pii_entity_actions={"PERSON": "redact"}), ["pii"])["pii"].lazy_names
    assert not build_guards(Settings(pii_lazy_names=False), ["pii"])["pii"].lazy_names
