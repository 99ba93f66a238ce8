"""PII_LAZY_NAMES on real texts: the same decisive findings, and the time it saves.

    python bench/pii_lazy_names.py [--replies ../shared/data/assistant_replies_alpacaeval_dev.jsonl]
                                   [--presidio ../shared/data/presidio_generated_large.json]

Scans every text twice with the app's PII guard, as a reply (names looked for only where one can
matter) and with every name looked for (ScanContext.every_name), and prints how many texts differ in
any finding other than PERSON (expected: 0), how many took the full scan, and p50/p95/total time of
each way (interleaved, text by text).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def texts(replies: str | None, presidio: str | None):
    if replies:
        with open(replies, encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                yield "replies", row["reply"], row.get("instruction", "")
    if presidio:
        for row in json.loads(Path(presidio).read_text(encoding="utf-8")):
            yield "presidio", row["full_text"], ""


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--replies", default=str(DATA / "assistant_replies_alpacaeval_dev.jsonl"))
    p.add_argument("--presidio", default=str(DATA / "presidio_generated_large.json"))
    args = p.parse_args()
    missing = [f for f in (args.replies, args.presidio) if f and not Path(f).is_file()]
    if missing:
        raise SystemExit(f"not found: {', '.join(missing)} (pass --replies/--presidio, or '' to leave one out)")
    import logging

    logging.disable(logging.WARNING)
    from guardrails.types import ScanContext
    from wiring.build import build_guards
    from wiring.settings import Settings

    guard = build_guards(Settings.from_env(), ["pii"])["pii"]
    if not guard.lazy_names:
        raise SystemExit("PII_LAZY_NAMES is off (or PERSON holds or redacts): nothing to compare")

    def decisive(result):
        return {(f.category, f.start, f.end, round(f.score, 4)) for f in result.findings if f.category != "PERSON"}

    counts: dict[str, list[int]] = {}
    lazy_ms, every_ms = [], []
    for source, text, prompt in texts(args.replies, args.presidio):
        started = time.perf_counter()
        lazy = guard.scan(text, ScanContext(prompt=prompt))
        lazy_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        every = guard.scan(text, ScanContext(prompt=prompt, every_name=True))
        every_ms.append((time.perf_counter() - started) * 1000)
        n = counts.setdefault(source, [0, 0, 0])
        n[0] += 1
        if decisive(lazy) != decisive(every):
            n[1] += 1
            print(f"DIFFERS ({source}): {text[:120]!r}: {sorted(decisive(lazy) ^ decisive(every))}")
        n[2] += any(f.category == "PERSON" for f in lazy.findings) or bool(decisive(lazy))
    for source, (total, differ, full) in counts.items():
        print(f"{source}: {total} texts, {differ} differ in a finding other than PERSON, "
              f"{full} reported a name or an identifier (only the full scan does)")
    for name, ms in (("names where they matter", lazy_ms), ("every name", every_ms)):
        print(f"{name:<24} p50 {statistics.median(ms):6.1f} ms  p95 {statistics.quantiles(ms, n=100)[94]:6.1f} ms  "
              f"total {sum(ms) / 1000:6.1f} s")


if __name__ == "__main__":
    main()
