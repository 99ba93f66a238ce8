"""The functional templates: the held-out split stays fixed, and training-only cases stay out of it."""

import csv
from pathlib import Path

import pytest

from training.toxicity_templates import (
    CONTRAST,
    GROUPS,
    INSULT_CONTRAST,
    THREAT_CONTRAST,
    cases,
    contrast_cases,
    insult_contrast_cases,
    threat_contrast_cases,
)

ROOT = Path(__file__).resolve().parents[2]


def test_the_held_out_cases_are_the_ones_the_published_figures_were_measured_on():
    # docs/eval/functional_held_out.csv is what `make evaluate` scored for the model card; a change to the
    # templates that moved the split would make this release's figures incomparable with the last.
    with open(ROOT / "docs/eval/functional_held_out.csv", newline="", encoding="utf-8") as f:
        published = [(r["text"], int(r["label"]), r["family"]) for r in csv.DictReader(f)]
    assert cases(held_out=True) == published


def test_contrast_cases_are_never_held_out_and_come_in_triples():
    held = {text for text, _, _ in cases(held_out=True)}
    rows = contrast_cases()
    assert not held & {text for text, _, _ in rows}
    triples = rows[: 3 * len(CONTRAST) * 10]
    for i in range(0, len(triples), 3):
        (hateful, l1, f1), (negation, l2, f2), (counter, l3, f3) = triples[i:i + 3]
        assert (l1, l2, l3) == (1, 0, 0) and (f1, f2, f3) == ("hateful", "negation", "counter_speech")
        group = next(p for p, _ in GROUPS if p.lower() in hateful.lower())
        assert group.lower() in negation.lower() and group.lower() in counter.lower()


def _words(text: str) -> str:
    return " ".join("".join(c for c in text.lower() if c.isalnum() or c.isspace()).split())


@pytest.mark.parametrize("make,templates", [(insult_contrast_cases, INSULT_CONTRAST), (threat_contrast_cases, THREAT_CONTRAST)])
def test_insult_and_threat_contrast_cases_are_triples_and_none_is_a_probe_sentence(make, templates):
    from tests.guardrails import test_toxicity_probes as probes

    rows = make()
    assert len(rows) == 3 * len(templates) * 3
    assert [label for _, label, _ in rows[:3]] == [1, 0, 0]
    sentences = [p.values[0] if hasattr(p, "values") else p for p in probes.HATEFUL + probes.ABUSIVE + probes.HARMLESS]
    trained = {_words(text) for text, _, _ in rows}
    held = {_words(text) for text, _, _ in cases(held_out=True)}
    # A probe sentence in training would make the probe test a memory test.
    assert not any(_words(s) in t or t in _words(s) for s in sentences for t in trained)
    assert not trained & held


def test_assistant_replies_are_harmless_multi_sentence_and_share_no_sentence_with_the_held_out_cases():
    from training.toxicity_templates import REPLY_SENTENCES, assistant_reply_cases

    rows = assistant_reply_cases(300)
    assert len(rows) == 300 and {label for _, label, _ in rows} == {0} and {s for _, _, s in rows} == {"assistant_templates"}
    assert rows == assistant_reply_cases(300)  # seeded: a training run can be repeated
    texts = [t for t, _, _ in rows]
    assert all(sum(s in t for s in REPLY_SENTENCES) >= 2 for t in texts)
    assert any("\n1. " in t or t.startswith("1. ") for t in texts) and any("\n- " in t or t.startswith("- ") for t in texts)
    held = [t for t, _, _ in cases(held_out=True)]
    assert not any(h in t for h in held for t in texts)
    # No sentence from the dev set's replies (past stock phrases like "I hope this helps!"): the AlpacaEval
    # answers are for measuring only.
    import json

    dev = ROOT.parent / "shared/data/assistant_replies_alpacaeval_dev.jsonl"
    if dev.exists():
        replies = [json.loads(line)["reply"] for line in dev.open(encoding="utf-8")]
        assert not [s for s in REPLY_SENTENCES if len(s) > 45 and any(s in r for r in replies)]


def test_exhortation_triples_pair_hate_with_slogans_on_the_same_words_and_copy_no_dev_reply():
    from training.toxicity_templates import EXHORTATION_CONTRAST, GROUPS, exhortation_cases

    rows = exhortation_cases()
    assert rows == exhortation_cases()  # seeded
    assert len(rows) == 3 * 12 * len(EXHORTATION_CONTRAST)
    assert sum(label for _, label, _ in rows) == len(rows) // 3  # one hateful line per triple
    assert not [t for t, _, _ in rows if "{" in t]  # every slot filled
    hateful = [t for t, label, _ in rows if label]
    plurals = {p for p, _ in GROUPS}
    assert all(any(p.lower() in t.lower() for p in plurals) or "person" in t for t in hateful)
    # The lines are written, not paraphrased from the AlpacaEval dev replies (those are for measuring): no
    # harmless line of six words or more is in any of them.
    import json

    dev = ROOT.parent / "shared/data/assistant_replies_alpacaeval_dev.jsonl"
    if dev.exists():
        replies = " ".join(json.loads(line)["reply"] for line in dev.open(encoding="utf-8")).lower()
        lines = {line for triple in EXHORTATION_CONTRAST for line in triple[1:] if "{" not in line}
        assert [line for line in lines if len(line.split()) >= 6 and line.lower().rstrip(".!") in replies] == []
