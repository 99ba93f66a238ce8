"""The stack step's threshold rule and its end-to-end output (training/finetune_injection.py)."""

import json

import numpy as np
import pandas as pd
import pytest

from training.finetune_injection import no_worse_threshold


def frame(sources, labels):
    return pd.DataFrame({"source": sources, "label": labels})


def test_threshold_adds_no_false_positive_to_any_benign_source():
    f = frame(["deepset"] * 4 + ["clinc150"] * 4 + ["deepset"] * 2, [0, 0, 0, 0, 0, 0, 0, 0, 1, 1])
    reference = np.array([0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.9, 0.9])  # one deepset false positive at 0.5
    z = np.array([0.8, 0.7, 0.2, 0.1, 0.6, 0.1, 0.1, 0.1, 0.9, 0.65])
    t = no_worse_threshold(z, reference, 0.5, f)
    flagged = z >= t
    assert flagged[:4].sum() <= 1 and flagged[4:8].sum() == 0  # deepset keeps at most its 1, clinc150 its 0
    assert 0.7 < t <= 0.7 + 1e-9  # no higher than it has to be: just above deepset's second-highest benign score
    assert flagged[8] and not flagged[9]


def test_threshold_above_every_benign_score_when_the_reference_has_none():
    f = frame(["banking77"] * 3 + ["deepset"], [0, 0, 0, 1])
    t = no_worse_threshold(np.array([0.3, 0.2, 0.1, 0.25]), np.zeros(4), 0.5, f)
    assert t > 0.3


@pytest.mark.slow
def test_stack_step_writes_weights_the_guard_loads(tmp_path):
    """Stacking on out-of-fold files: the guard built from the output mixes exactly the meta's numbers."""
    import shutil

    from guardrails.injection import DEFAULT_WEIGHTS, InjectionGuard
    from training.finetune_injection import main

    rng = np.random.default_rng(0)
    n = 400
    sources = rng.choice(["deepset", "clinc150", "awesome_chatgpt"], n)
    labels = (rng.random(n) < 0.4).astype(int)
    linear = labels * 2.0 + rng.normal(0, 1, n)
    tuned_logit = labels * 3.0 + rng.normal(0, 1, n)
    groups = [f"row:{i}" for i in range(n)]
    pd.DataFrame({"text": ["t"] * n, "label": labels, "source": sources, "group": groups,
                  "oof_logit": linear}).to_csv(tmp_path / "linear_oof.csv", index=False)
    tuned = tmp_path / "tuned_run"
    shutil.copytree(DEFAULT_WEIGHTS / "tuned", tuned / "weights")
    pd.DataFrame({"source": sources, "label": labels, "group": groups, "fold": 0,
                  "ft_logit": tuned_logit}).to_csv(tuned / "oof.csv", index=False)
    out = tmp_path / "weights"
    main(["stack", "--linear-oof", str(tmp_path / "linear_oof.csv"), "--tuned", str(tuned), "--out", str(out)])
    stack = json.loads((out / "meta.json").read_text())["stack"]
    assert stack["tuned"] > 0 and stack["linear"] > 0
    assert "## The tuned encoder and the stack" in (out / "DATASHEET.md").read_text()
    guard = InjectionGuard(out)
    assert guard.tuned is not None and guard.stack == stack


def test_pasted_text_and_chatbot_users_are_benign_rows_in_groups_of_their_own(tmp_path):
    import random
    from pathlib import Path

    from training.finetune_injection import PASTE_REQUESTS, chatbot_users, pasted_text

    paragraph = "Many people argue that public transport should be free, because it would cut traffic and help people on low incomes."
    paragraphs = tmp_path / "prose.jsonl"
    paragraphs.write_text("".join(json.dumps({"text": t}) + "\n" for t in [paragraph, "too short"]))
    rows = pasted_text(str(paragraphs), random.Random(0))
    assert len(rows) == 1 and rows["label"].tolist() == [0] and rows["group"].tolist() == ["pasted_text:0"]
    assert rows["text"][0] in [paragraph, *(r.format(paragraph) for r in PASTE_REQUESTS)]
    users = chatbot_users(Path("../shared/data"))
    convabuse = pd.read_csv("../shared/data/convabuse.csv")
    test_texts = set(convabuse.loc[convabuse["split"] == "test", "text"].astype(str).str.strip())
    abusive = set(convabuse.loc[convabuse["abusive_fraction"] > 0, "text"].astype(str).str.strip())
    assert len(users) > 500 and set(users["label"]) == {0} and users["group"].is_unique
    assert not (set(users["text"]) & abusive)  # not even words some annotator found abusive in another turn
    assert len(set(users["text"]) & test_texts) < 0.2 * len(users)


def test_anchor_keeps_the_earlier_models_score_on_every_row_but_the_new_ones(tmp_path):
    """Learning without forgetting, as train_toxicity --anchor: a mislabelled old row (an ordinary question marked as an
    injection) is pulled up when trained on its label, and stays where the shipped tuned encoder had it when anchored."""
    import torch

    from guardrails.injection import DEFAULT_WEIGHTS
    from training.finetune_injection import main, write_base

    question, essay = "What time does the bank open on Saturday?", "Many people argue that cities should ban cars from their centres."
    folder = tmp_path / "frame"
    folder.mkdir()
    pd.DataFrame({"text": [question, essay] * 8, "label": [1, 0] * 8, "source": ["clinc150", "pasted_text"] * 8,
                  "group": [f"g{i}" for i in range(16)], "fold": [0] * 16}).to_csv(folder / "frame.csv", index=False)
    write_base(folder / "base")
    tuned = DEFAULT_WEIGHTS / "tuned"

    def score(weights) -> float:
        return float(torch.sigmoid(torch.tensor(_logit(weights, question))))

    def trained(anchor: bool) -> float:
        out = tmp_path / f"out-{anchor}"
        main(["train", str(folder), "--out", str(out), "--no-cv", "--epochs", "3", "--lr", "2e-4", "--batch-size", "8",
              "--max-length", "64", "--init", str(tuned), *(["--anchor", "pasted_"] if anchor else [])])
        meta = json.loads((out / "weights" / "meta.json").read_text())
        assert meta["init"] == str(tuned) and meta["anchor"] == ("pasted_" if anchor else None)
        return score(out / "weights")

    before = score(tuned)
    assert before < 0.1
    assert trained(anchor=False) > 0.5 > trained(anchor=True)


def _logit(weights, text: str) -> float:
    """The tuned encoder's logit for one text, as the train step's predict computes it."""
    from argparse import Namespace

    import torch

    from guardrails.toxicity_minilm import build_net
    from training.finetune_injection import init_tuned, predict

    net, tokenizer = build_net(6)
    init_tuned(net, weights)
    net.eval()
    return float(predict(net, tokenizer, [text], Namespace(max_length=64), torch.device("cpu"))[0])
