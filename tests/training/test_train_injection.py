"""The injection guard's training data writers and threshold rule (no model is trained here)."""

import io
import random
import re
import tarfile

import numpy as np
import pandas as pd
import pytest

from training import injection_synthetic as syn
from training.train_injection import HARD_BENIGN, choose_threshold

QUERIES = ["what is my account balance", "book a table for two at seven", "how long does a transfer take",
           "set an alarm for 6 am", "what's the weather in Oslo"]
# What makes a text an attack in these templates; a benign one must contain none of it.
OVERRIDE = re.compile(r"ignore (all )?(the )?(previous|above|your)|disregard|system prompt|forget (everything|your|all)|"
                      r"no restrictions|developer mode|vergiss|oublie", re.I)


@pytest.fixture(scope="module")
def benign():
    return syn.benign(random.Random(0), QUERIES, n_per_template=5)


def test_benign_templates_are_varied_and_carry_no_override(benign):
    groups = {g for g, _ in benign}
    assert len(groups) >= 40  # translation, "You are given", code, AI questions, role-play, writing ...
    assert all(g.startswith("syn_benign:") for g in groups)
    offending = [t for _, t in benign if OVERRIDE.search(t)]
    assert offending == []
    texts = [t for _, t in benign]
    assert len(set(texts)) == len(texts)
    for kind in ("You are given", "Translate", "ChatGPT", "Pretend you are", "def "):
        assert any(kind in t for t in texts), kind


def test_benign_is_deterministic_for_a_seed():
    assert syn.benign(random.Random(3), QUERIES, 4) == syn.benign(random.Random(3), QUERIES, 4)
    assert syn.benign(random.Random(3), QUERIES, 4) != syn.benign(random.Random(4), QUERIES, 4)


def test_attacks_wrap_benign_tasks_around_a_payload(benign):
    attacks = syn.attacks(random.Random(0), benign, n=200)
    wrapped = [(g, t) for g, t in attacks if g.startswith("syn_attack:")]
    assert len(wrapped) == 200
    prefixes = [template.split("{")[0][:20].lower() for template in syn.OVERRIDES]
    assert all(any(prefix in t.lower() for prefix in prefixes) for _, t in wrapped)
    benign_texts = [t for _, t in benign]
    assert sum(any(b in t for b in benign_texts) for _, t in wrapped) == 200  # each carries a real benign task
    # The group is the payload's template, so cross-validation judges an unseen phrasing of the override.
    assert len({g for g, _ in wrapped}) == len(syn.OVERRIDES)
    assert any(g.startswith("syn_attack_polite:") for g, _ in attacks)


def _archive(tmp_path, templates: dict[str, str]):
    path = tmp_path / "promptsource-0.2.3.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for name, body in templates.items():
            data = body.encode()
            info = tarfile.TarInfo(f"promptsource-0.2.3/promptsource/templates/{name}/templates.yaml")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_promptsource_templates_render_their_input_side(tmp_path):
    rte = """dataset: super_glue
subset: rte
templates:
  a1: !Template
    answer_choices: Yes ||| No
    id: a1
    jinja: 'Given {{premise}} Is it guaranteed true that "{{hypothesis}}"? {{ answer_choices | join(" or ") }}? ||| {% if label != -1 %}{{ answer_choices[label] }}{% endif %}'
    metadata: !TemplateMetadata
      original_task: true
    name: guaranteed true
"""
    short = """templates:
  b2: !Template
    id: b2
    jinja: '{{text}} ||| {{label}}'
    name: too short
"""
    path = _archive(tmp_path, {"super_glue/rte": rte, "tiny": short})
    out = syn.promptsource(str(path), random.Random(0), ["The cat sat on the mat."], n=10)
    assert out == [("promptsource:super_glue/rte",
                    'Given The cat sat on the mat. Is it guaranteed true that "The cat sat on the mat."? Yes, No?')]


def test_threshold_keeps_each_hard_sources_fpr_within_its_bound():
    rng = np.random.default_rng(0)
    sources = list(HARD_BENIGN) + ["clinc150"]
    frame = pd.DataFrame({"source": np.repeat(sources, 400), "label": 0})
    z = rng.normal(size=len(frame)) + np.repeat(np.arange(len(sources)), 400)  # later sources score higher
    threshold = choose_threshold(z, frame, HARD_BENIGN)
    for source, bound in HARD_BENIGN.items():
        rows = frame["source"].values == source
        assert (z[rows] >= threshold).mean() <= bound + 1 / 400
    # clinc150 is not a hard source: its (higher) scores must not move the threshold.
    assert threshold < np.quantile(z[frame["source"].values == "clinc150"], 0.99)
