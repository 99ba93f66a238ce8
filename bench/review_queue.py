"""Review queue at scale: page loads and decisions with 100,000 items (issue 4 targets: page ≤ 100 ms, decision ≤ 20 ms).

    python bench/review_queue.py [--items 100000] [--database-url URL]

Fills a fresh database (a temporary SQLite file unless --database-url is given) with held items spread
over 60 days, then times the console's queries. Prints a table of p50/p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from review.db import make_engine
from review.queue import ItemFilter, ReviewQueue
from review.tables import Conversation, Message, ReviewItem


def fill(engine, n: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(insert(Conversation), [{"id": "bench", "created_at": now}])
        for start in range(0, n, 10_000):
            rows = range(start, min(n, start + 10_000))
            conn.execute(insert(Message), [{"id": i + 1, "conversation_id": "bench", "role": "assistant",
                                            "content": f"held reply {i}", "status": "held", "created_at": now} for i in rows])
            items = []
            for i in rows:
                guard = rng.choice(["toxicity", "pii", "toxicity,pii"])
                decided = rng.random() < 0.7
                created = now - timedelta(days=rng.uniform(0, 60))
                items.append({
                    "id": i + 1, "conversation_id": "bench", "message_id": i + 1, "user_message": f"question {i}",
                    "reply": f"reply {i} mentioning [PERSON] and words {rng.randrange(10**6)}", "guards": guard,
                    "categories": "toxicity" if guard == "toxicity" else "PERSON", "top_score": round(rng.uniform(0.5, 1), 3),
                    "reasons": [], "results": [], "status": rng.choice(["approved", "rejected"]) if decided else "pending",
                    "created_at": created, "decided_at": created + timedelta(hours=rng.uniform(0, 48)) if decided else None,
                })
            conn.execute(insert(ReviewItem), items)


def timed(fn, repeat: int) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t) * 1000)
    runs.sort()
    return statistics.median(runs), runs[min(len(runs) - 1, int(0.95 * len(runs)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--database-url", default="")
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(args.database_url or f"sqlite:///{tmp}/bench.db")
        t = time.perf_counter()
        fill(engine, args.items)
        print(f"filled {args.items} items in {time.perf_counter() - t:.1f}s ({engine.url.get_backend_name()})", file=sys.stderr)
        queue = ReviewQueue(engine)
        week = datetime.now(UTC) - timedelta(days=7)
        cases = {
            "page 1, pending, oldest first": lambda: queue.search(ItemFilter()),
            "page 200, pending": lambda: queue.search(ItemFilter(), page=200),
            "pii only, highest score": lambda: queue.search(ItemFilter(guard="pii"), sort="highest score"),
            "last 7 days, score 0.9-1.0": lambda: queue.search(ItemFilter(since=week, min_score=0.9)),
            "free-text search, pending": lambda: queue.search(ItemFilter(text="words 12345")),
            "free-text search, all 100k": lambda: queue.search(ItemFilter(status=None, text="words 12345")),
            "dashboard (30 days)": lambda: queue.dashboard(),
        }
        rows = [(name, *timed(fn, args.repeat)) for name, fn in cases.items()]
        pending = [i.id for i in queue.search(ItemFilter(), page_size=500).items]
        it = iter(pending)
        rows.append(("decision (conditional update + audit)", *timed(lambda: queue.decide(next(it), "bench", True), min(args.repeat * 3, 300))))
        it2 = iter(pending[300:])
        rows.append(("claim", *timed(lambda: queue.claim(next(it2), "bench"), min(args.repeat, 100))))
    print(f"\nReview queue with {args.items:,} items ({engine.url.get_backend_name()}), milliseconds")
    print(f"{'operation':<42} {'p50':>8} {'p95':>8}")
    for name, p50, p95 in rows:
        print(f"{name:<42} {p50:8.1f} {p95:8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
