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
