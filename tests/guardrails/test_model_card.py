"""The model card is rendered from the template and the run outputs: figures follow the files."""

import json
import shutil
from pathlib import Path

from guardrails.model_card import render

ROOT = Path(__file__).resolve().parents[2]


def docs_copy(tmp_path) -> Path:
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs" / "eval", docs / "eval")
    return docs


def test_the_card_keeps_the_evaluation_and_takes_figures_from_the_files(tmp_path):
    docs = docs_copy(tmp_path)
    surge = json.loads((docs / "eval" / "toxicity_surge.json").read_text())
    surge["auc"], surge["recall"] = 0.4321, 0.25
    (docs / "eval" / "toxicity_surge.json").write_text(json.dumps(surge))
    card = render(docs, tmp_path)
    row = next(line for line in card.splitlines() if "| surge-ai toxicity" in line)
    assert "| 0.432 |" in row and "| 0.250 |" in row
    assert "surge-ai toxicity (not trained on): 75% of toxic texts pass unflagged" in card  # the limitations follow
    # The substance of the hand-written card is kept: every section, the fairness and PII tables, the speed table.
    for heading in ("## Model details", "## Intended use", "## Factors", "## Metrics", "## Evaluation data",
                    "## Training data", "## Quantitative analyses", "## Ethical considerations", "## Caveats and recommendations"):
        assert heading in card
    fairness = json.loads((docs / "eval" / "fairness.json").read_text())
    assert f"| queer | 0.947 | 0.882 | {fairness['fpr_by_group']['queer']:.3f} | 757 |" in card
    pii = json.loads((docs / "eval" / "pii.json").read_text())
    assert f"| PERSON | {pii['recall_by_entity']['PERSON']:.3f} | {pii['n_by_entity']['PERSON']} | 0.819 |" in card
    # Figures quoted in the text come from the files too, not from the day the sentence was written.
    assert f"overall; PERSON {pii['recall_by_entity']['PERSON']:.3f}," in card
    hatemoji = json.loads((docs / "eval" / "toxicity_hatemoji.json").read_text())
    assert f"caught at {hatemoji['recall']:.0%} recall" in card
    assert f"reaches {fairness['disparate_impact']:.2f} after" in card
    assert "all output guards together, 100-token reply | 14.6 (14.1) | 18.8 (18.2) |" in card
    assert "hallucinates" in card
    # Runs not made yet say so, with the command that makes them.
    assert "Not run yet: `make bias-probe`" in card and "Not run yet: `make energy`" in card


def test_new_runs_appear_with_their_date_and_command(tmp_path):
    docs = docs_copy(tmp_path)
    (docs / "privacy").mkdir()
    before = {"dev": {"auc": 0.9, "f1": 0.8}, "held-back decisions": {"auc": 0.7, "f1": 0.6}}
    after = {"dev": {"auc": 0.91, "f1": 0.79}, "held-back decisions": {"auc": 0.75, "f1": 0.66}}
    (docs / "privacy" / "privacy.json").write_text(json.dumps({
        "date": "2031-01-02 03:04 UTC", "command": "python -m training.learn_from_reviews --x", "source": "Simulated.",
        "n_train": 100, "n_heldback": 30, "epsilon": 2.5, "delta": 1e-3, "target_epsilon": 3.0, "noise_multiplier": 1.2,
        "max_grad_norm": 1.0, "epochs": 5, "batch_size": 32, "sets": list(before), "before": before, "after": after,
        "promoted": True, "reason": "no worse."}))
    (docs / "compute").mkdir()
    (docs / "compute" / "compute.json").write_text(json.dumps({
        "date": "2031-01-02 05:00 UTC", "command": "python bench/energy.py --replies 3", "replies": 3, "model": "M",
        "max_new_tokens": 64, "tokens_per_reply": 30.0, "cpu": "a CPU", "watts_per_core": 10.0,
        "cpu_seconds_per_1000": {"generate": 4000.0, "guards": 500.0, "total": 4500.0},
        "kwh_per_1000": {"generate": 0.0111, "guards": 0.0014, "total": 0.0125}}))
    card = render(docs, tmp_path)
    assert "| learning from reviews (DP) | `docs/privacy/privacy.json` | 2031-01-02 03:04 UTC | `python -m training.learn_from_reviews --x` |" in card
    assert "ε = 2.50, δ = 1.0e-03" in card and "**Promoted**: no worse." in card
    assert "| after (DP) | 0.910 | 0.790 | 0.750 | 0.660 |" in card
    assert "| CPU-seconds | 4000 | 500 | 4500 |" in card and "| 0.0125 |" in card
