"""A review queue filled from labelled data, with a simulated moderator deciding by the gold label.

    python -m training.simulated_reviews --data ../shared/data/convabuse.csv --where split=train \
        --limit 800 --database-url sqlite:///data/simulated_reviews.db

For trying `training.learn_from_reviews` before real moderators have decided anything. Each labelled text
is treated as a reply and goes through the app's real path: the guards check it; if the toxicity guard
holds it, the item is stored (ReviewQueue.hold, redacted) and decided by the label (toxic = rejected,
harmless = approved, "false positive"); a toxic text the guards let through is reported by a simulated
person (ReviewQueue.report) with probability --report-share and rejected; a few harmless shown texts are
reported too and approved. The model card says when its privacy figures come from such a queue.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

MODERATOR = "simulated-moderator"


def simulate(queue, policy, rows, report_share: float = 0.5, false_report_share: float = 0.02, seed: int = 0) -> dict:
    rng = random.Random(seed)
    counts = {"held_toxicity": 0, "held_other": 0, "reported_missed": 0, "reported_fine": 0, "shown": 0}
    for text, label in rows:
        verdict = policy.check(text)
        conversation = queue.start_conversation()
        if verdict.held:
            item = queue.hold(conversation, "", text, verdict)
            toxicity = "toxicity" in verdict.fired
            counts["held_toxicity" if toxicity else "held_other"] += 1
            if label:
                queue.decide(item, MODERATOR, approve=False, reason_code="toxic" if toxicity else "personal data")
            else:
                queue.decide(item, MODERATOR, approve=True, reason_code="false positive")
            continue
        counts["shown"] += 1
        message = queue.record(conversation, "assistant", verdict.text)
        if label and rng.random() < report_share:
            item = queue.report(conversation, message, "", verdict.text, "simulated report of a missed toxic reply")
            queue.decide(item, MODERATOR, approve=False, reason_code="toxic")
            counts["reported_missed"] += 1
        elif not label and rng.random() < false_report_share:
            item = queue.report(conversation, message, "", verdict.text, "simulated report of a fine reply")
            queue.decide(item, MODERATOR, approve=True, reason_code="acceptable in context")
            counts["reported_fine"] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.simulated_reviews", description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--text-col", default="text")
    p.add_argument("--label-col", default="label")
    p.add_argument("--positive", default="1")
    p.add_argument("--where", action="append", default=[])
    p.add_argument("--limit", type=int, default=800)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--report-share", type=float, default=0.5)
    p.add_argument("--database-url", required=True, help="a database of its own, not the app's")
    args = p.parse_args(argv)

    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import logging

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    from guardrails.evaluate import read_labelled_csv
    from review.db import make_engine
    from review.queue import ReviewQueue

    if not args.data.is_file():
        print(f"error: {args.data}: no such file", file=sys.stderr)
        return 2
    _, texts, labels = read_labelled_csv(str(args.data), args.text_col, args.label_col, args.positive, where=args.where)
    rows = list(zip(texts, labels.astype(int).tolist()))
    random.Random(args.seed).shuffle(rows)
    from wiring.build import build_output_policy
    from wiring.settings import Settings

    policy = build_output_policy(Settings.from_env())
    counts = simulate(ReviewQueue(make_engine(args.database_url)), policy, rows[: args.limit], args.report_share, seed=args.seed)
    print(counts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
