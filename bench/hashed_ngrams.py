"""The injection guard's hashed n-grams: scikit-learn's HashingVectorizer against guardrails/hashed_ngrams.py.

    python bench/hashed_ngrams.py [--prompts ../shared/data/benign_prompts_alpacaeval_dev.csv] [--runs 5]

Two figures, both ways, in one run, alternately: the import a fresh Python process pays before the first
message can be scored (measured in new processes, so nothing is cached in this one), and the time to
compute both blocks (char 2-5 and word 1-2 n-grams) for one prompt at a time, as the guard does for a
person's message. The rows are checked to be the same matrix before anything is timed.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

IMPORTS = {
    "scikit-learn": "from sklearn.feature_extraction.text import HashingVectorizer; from sklearn.preprocessing import normalize",
    "hashed_ngrams": "from guardrails.hashed_ngrams import hashed",
}


def import_seconds(statement: str) -> float:
    code = f"import time, json; t = time.perf_counter(); {statement}; print(json.dumps(time.perf_counter() - t))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def sklearn_blocks(texts):
    import numpy as np
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.preprocessing import normalize

    from guardrails.injection import FEATURES

    out = []
    for block in ("char", "word"):
        spec = FEATURES[block]
        counts = HashingVectorizer(analyzer=spec["analyzer"], ngram_range=tuple(spec["ngram_range"]),
                                   n_features=spec["n_features"], alternate_sign=False, norm=None,
                                   lowercase=True).transform(texts)
        counts.data = 1 + np.log(counts.data)
        out.append(normalize(counts).tocsr())
    return out


def our_blocks(texts):
    from guardrails.hashed_ngrams import hashed
    from guardrails.injection import FEATURES

    return [hashed(texts, FEATURES[b]["analyzer"], FEATURES[b]["ngram_range"], FEATURES[b]["n_features"])
            for b in ("char", "word")]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--prompts", default=str(ROOT.parent / "shared" / "data" / "benign_prompts_alpacaeval_dev.csv"))
    p.add_argument("--runs", type=int, default=5, help="fresh processes per import figure")
    args = p.parse_args()
    with open(args.prompts, newline="") as f:
        prompts = [row["text"] for row in csv.DictReader(f)]

    import numpy as np

    for theirs, ours in zip(sklearn_blocks(prompts), our_blocks(prompts)):
        theirs.sort_indices()
        assert np.array_equal(theirs.indices, ours.indices) and np.allclose(theirs.data, ours.data, rtol=1e-12)

    imports = {name: [] for name in IMPORTS}
    for _ in range(args.runs):
        for name, statement in IMPORTS.items():
            imports[name].append(import_seconds(statement))
    per_prompt = {"scikit-learn": [], "hashed_ngrams": []}
    for _ in range(3):
        for name, fn in (("scikit-learn", sklearn_blocks), ("hashed_ngrams", our_blocks)):
            for text in prompts:
                t = time.perf_counter()
                fn([text])
                per_prompt[name].append((time.perf_counter() - t) * 1000)
    ref = statistics.median(per_prompt["scikit-learn"])
    print(f"{len(prompts)} prompts from {args.prompts}; same rows both ways: yes")
    print(f"{'':15} {'import s (median of ' + str(args.runs) + ')':>26} {'p50 ms/prompt':>14} {'p95 ms/prompt':>14} {'p50 ratio':>10}")
    for name in IMPORTS:
        ms = sorted(per_prompt[name])
        print(f"{name:15} {statistics.median(imports[name]):26.3f} {statistics.median(ms):14.3f} "
              f"{ms[int(0.95 * (len(ms) - 1))]:14.3f} {statistics.median(ms) / ref:10.2f}")


if __name__ == "__main__":
    main()
