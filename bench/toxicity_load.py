"""Time to build the toxicity guard's model in a fresh process, as the app does at start-up.

    python bench/toxicity_load.py [--cache DIR] [--kind detoxify] [--runs 3] [--code ROOT]

Each run is a new Python process (imports included) that calls load_toxicity_model with the app's
defaults; the first run fills the cache (ONNX export, a failed detoxify download's record), the later
runs are warm starts. --code points at another checkout (e.g. an older commit unpacked with git archive)
to compare before and after on the same machine, alternately.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, sys, time
t0 = time.perf_counter()
from guardrails.toxicity import load_toxicity_model
t1 = time.perf_counter()
model, fallback = load_toxicity_model(kind={kind!r}, cache_dir={cache!r})
t2 = time.perf_counter()
model.predict(["Thanks, the recipe worked perfectly."])
t3 = time.perf_counter()
print(json.dumps({{"import_s": t1 - t0, "load_s": t2 - t1, "first_score_s": t3 - t2, "model": model.name,
                  "torch_imported": "torch" in sys.modules, "fallback": fallback}}))
"""


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--cache", help="MODEL_CACHE_DIR for the runs (default: a new temporary folder)")
    p.add_argument("--kind", default="detoxify")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--code", action="append", default=None, help="project roots to compare (default: this one)")
    args = p.parse_args()
    roots = args.code or [str(Path(__file__).resolve().parents[1])]
    caches = {root: args.cache or tempfile.mkdtemp(prefix="tox-load-") for root in roots}
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    for run in range(args.runs):
        for root in roots:  # alternated, so a busy moment hits both
            code = CHILD.format(kind=args.kind, cache=caches[root])
            out = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, check=True)
            figures = json.loads(out.stdout.strip().splitlines()[-1])
            total = figures["import_s"] + figures["load_s"]
            print(f"run {run + 1} ({'cold' if run == 0 else 'warm'} cache) {root}: import {figures['import_s']:.2f} s, "
                  f"load {figures['load_s']:.2f} s, total {total:.2f} s; torch imported: {figures['torch_imported']}; "
                  f"fallback: {(figures['fallback'] or '-')[:90]}", flush=True)


if __name__ == "__main__":
    main()
