from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from review import audit
from review.tables import AuditEvent


def test_an_event_commits_with_the_callers_transaction(engine):
    with Session(engine) as s:
        audit.record(s, "alice", "viewed", item_id=7, note="will roll back")
        s.rollback()
    assert audit.browse(engine) == []
    with Session(engine) as s:
        audit.record(s, "alice", "decided", item_id=7, outcome="approved")
        s.commit()
    [event] = audit.browse(engine)
    assert (event.actor, event.action, event.item_id, event.detail) == ("alice", "decided", 7, {"outcome": "approved"})
    assert event.at is not None


def test_unknown_actions_are_refused(engine):
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record_now(engine, "alice", "deleted_everything")


def test_secrets_never_reach_the_detail(engine):
    e = audit.record_now(engine, "alice", "login_failure", ip="1.2.3.4", password="hunter2",
                         nested={"api_key": "abc", "ok": 1}, when=datetime(2026, 1, 2, tzinfo=UTC))
    assert e.detail["password"] == audit.REDACTED and e.detail["nested"] == {"api_key": audit.REDACTED, "ok": 1}
    assert e.detail["when"].startswith("2026-01-02")  # datetimes stored as text, not a commit-time error
    assert "hunter2" not in repr(audit.browse(engine)[0].detail)


@pytest.mark.parametrize("sql", ["UPDATE auditevent SET actor = 'mallory'", "DELETE FROM auditevent"])
def test_the_database_refuses_to_change_the_log(engine, sql):
    audit.record_now(engine, "alice", "decided", item_id=1)
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text(sql))
    [event] = audit.browse(engine)
    assert event.actor == "alice"


def test_the_orm_cannot_change_it_either(engine):
    audit.record_now(engine, "alice", "decided", item_id=1)
    with Session(engine) as s:
        event = s.get(AuditEvent, 1)
        s.delete(event)
        with pytest.raises(DBAPIError, match="append-only"):
            s.commit()


def test_the_module_offers_no_way_to_change_events():
    assert not [name for name in dir(audit) if name.startswith(("update", "delete", "remove", "edit"))]


def test_browse_filters_and_pages(engine):
    with Session(engine) as s:
        for i in range(5):
            audit.record(s, "alice" if i % 2 else "bob", "viewed", item_id=i)
        audit.record(s, "bob", "decided", item_id=3)
        s.commit()
    assert len(audit.browse(engine)) == 6
    assert [e.item_id for e in audit.browse(engine, actor="alice", newest_first=False)] == [1, 3]
    assert [e.actor for e in audit.browse(engine, action="decided")] == ["bob"]
    assert {e.action for e in audit.browse(engine, item_id=3)} == {"viewed", "decided"}
    first, second = audit.browse(engine, limit=4), audit.browse(engine, limit=4, offset=4)
    assert len(first) == 4 and len(second) == 2 and not {e.id for e in first} & {e.id for e in second}
    assert audit.browse(engine, since=datetime.now(UTC) + timedelta(minutes=1)) == []
    assert len(audit.browse(engine, since=datetime.now(UTC) - timedelta(minutes=5))) == 6
