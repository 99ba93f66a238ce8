"""Real worker processes writing through ReviewQueue, killed with SIGKILL mid-write, several rounds.

Afterwards every held item and decision a worker had acknowledged must be in the database, on
SQLite (WAL) and on PostgreSQL. A real kill of real processes; nothing is simulated.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlmodel import Session, select

from review.db import make_engine
from review.tables import Decision, ReviewItem

ROOT = Path(__file__).resolve().parents[2]
WORKERS, ROUNDS = 3, 3


def run_round(url: str, round_no: int, rng: random.Random) -> tuple[dict[int, None], dict[int, str], int]:
    procs = [subprocess.Popen([sys.executable, "-m", "tests.robustness.writer", url, str(round_no * 10 + w)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for w in range(WORKERS)]
    held, decided, lines = {}, {}, []
    lock = threading.Lock()

    def read(p):
        for line in p.stdout:
            parts = line.split()
            if line.endswith("\n") and parts and len(parts) == {"ready": 1, "held": 2, "decided": 3}.get(parts[0]):
                with lock:  # only a whole line is an acknowledgement; a kill can cut the last one short
                    lines.append(parts)

    readers = [threading.Thread(target=read, args=(p,), daemon=True) for p in procs]
    for r in readers:
        r.start()
    deadline = time.monotonic() + 120
    # Kill once every worker is writing and each has acknowledged a few items, at a random moment.
    while time.monotonic() < deadline:
        with lock:
            acked = sum(1 for ln in lines if ln[0] == "held")
            ready = sum(1 for ln in lines if ln[0] == "ready")
        if ready == WORKERS and acked >= 10 * WORKERS:
            break
        if any(p.poll() is not None for p in procs):
            raise AssertionError("a writer died on its own: " + " ".join(p.stderr.read() for p in procs if p.poll() is not None))
        time.sleep(0.05)
    else:
        raise AssertionError("writers did not get going within 120 s")
    time.sleep(rng.uniform(0.0, 0.5))
    for p in procs:
        os.kill(p.pid, signal.SIGKILL)
    for p in procs:
        p.wait(timeout=30)
        assert p.returncode == -signal.SIGKILL
    for r in readers:
        r.join(timeout=10)
    for ln in lines:
        if ln[0] == "held":
            held[int(ln[1])] = None
        elif ln[0] == "decided":
            decided[int(ln[1])] = ln[2]
    return held, decided, len(procs)


def missing_decisions(decided: dict[int, str], items: dict, decisions: dict) -> list[int]:
    """Acknowledged decisions the database does not hold as acknowledged (no row, or another outcome)."""
    return [i for i, outcome in decided.items()
            if i not in decisions or decisions[i].outcome != outcome or items[i].status != outcome]


def test_acknowledged_items_and_decisions_survive_sigkill(figures, database_url):
    rng = random.Random(7)
    make_engine(database_url).dispose()  # schema first, so the workers race on writes, not on migrating
    held, decided, killed = {}, {}, 0
    with figures.fault("SIGKILL of writer processes under load", WORKERS * ROUNDS):
        for round_no in range(ROUNDS):
            h, d, k = run_round(database_url, round_no, rng)
            held.update(h)
            decided.update(d)
            killed += k
        engine = make_engine(database_url)
        with Session(engine) as s:
            items = {i.id: i for i in s.exec(select(ReviewItem)).all()}
            decisions = {d.item_id: d for d in s.exec(select(Decision)).all()}
            if engine.dialect.name == "sqlite":
                assert s.connection().exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        engine.dispose()
        lost_items = [i for i in held if i not in items]
        lost_decisions = missing_decisions(decided, items, decisions)
        figures.lost("held items acknowledged before SIGKILL", len(held), len(lost_items))
        figures.lost("decisions acknowledged before SIGKILL", len(decided), len(lost_decisions))
        assert killed == WORKERS * ROUNDS and len(held) >= 30 * ROUNDS and decided
        assert lost_items == [] and lost_decisions == []
        # Each decided item has exactly one decision, whatever the kills interrupted.
        assert all(items[i].status in ("approved", "rejected") for i in decisions)
