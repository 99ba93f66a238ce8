from datetime import timedelta

import pytest
from sqlmodel import Session, select

from guardrails.types import Action, Finding, GuardResult, Verdict
from review import audit
from review.retention import PURGED_TEXT, purge
from review.retention import main as retention_main
from review.tables import Decision, Message, ReviewItem, utcnow


def verdict() -> Verdict:
    result = GuardResult("pii", "presidio", {"EMAIL_ADDRESS": 1.0}, [Finding("EMAIL_ADDRESS", 1.0, 13, 29)])
    return Verdict(Action.HOLD, "", [result], ["pii"], ["pii"])


def age(engine, item_id, days):
    """Move an item's decision `days` into the past (as if decided then)."""
    with Session(engine) as s:
        item = s.get(ReviewItem, item_id)
        item.decided_at = utcnow() - timedelta(days=days)
        s.add(item)
        s.commit()


@pytest.fixture
def items(engine, queue):
    conv = queue.start_conversation()
    ids = {name: queue.hold(conv, f"question {name}", f"Her email is jane@example.com ({name})", verdict())
           for name in ("old_approved", "old_rejected", "recent", "pending")}
    queue.decide(ids["old_approved"], "alice", approve=True)
    queue.decide(ids["old_rejected"], "bob", approve=False, note="no")
    queue.decide(ids["recent"], "alice", approve=True)
    age(engine, ids["old_approved"], 40)
    age(engine, ids["old_rejected"], 31)
    age(engine, ids["recent"], 29)
    return ids


def test_dry_run_counts_and_changes_nothing(engine, items):
    report = purge(engine, 30, dry_run=True)
    assert (report.items, report.decisions, report.messages) == (2, 2, 2)
    assert "would purge 2 items" in report.summary()
    with Session(engine) as s:
        assert len(s.exec(select(ReviewItem)).all()) == 4
    assert audit.browse(engine, action="purged") == []


def test_purge_removes_old_decided_items_only(engine, queue, items):
    with Session(engine) as s:
        old_messages = [s.get(ReviewItem, items[k]).message_id for k in ("old_approved", "old_rejected")]
    report = purge(engine, 30, actor="root")
    assert (report.items, report.decisions, report.messages) == (2, 2, 2)
    assert report.outcomes == {"approved": 1, "rejected": 1}
    assert queue.get(items["old_approved"]) is None and queue.get(items["old_rejected"]) is None
    assert queue.get(items["recent"]) is not None and queue.get(items["pending"]) is not None  # pending never purged
    assert [d.item_id for d in queue.decisions()] == [items["recent"]]
    with Session(engine) as s:
        for mid in old_messages:
            assert s.get(Message, mid).content == PURGED_TEXT
        remaining = " ".join(m.content for m in s.exec(select(Message)).all())
    assert "(old_approved)" not in remaining and "(recent)" in remaining
    [event] = audit.browse(engine, action="purged")
    assert event.actor == "root" and event.detail["items"] == 2 and event.detail["days"] == 30
    assert purge(engine, 30).items == 0  # idempotent


def test_the_audit_log_survives_a_purge(engine, items):
    purge(engine, 30)  # the queue wrote "flagged" and "decided" events for the item
    [kept] = audit.browse(engine, item_id=items["old_approved"], action="decided")
    assert (kept.actor, kept.detail["outcome"]) == ("alice", "approved")
    assert [e.action for e in audit.browse(engine, item_id=items["old_approved"], newest_first=False)] == ["flagged", "decided"]


def test_a_failed_purge_changes_nothing(engine, items):
    """All or nothing: a row the purge cannot remove rolls everything back (here a foreign key we add)."""
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE pin (item_id INTEGER REFERENCES reviewitem(id))")
        conn.exec_driver_sql(f"INSERT INTO pin VALUES ({items['old_rejected']})")
    with pytest.raises(Exception):  # noqa: B017 - whichever error the database raises: nothing may be purged
        purge(engine, 30)
    with Session(engine) as s:
        assert len(s.exec(select(ReviewItem)).all()) == 4 and len(s.exec(select(Decision)).all()) == 3
    assert audit.browse(engine, action="purged") == []


def test_cli(engine, database_url, items, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("RETENTION_DAYS", "35")
    assert retention_main(["--dry-run"]) == 0
    assert "would purge 1 items" in capsys.readouterr().out
    assert retention_main(["--days", "30"]) == 0
    assert "purged 2 items" in capsys.readouterr().out
    monkeypatch.setenv("RETENTION_DAYS", "0")
    assert retention_main([]) == 2 and "keep everything" in capsys.readouterr().err
    assert retention_main(["--days", "-1"]) == 2
