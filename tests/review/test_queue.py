import sqlite3
import threading

import pytest

from guardrails.types import Action, Finding, GuardResult, Verdict
from review.db import make_engine
from review.queue import AlreadyDecided, ReviewQueue
from review.tables import ItemStatus


def held_verdict() -> Verdict:
    result = GuardResult("pii", "presidio", {"EMAIL_ADDRESS": 1.0}, [Finding("EMAIL_ADDRESS", 1.0, 13, 29)])
    return Verdict(Action.HOLD, "", [result], ["pii: EMAIL_ADDRESS 1.00 >= 0.50 (hold)"], ["pii"])


def test_database_file_is_created_in_wal_mode(db_path):
    ReviewQueue(make_engine(f"sqlite:///{db_path}")).start_conversation()
    assert db_path.exists()
    assert sqlite3.connect(db_path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_held_reply_waits_in_the_queue_with_its_reasons(queue):
    conv = queue.start_conversation()
    item_id = queue.hold(conv, "what is her email?", "Her email is jane@example.com", held_verdict())
    [item] = queue.pending()
    assert item.id == item_id and item.status == ItemStatus.PENDING.value
    assert item.user_message == "what is her email?" and item.guards == "pii"
    assert item.results[0]["findings"][0]["category"] == "EMAIL_ADDRESS"
    assert queue.count() == 1


def test_a_decision_is_recorded_and_reaches_only_its_conversation(queue):
    conv, other = queue.start_conversation(), queue.start_conversation()
    item_id = queue.hold(conv, "q", "Her email is jane@example.com", held_verdict())
    assert queue.outcomes(conv, [item_id]) == []  # still pending

    decision = queue.decide(item_id, "alice", approve=True, note="fine in context")
    assert (decision.moderator, decision.outcome, decision.note) == ("alice", "approved", "fine in context")
    assert decision.decided_at is not None
    [outcome] = queue.outcomes(conv, [item_id])
    # No sealer here, so the original was never stored: the redacted text is released.
    assert (outcome.status, outcome.reply) == ("approved", "Her email is [EMAIL_ADDRESS]")
    assert queue.outcomes(other, [item_id]) == []
    assert queue.pending() == [] and queue.count(ItemStatus.APPROVED) == 1
    assert [d.item_id for d in queue.decisions()] == [item_id]


def test_an_item_cannot_be_decided_twice(queue):
    item_id = queue.hold(queue.start_conversation(), "q", "r", held_verdict())
    queue.decide(item_id, "alice", approve=False)
    with pytest.raises(AlreadyDecided):
        queue.decide(item_id, "bob", approve=True)
    assert queue.get(item_id).status == "rejected"
    assert len(queue.decisions(item_id)) == 1
    with pytest.raises(AlreadyDecided):
        queue.decide(99999, "bob", approve=True)


def test_concurrent_moderators_exactly_one_wins(database_url, queue):
    item_id = queue.hold(queue.start_conversation(), "q", "r", held_verdict())
    # Separate engines, as separate app processes would have.
    queues = [ReviewQueue(make_engine(database_url)) for _ in range(8)]
    barrier = threading.Barrier(len(queues))
    wins, losses = [], []

    def decide(i, q):
        barrier.wait()
        try:
            q.decide(item_id, f"mod{i}", approve=i % 2 == 0)
            wins.append(i)
        except AlreadyDecided:
            losses.append(i)

    threads = [threading.Thread(target=decide, args=(i, q)) for i, q in enumerate(queues)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for q in queues:
        q.engine.dispose()
    assert len(wins) == 1 and len(losses) == 7
    [decision] = queue.decisions(item_id)
    assert decision.moderator == f"mod{wins[0]}"
    assert queue.get(item_id).status == ("approved" if wins[0] % 2 == 0 else "rejected")


def test_data_survives_reopening_the_database(database_url, queue):
    item_id = queue.hold(queue.start_conversation(), "q", "r", held_verdict())
    queue.engine.dispose()
    reopened = ReviewQueue(make_engine(database_url))
    assert [i.id for i in reopened.pending()] == [item_id]
    reopened.engine.dispose()


def test_a_reported_reply_cannot_be_approved_as_an_edited_version(queue):
    """It was already shown: an edit would never reach the person, so the queue says so (issue 22)."""
    conv = queue.start_conversation()
    message = queue.record(conv, "assistant", "A reply the person saw.")
    item_id = queue.report(conv, message, "q", "A reply the person saw.", "wrong")
    with pytest.raises(ValueError, match="already shown to the person"):
        queue.decide(item_id, "alice", True, edited_reply="Something else.")
    assert queue.decide(item_id, "alice", True, reason_code="false positive").outcome == "approved"
