"""The offline toxicity model in float32 and in int8, on the same texts: accuracy, AUC, decisions that moved.

    python bench/toxicity_int8.py [--data ../shared/data] [--weights DIR]

Prints the markdown table quoted in the README (Performance). Both nets run on ONNX Runtime, one
thread, in this process, so the difference is the quantization alone. Needs the held-out functional
templates from `make evaluate` (docs/eval/functional_held_out.csv); skipped when missing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]


def sets(data: Path) -> list[tuple[str, list[str], list[int]]]:
    import pandas as pd

    out = []

    def add(name, frame, text_col, label_col, positive):
        out.append((name, frame[text_col].astype(str).tolist(), (frame[label_col].astype(str) == positive).astype(int).tolist()))

    hm = pd.read_csv(data / "hatemoji_build.csv")
    add("hatemoji test", hm[hm.split == "test"], "text", "label", "1")
    ca = pd.read_csv(data / "convabuse.csv")
    add("ConvAbuse test", ca[ca.split == "test"], "text", "label", "1")
    hx = pd.read_csv(data / "hatexplain_dev_test.csv")
    add("HateXplain test", hx[hx.split == "test"], "text", "label", "1")
    add("surge-ai", pd.read_csv(data / "surge_toxicity_en.csv"), "text", "is_toxic", "Toxic")
    held = ROOT / "docs" / "eval" / "functional_held_out.csv"
    if held.exists():
        add("functional held-out templates", pd.read_csv(held), "text", "label", "1")
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--weights", help="weights folder; default the shipped one")
    args = p.parse_args()

    import logging

    import numpy as np

    from guardrails.metrics import binary_metrics
    from guardrails.toxicity import ToxicityGuard
    from guardrails.toxicity_minilm import MiniLMToxicityModel

    logging.disable(logging.WARNING)
    cache = tempfile.mkdtemp(prefix="toxicity-int8-")
    nets = {q: ToxicityGuard(MiniLMToxicityModel(args.weights, runtime="onnx", cache_dir=cache, quantize=q), cache_size=0)
            for q in ("none", "int8")}
    print(f"model: {nets['none'].model_name}")
    print("| data | n | accuracy float32 / int8 | AUC float32 / int8 | decisions that moved |")
    print("|---|---|---|---|---|")
    for name, texts, labels in sets(Path(args.data)):
        scores = {q: np.array([guard.scan(t).risk for t in texts]) for q, guard in nets.items()}
        m = {q: binary_metrics(np.array(labels), s, 0.5) for q, s in scores.items()}
        moved = float(np.mean((scores["none"] >= 0.5) != (scores["int8"] >= 0.5)))
        print(f"| {name} | {len(texts):,} | {m['none']['accuracy']:.3f} / {m['int8']['accuracy']:.3f} "
              f"| {m['none']['auc']:.3f} / {m['int8']['auc']:.3f} | {moved:.1%} |", flush=True)


if __name__ == "__main__":
    main()
