"""Counters of checked replies and messages (review/traffic.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from review.tables import TrafficKind
from review.traffic import Traffic

NOW = datetime(2026, 5, 4, 10, 30, tzinfo=UTC)


def test_shares_and_reasons_of_what_was_checked(engine):
    t = Traffic(engine)
    for _ in range(6):
        t.count(TrafficKind.REPLY, False, at=NOW)
    t.count(TrafficKind.REPLY, True, ["pii:PHONE_NUMBER", "toxicity:insult"], at=NOW)
    t.count(TrafficKind.REPLY, True, ["pii:PHONE_NUMBER", "pii:PHONE_NUMBER"], at=NOW - timedelta(hours=1))
    t.count(TrafficKind.MESSAGE, True, ["injection"], at=NOW)
    t.count(TrafficKind.MESSAGE, False, at=NOW)
    t.count(TrafficKind.REPLY, True, ["pii:EMAIL_ADDRESS"], at=NOW - timedelta(hours=30))  # outside the window
    s = t.summary(hours=24, now=NOW)
    assert (s.replies.checked, s.replies.stopped, s.replies.share) == (8, 2, 0.25)
    assert s.replies.reasons == {"pii:PHONE_NUMBER": 2, "toxicity:insult": 1}  # one count per reply and reason
    assert s.replies.by_guard() == {"pii": 2, "toxicity": 1}
    assert (s.messages.checked, s.messages.stopped, s.messages.reasons) == (2, 1, {"injection": 1})
    assert s.replies.share_per_hour(s.hours)[-2:] == [1.0, 1 / 7] and s.replies.share_per_hour(s.hours)[0] is None


def test_counts_from_many_threads_add_up(engine):
    """Several app threads (and processes) add to the same row at once: an upsert, not read-then-write."""
    t = Traffic(engine, retries=10)

    def work():
        for _ in range(20):
            t.count(TrafficKind.REPLY, True, ["pii:PERSON"], at=NOW)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    s = t.summary(hours=1, now=NOW)
    assert (s.replies.checked, s.replies.stopped, s.replies.reasons["pii:PERSON"]) == (80, 80, 80)
