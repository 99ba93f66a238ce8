"""A worker process that writes through ReviewQueue as the app does, and says what it has stored.

`python -m tests.robustness.writer DATABASE_URL SEED` holds replies and decides them in a loop until
it is killed. A line "held ID" or "decided ID OUTCOME" is printed only after the transaction has
committed: that is the acknowledgement the person or moderator would get. The test kills it with
SIGKILL and then looks for every acknowledged item and decision.
"""

from __future__ import annotations

import random
import sys

from guardrails.types import Action, GuardResult, Verdict
from review.db import make_engine
from review.queue import AlreadyDecided, ReviewQueue


def main(url: str, seed: int) -> None:
    rng = random.Random(seed)
    queue = ReviewQueue(make_engine(url), retries=10)
    verdict = Verdict(Action.HOLD, "", [GuardResult("toxicity", "writer", {"toxicity": 0.9})], ["toxicity 0.90"],
                      ["toxicity"], {"toxicity": 0.5})
    mine: list[int] = []
    n = 0
    print("ready", flush=True)
    while True:
        n += 1
        conv = queue.start_conversation()
        reply = f"reply {seed}-{n} " + "x" * rng.randint(10, 2000)
        item_id = queue.hold(conv, f"message {seed}-{n}", reply, verdict)
        print("held", item_id, flush=True)
        mine.append(item_id)
        if rng.random() < 0.6 and mine:
            target = mine.pop(rng.randrange(len(mine)))
            approve = rng.random() < 0.5
            try:
                queue.decide(target, f"mod{seed}", approve, note=f"note {n}")
            except AlreadyDecided:
                continue
            print("decided", target, "approved" if approve else "rejected", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
