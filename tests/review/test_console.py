"""The moderator console's rules, on a real SQLite file: filters, claims, edits, bulk, audit, dashboard."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session

from guardrails.types import Action, Finding, GuardResult, Verdict
from review import audit
from review.crypto import Sealer, generate_key
from review.db import make_engine
from review.queue import AlreadyDecided, Claimed, ItemFilter, ReviewQueue
from review.tables import ReviewItem

REPLY = "Write to Jane Doe at jane@example.com about it."


def pii_verdict(score=0.9) -> Verdict:
    result = GuardResult("pii", "presidio", {"PERSON": 0.85, "EMAIL_ADDRESS": 1.0},
                         [Finding("PERSON", 0.85, 9, 17), Finding("EMAIL_ADDRESS", 1.0, 21, 37)])
    tox = GuardResult("toxicity", "minilm", {"toxicity": 0.1}, [Finding("toxicity", 0.1)])
    return Verdict(Action.HOLD, "", [tox, result], ["pii: EMAIL_ADDRESS 1.00 ≥ 0.50 (hold)"], ["pii"],
                   {"pii": 0.5, "toxicity": 0.5})


def tox_verdict(score: float) -> Verdict:
    tox = GuardResult("toxicity", "minilm", {"toxicity": score}, [Finding("toxicity", score)])
    return Verdict(Action.HOLD, "", [tox], [f"toxicity: toxicity {score:.2f} ≥ 0.50 (hold)"], ["toxicity"], {"toxicity": 0.5})


def actions(queue, item_id):
    return [e.action for e in audit.browse(queue.engine, item_id=item_id, newest_first=False)]


def test_held_reply_is_stored_redacted_and_the_original_is_not_in_clear(database_url):
    queue = ReviewQueue(make_engine(database_url), Sealer([generate_key()]))
    item_id = queue.hold(queue.start_conversation(), "who?", REPLY, pii_verdict())
    item = queue.get(item_id)
    assert item.reply == "Write to [PERSON] at [EMAIL_ADDRESS] about it."
    assert (item.guards, item.categories, item.top_score) == ("pii", "EMAIL_ADDRESS,PERSON", 1.0)
    with queue.engine.connect() as conn:  # every column of every row, as the database holds them
        stored = " ".join(str(row) for table in ("message", "reviewitem", "auditevent")
                          for row in conn.exec_driver_sql(f"SELECT * FROM {table}"))
    assert "jane@example.com" not in stored and "Jane Doe" not in stored
    assert queue.reveal(item_id, "alice", "checking") == REPLY
    assert actions(queue, item_id) == ["flagged", "original_revealed"]


def test_filters_sort_search_and_pagination(queue):
    conv = queue.start_conversation()
    ids = [queue.hold(conv, f"message {i}", f"reply number {i}", tox_verdict(0.5 + i / 100)) for i in range(30)]
    pii_id = queue.hold(conv, "who?", REPLY, pii_verdict())
    queue.decide(ids[0], "alice", approve=False)

    page = queue.search(ItemFilter(), page=1, page_size=10)
    assert page.total == 30 and page.pages == 3 and [i.id for i in page.items] == ids[1:11]
    assert [i.id for i in queue.search(ItemFilter(), page=3, page_size=10).items] == ids[21:] + [pii_id]
    assert queue.search(ItemFilter(guard="pii")).total == 1
    assert queue.search(ItemFilter(category="EMAIL")).items[0].id == pii_id
    assert queue.search(ItemFilter(status="rejected")).total == 1
    assert queue.search(ItemFilter(status=None)).total == 31
    assert queue.search(ItemFilter(min_score=0.7, max_score=0.75)).total == 6  # 0.70 .. 0.75
    assert queue.search(ItemFilter(text="number 2")).total == 11  # 2 and 20..29
    assert queue.search(ItemFilter(text="100%")).total == 0  # LIKE wildcards are literal
    top = queue.search(ItemFilter(guard="toxicity"), sort="highest score", page_size=1).items[0]
    assert top.id == ids[-1]
    future = datetime.now(UTC) + timedelta(days=1)
    assert queue.search(ItemFilter(since=future)).total == 0
    assert queue.search(ItemFilter(until=future)).total == 30


def test_a_claim_keeps_other_moderators_off_until_it_expires(queue):
    item_id = queue.hold(queue.start_conversation(), "q", "bad words", tox_verdict(0.9))
    queue.claim(item_id, "alice")
    with pytest.raises(Claimed, match="claimed by alice"):
        queue.claim(item_id, "bob")
    with pytest.raises(Claimed):
        queue.decide(item_id, "bob", approve=True)
    queue.claim(item_id, "alice")  # renewing your own claim is fine
    # Expire the claim in the database, as time would.
    with Session(queue.engine) as s:
        s.exec(update(ReviewItem).where(ReviewItem.id == item_id)
               .values(claim_expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        s.commit()
    queue.claim(item_id, "bob")
    assert queue.get(item_id).claimed_by == "bob"
    assert queue.release_claim(item_id, "alice") is False
    assert queue.release_claim(item_id, "bob") is True
    queue.decide(item_id, "alice", approve=False, reason_code="toxic")
    assert actions(queue, item_id) == ["flagged", "claimed", "claimed", "claimed", "released_claim", "decided"]


def test_edit_and_approve_releases_the_edited_text_and_records_both(queue):
    conv = queue.start_conversation()
    item_id = queue.hold(conv, "q", REPLY, pii_verdict())
    with pytest.raises(ValueError):
        queue.decide(item_id, "alice", approve=True, edited_reply="   ")
    decision = queue.decide(item_id, "alice", approve=True, reason_code="personal data",
                            edited_reply="Write to the person by e-mail about it.")
    assert (decision.reason_code, decision.edited_reply) == ("personal data", "Write to the person by e-mail about it.")
    [outcome] = queue.outcomes(conv, [item_id])
    assert outcome.reply == "Write to the person by e-mail about it."
    assert actions(queue, item_id) == ["flagged", "edited", "decided"]


def test_without_a_sealer_an_approval_releases_the_redacted_text(queue):
    conv = queue.start_conversation()
    item_id = queue.hold(conv, "q", REPLY, pii_verdict())
    queue.decide(item_id, "alice", approve=True)
    assert queue.outcomes(conv, [item_id])[0].reply == "Write to [PERSON] at [EMAIL_ADDRESS] about it."
    with pytest.raises(LookupError):
        queue.reveal(item_id, "alice", "checking")


def test_bulk_decisions_skip_items_decided_or_claimed_by_others(queue):
    conv = queue.start_conversation()
    ids = [queue.hold(conv, "q", f"r{i}", tox_verdict(0.8)) for i in range(5)]
    queue.decide(ids[0], "bob", approve=True)
    queue.claim(ids[1], "bob")
    done, skipped = queue.decide_many(ids + [ids[2]], "alice", approve=False, reason_code="toxic")
    assert done == ids[2:]
    assert set(skipped) == {ids[0], ids[1]} and "claimed by bob" in skipped[ids[1]]
    assert all(queue.get(i).status == "rejected" for i in ids[2:])


def test_racing_claims_and_decisions_from_separate_engines_have_one_winner(database_url, queue):
    item_id = queue.hold(queue.start_conversation(), "q", "r", tox_verdict(0.9))
    wins, losses = [], []
    barrier = threading.Barrier(8)

    def moderator(n):
        mine = ReviewQueue(make_engine(database_url))
        barrier.wait()
        try:
            mine.claim(item_id, f"mod{n}")
            mine.decide(item_id, f"mod{n}", approve=n % 2 == 0)
            wins.append(n)
        except (Claimed, AlreadyDecided):
            losses.append(n)

    threads = [threading.Thread(target=moderator, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1 and len(losses) == 7
    assert len(queue.decisions(item_id)) == 1
    assert actions(queue, item_id).count("decided") == 1


def test_viewing_is_audited(queue):
    item_id = queue.hold(queue.start_conversation(), "q", "r", tox_verdict(0.9))
    assert queue.view(item_id, "alice").id == item_id
    assert [(e.actor, e.action) for e in audit.browse(queue.engine, item_id=item_id, newest_first=False)] == [
        ("system", "flagged"), ("alice", "viewed")]


def test_dashboard_counts_and_false_positive_share(queue):
    conv = queue.start_conversation()
    tox = [queue.hold(conv, "q", f"t{i}", tox_verdict(0.9)) for i in range(4)]
    pii = [queue.hold(conv, "q", REPLY, pii_verdict()) for _ in range(2)]
    queue.decide(tox[0], "alice", approve=True)
    queue.decide(tox[1], "alice", approve=False)
    queue.decide(tox[2], "alice", approve=False)
    queue.decide(pii[0], "alice", approve=True)
    d = queue.dashboard()
    assert d.pending == 2 and d.oldest_pending is not None
    assert d.decisions == {"approved": 2, "rejected": 2}
    assert d.approved_share == {"pii": (1, 1), "toxicity": (1, 3)}
    assert sum(sum(c.values()) for c in d.flags_per_day.values()) == 6
    assert len(d.hours_to_decision) == 4 and all(h >= 0 for h in d.hours_to_decision)
