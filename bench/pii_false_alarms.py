"""How often the PII guard fires on text with no personal data in it: ordinary assistant replies
and benign user messages.

    python bench/pii_false_alarms.py [--data FILE.csv ...] [--n 400]
    python bench/pii_false_alarms.py --replies ../shared/data/assistant_replies_alpacaeval_dev.jsonl \
        --leaks ../shared/data/presidio_generated_large.json

--replies and --leaks judge the guard the way the policy does: a text is held when a finding at or above
the threshold has an entity type whose action in DEFAULT_ENTITY_ACTIONS (guardrails/pii.py) is "hold"
(types the table lacks hold, as PII_ACTION=hold does). --replies prints the share of ordinary assistant
replies held, with the prompt as the scan context, by entity type with examples; --leaks the share of
texts carrying a direct identifier (gold span of a DIRECT_IDENTIFIERS type) that are held, with misses.

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
    p.add_argument("--replies", help="JSON Lines of ordinary replies (field reply, prompt in instruction)")
    p.add_argument("--leaks", help="presidio-research style JSON with gold spans")
    args = p.parse_args(argv)
    if args.replies or args.leaks:
        return policy_view(args)

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
    from guardrails import pii

    table = getattr(pii, "DEFAULT_ENTITY_ACTIONS", {})
    print(f"guard: {guard.model_name}, threshold {threshold}; held = a finding whose type holds in "
          f"DEFAULT_ENTITY_ACTIONS (types not listed hold)")
    for name, texts in sets.items():
        held, by_entity, examples = 0, collections.Counter(), []
        for text in texts:
            found = [f for f in guard.scan(text).findings if f.score >= threshold]
            holding = [f for f in found if table.get(f.category, "hold") == "hold"]
            held += bool(holding)
            by_entity.update(f.category for f in found)
            examples += [f"{f.category}: {text[f.start:f.end]!r} in {text[:90]!r}" for f in holding]
        print(f"\n{name}: {held}/{len(texts)} held ({held / max(1, len(texts)):.3f}); all findings {dict(by_entity)}")
        for line in examples[: args.examples]:
            print("  " + line)
    return 0


def _held(guard, text: str, prompt: str, threshold: float, table: dict) -> list:
    try:
        from guardrails.types import ScanContext
        context = ScanContext(prompt=prompt)
    except ImportError:  # before the coordinator's ScanContext: any object with .prompt will do
        context = type("Ctx", (), {"prompt": prompt})()
    result = guard.scan(text, context) if getattr(guard, "uses_context", False) else guard.scan(text)
    return [f for f in result.findings if f.score >= threshold and table.get(f.category, "hold") == "hold"]


def policy_view(args) -> int:
    import json
    import time

    from guardrails import pii
    from guardrails.pii import PIIGuard

    table = getattr(pii, "DEFAULT_ENTITY_ACTIONS", {})
    threshold = float(os.environ.get("PII_THRESHOLD", "0.5"))
    started = time.perf_counter()
    # As the app builds it: reserved example values pass unless PII_ALLOW_EXAMPLE_VALUES=false.
    examples_pass = os.environ.get("PII_ALLOW_EXAMPLE_VALUES", "true").lower() in ("1", "true", "yes", "on")
    try:
        guard = PIIGuard(allow_example_values=examples_pass,
                         context_matching=os.environ.get("PII_CONTEXT_MATCHING", "whole_word"))
    except TypeError:  # a guard from before issue 19
        guard = PIIGuard()
    print(f"guard: {guard.model_name}, built in {time.perf_counter() - started:.1f} s, threshold {threshold}, "
          f"example values pass: {getattr(guard, 'allow_example_values', False)}, "
          f"context words matched: {os.environ.get('PII_CONTEXT_MATCHING', 'whole_word')}, "
          f"table {table or '(none: every finding holds)'}")
    if args.replies:
        rows = [json.loads(line) for line in Path(args.replies).read_text().splitlines() if line.strip()]
        n_held, by_entity, examples = 0, collections.Counter(), collections.defaultdict(list)
        for row in rows:
            text = row["reply"]
            found = _held(guard, text, row.get("instruction", ""), threshold, table)
            n_held += bool(found)
            for category in {f.category for f in found}:
                by_entity[category] += 1
                f = next(f for f in found if f.category == category)
                examples[category].append(f"{text[f.start:f.end]!r} in ...{text[max(0, f.start - 60):f.end + 40]!r}")
        print(f"\nordinary replies held: {n_held}/{len(rows)} ({n_held / max(1, len(rows)):.3f}); "
              f"replies per entity type {dict(by_entity)}")
        for category, lines in examples.items():
            for line in lines[: args.examples]:
                print(f"  {category}: {line}")
    if args.leaks:
        direct = set(getattr(pii, "DIRECT_IDENTIFIERS", ())) or {
            "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "US_PASSPORT", "US_DRIVER_LICENSE",
            "US_BANK_NUMBER", "IP_ADDRESS", "ADDRESS"}
        from guardrails.evaluate import pii_row

        rows = json.loads(Path(args.leaks).read_text())
        n, n_held, by_type, missed = 0, 0, collections.Counter(), []
        for i, row in enumerate(rows):
            text, spans = pii_row(row, i)
            kinds = {kind for _, _, kind in spans if kind in direct}
            if not kinds:
                continue
            n += 1
            hit = bool(_held(guard, text, "", threshold, table))
            n_held += hit
            if not hit:
                by_type.update(kinds)
                missed.append(f"{sorted(kinds)}: {text[:140]!r}")
        print(f"\ntexts with a direct identifier held: {n_held}/{n} ({n_held / max(1, n):.4f}); "
              f"missed texts by gold type {dict(by_type)}")
        for line in missed[: args.examples]:
            print("  missed " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
