"""The app process itself (`python -m app`, the real model) killed with SIGKILL while people chat and a
moderator decides, through its Gradio API as a browser would.

A held reply is acknowledged when the person's request returns with the held notice (the app stores the
item before that last update); a decision when the moderator's request returns "Item #N approved/rejected".
After the kill every acknowledged item and decision must be in the database, which must be intact.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time

from sqlmodel import Session, select

from app.service import HELD_NOTICE
from review.db import make_engine
from review.tables import Decision, ReviewItem
from tests.app.servers import AppServer
from tests.app.test_api import client, moderator, pending_ids, text_of
from tests.robustness.test_sigkill import missing_decisions

PEOPLE = 3


def test_the_app_process_killed_under_load_keeps_what_it_acknowledged(figures, tmp_path):
    rng = random.Random(11)
    # Every reply held (threshold 0) and short; the chat limits off so the load is not refused.
    server = AppServer(tmp_path, TOXICITY_THRESHOLD="0", MAX_NEW_TOKENS="12", CHAT_MESSAGES_PER_SESSION="0",
                       CHAT_MESSAGES_PER_IP="0", POLL_SECONDS="5")
    held, decided, errors_before_kill = [], {}, []
    lock, stop, killed = threading.Lock(), threading.Event(), threading.Event()

    def person(n: int) -> None:
        c = client(server)
        for k in range(1000):
            if stop.is_set():
                return
            message = f"Question {n}-{k}: name a fruit that is yellow."
            try:
                chatbot, _ = c.predict(message, api_name="/chat")
            except Exception as exc:  # the server is gone, or going
                if not killed.is_set():
                    errors_before_kill.append(repr(exc))
                return
            if text_of(chatbot[-1]) == HELD_NOTICE:
                with lock:
                    held.append(message)

    def moderate() -> None:
        mod = moderator(server)
        while not stop.is_set():
            try:
                for item_id in pending_ids(mod)[:3]:
                    approve = rng.random() < 0.5
                    status, *_ = mod.predict(str(item_id), "other", "", api_name="/approve" if approve else "/reject")
                    outcome = "approved" if approve else "rejected"
                    if status.startswith(f"Item #{item_id} {outcome}"):
                        with lock:
                            decided[item_id] = outcome
            except Exception as exc:
                if not killed.is_set():
                    errors_before_kill.append(repr(exc))
                return
            time.sleep(0.2)

    with figures.fault("SIGKILL of the app process under load"):
        try:
            server.wait_ready()
            workers = [threading.Thread(target=person, args=(n,), daemon=True) for n in range(PEOPLE)]
            workers.append(threading.Thread(target=moderate, daemon=True))
            for w in workers:
                w.start()
            deadline = time.monotonic() + 400
            while time.monotonic() < deadline:
                with lock:
                    if len(held) >= 2 * PEOPLE and len(decided) >= 3:
                        break
                assert not errors_before_kill, errors_before_kill
                time.sleep(0.2)
            else:
                raise AssertionError(f"too little load within 400 s: {len(held)} held, {len(decided)} decided")
            time.sleep(rng.uniform(0.2, 1.5))  # somewhere inside the next writes
            killed.set()
            os.kill(server.proc.pid, signal.SIGKILL)
            assert server.proc.wait(timeout=30) == -signal.SIGKILL
            stop.set()
            for w in workers:
                w.join(timeout=60)
        finally:
            stop.set()
            server.stop()
        assert not errors_before_kill, errors_before_kill

        engine = make_engine(f"sqlite:///{server.db_path}")
        with Session(engine) as s:
            assert s.connection().exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            stored = {i.user_message for i in s.exec(select(ReviewItem)).all()}
            items = {i.id: i for i in s.exec(select(ReviewItem)).all()}
            decisions = {d.item_id: d for d in s.exec(select(Decision)).all()}
        engine.dispose()
        lost_items = [m for m in held if m not in stored]
        lost_decisions = missing_decisions(decided, items, decisions)
        figures.lost("held replies acknowledged before the app's SIGKILL", len(held), len(lost_items))
        figures.lost("decisions acknowledged before the app's SIGKILL", len(decided), len(lost_decisions))
        assert lost_items == [] and lost_decisions == []
