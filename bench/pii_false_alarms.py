"""How often the PII guard fires on text with no personal data in it: ordinary assistant replies
and benign user messages.

    python bench/pii_false_alarms.py [--data FILE.csv ...] [--n 400]

Prints, per set, the share of texts held (any finding at or above PII_THRESHOLD), the findings
per entity type and a few examples. The default sets are tests/guardrails/clean_replies.py and
samples of the benign query/prompt files in ../shared/data. Those files are not checked by hand:
a few rows do hold names (awesome-chatgpt prompts mention people), so read the examples.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

DEFAULT_DATA = ["../shared/data/benign_queries_banking77.csv", "../shared/data/benign_queries_clinc150.csv",
                "../shared/data/benign_prompts_awesome_chatgpt.csv"]


def main(argv: list[str] | None = None) -> int:
    import pandas as pd

    from guardrails.evaluate import pii_guard
    from tests.guardrails.clean_replies import CLEAN_REPLIES

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", action="append", help="CSV with a text column (repeatable)")
    p.add_argument("--text-col", default="text")
    p.add_argument("--n", type=int, default=400, help="rows sampled per CSV")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--examples", type=int, default=5)
    args = p.parse_args(argv)

    guard, threshold = pii_guard()
    sets = {"clean_replies": list(CLEAN_REPLIES)}
    for path in args.data or DEFAULT_DATA:
        if not Path(path).is_file():
            print(f"skipping {path}: not found", file=sys.stderr)
            continue
        frame = pd.read_csv(path).dropna(subset=[args.text_col])
        if "split" in frame.columns:
            frame = frame[frame["split"] == "test"]
        sets[Path(path).stem] = frame.sample(min(args.n, len(frame)), random_state=args.seed)[args.text_col].astype(str).tolist()
    print(f"guard: {guard.model_name}, threshold {threshold}")
    for name, texts in sets.items():
        held, by_entity, examples = 0, collections.Counter(), []
        for text in texts:
            found = [f for f in guard.scan(text).findings if f.score >= threshold]
            held += bool(found)
            by_entity.update(f.category for f in found)
            examples += [f"{f.category}: {text[f.start:f.end]!r} in {text[:90]!r}" for f in found]
        print(f"\n{name}: {held}/{len(texts)} held ({held / max(1, len(texts)):.3f}); findings {dict(by_entity)}")
        for line in examples[: args.examples]:
            print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
