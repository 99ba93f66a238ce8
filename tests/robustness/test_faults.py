"""Faults injected into the chat service and the queue, and what the person and the moderator see.

Real guards, real SQLite files and a real PostgreSQL server; a real lock held by a second connection.
Fakes only where the fault cannot be caused on demand, named as such: a guard that raises or hangs,
a model that crashes mid-reply, and a full disk (SQLite's max_page_count stands in for it: SQLite
reports SQLITE_FULL exactly as for a full disk, but the disk is not full).
"""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import event, text
from sqlmodel import Session, func, select

from app.service import HELD_NOTICE, MODEL_FAILED, NOT_STORED, ChatService, ChatSession
from guardrails.base import Guard
from guardrails.types import GuardResult
from review.db import make_engine
from review.queue import ReviewQueue
from review.retry import DatabaseBusy, StorageFull
from review.tables import Decision, ReviewItem
from tests.app.test_service import ScriptedModel
from tests.conftest import make_policy
from tests.robustness.test_properties import held_verdict


class CrashingGuard(Guard):
    """Fake (fault injection): a PII guard whose model raises."""

    name, model_name = "pii", "crashing (fake)"

    def scan(self, text: str) -> GuardResult:
        raise RuntimeError("presidio crashed")


class HangingGuard(Guard):
    """Fake (fault injection): a PII guard that never answers."""

    name, model_name = "pii", "hanging (fake)"

    def scan(self, text: str) -> GuardResult:
        time.sleep(30)
        raise AssertionError("unreachable")


def items(queue) -> int:
    with Session(queue.engine) as s:
        return s.exec(select(func.count()).select_from(ReviewItem)).one()


@pytest.mark.parametrize("guard", [CrashingGuard(), HangingGuard()], ids=["raises", "times-out"])
def test_a_failing_guard_holds_the_reply_and_the_item_is_stored(figures, toxicity_guard, queue, guard):
    with figures.fault(f"guard {'raises' if isinstance(guard, CrashingGuard) else 'times out'}"):
        service = ChatService(ScriptedModel(["A harmless sentence. ", "And another one."]),
                              make_policy(toxicity_guard, guard, timeout_s=0.5), queue)
        session = ChatSession()
        frames = list(service.respond(session, "Tell me something."))
        assert all("harmless" not in f[-1]["content"] for f in frames)  # nothing was passed by the guards
        assert frames[-1][-1]["content"] == HELD_NOTICE
        [item] = queue.pending()
        assert item.guards == "pii" and "guard failed" in " ".join(item.reasons)


def test_model_crash_after_a_checked_sentence_shows_only_checked_text(figures, policy, queue):
    with figures.fault("model crashes mid-reply"):
        model = ScriptedModel(["The sky is blue. ", "Unchecked tail that", " never ends"], fail_after=2)
        frames = list(ChatService(model, policy, queue).respond(ChatSession(), "What colour is the sky?"))
        shown = [f[-1]["content"] for f in frames]
        assert "The sky is blue." in shown  # checked, so shown while streaming
        assert all("Unchecked" not in s for s in shown)
        assert shown[-1] == MODEL_FAILED and items(queue) == 0


# -- the database locked by another writer ----------------------------------------------------


class Locker:
    """A second, real connection holding the write lock: SQLite's BEGIN EXCLUSIVE, PostgreSQL's LOCK TABLE."""

    def __init__(self, url: str, engine):
        self.url, self.engine, self.conn = url, engine, None

    def __enter__(self):
        if self.url.startswith("sqlite"):
            self.conn = sqlite3.connect(self.url.split("///", 1)[1], isolation_level=None, check_same_thread=False)
            self.conn.execute("BEGIN EXCLUSIVE")
        else:
            self.conn = self.engine.connect()
            self.conn.execute(text("LOCK TABLE message, reviewitem, decision IN ACCESS EXCLUSIVE MODE"))
        return self

    def release(self):
        if self.conn is not None:
            self.conn.rollback() if not self.url.startswith("sqlite") else self.conn.execute("ROLLBACK")
            self.conn.close()
            self.conn = None

    def __exit__(self, *exc):
        self.release()


@pytest.fixture
def busy_db(database_url):
    engine = make_engine(database_url, busy_timeout_s=0.2)
    yield database_url, engine
    engine.dispose()


def test_a_lock_released_within_the_retries_loses_nothing(figures, busy_db):
    url, engine = busy_db
    queue = ReviewQueue(engine, retries=5)
    conv = queue.start_conversation()
    with figures.fault("database locked, then freed"):
        with Locker(url, engine) as lock:
            threading.Timer(0.5, lock.release).start()  # freed after the first tries have failed
            started = time.monotonic()
            item_id = queue.hold(conv, "hi", "a held reply", held_verdict())
            assert time.monotonic() - started >= 0.4  # it did wait for the lock
        assert queue.get(item_id).status == "pending"


def test_a_lock_that_outlasts_the_retries_is_a_clear_error_and_nothing_half_written(figures, busy_db, toxicity_guard, pii_guard):
    url, engine = busy_db
    queue = ReviewQueue(engine, retries=2)
    conv = queue.start_conversation()
    pending_id = queue.hold(conv, "earlier", "an earlier held reply", held_verdict())
    service = ChatService(ScriptedModel(["Email bob@example.com now."]), make_policy(toxicity_guard, pii_guard), queue)
    session = ChatSession(conversation_id=conv)
    with figures.fault("database locked past the retries"):
        with Locker(url, engine):
            with pytest.raises(DatabaseBusy, match="database is busy"):
                queue.decide(pending_id, "alice", True)
            # The person's message is the first write: refused with the message before anything changes.
            with pytest.raises(DatabaseBusy, match="Please try again"):
                next(service.respond(session, "hello"))
            assert session.turns == []
        # Nothing half-written: the earlier item is pending with no decision, and deciding works again.
        assert queue.get(pending_id).status == "pending" and queue.decisions(pending_id) == []
        assert queue.decide(pending_id, "alice", True).outcome == "approved"


def test_a_hold_that_cannot_be_stored_is_not_shown_as_held(figures, busy_db, toxicity_guard, pii_guard):
    """The person's message is recorded, then the lock arrives before the held reply is stored."""
    url, engine = busy_db
    queue = ReviewQueue(engine, retries=1)
    lock = Locker(url, engine)

    class LockBeforeTheEnd(ScriptedModel):
        """A stand-in chat model (fake): the lock is taken while it writes, as another writer would."""

        def stream(self, history, stop=None):
            yield "Email bob@example.com "
            lock.__enter__()
            yield "now."

    service = ChatService(LockBeforeTheEnd([]), make_policy(toxicity_guard, pii_guard), queue)
    with figures.fault("database locked while a held reply is stored"):
        try:
            frames = list(service.respond(ChatSession(), "hello"))
        finally:
            lock.release()
        assert frames[-1][-1]["content"] == NOT_STORED.format(why="the database is busy")
        assert all("bob@example.com" not in f[-1]["content"] for f in frames)
        assert items(queue) == 0  # not acknowledged, and not half-stored either


# -- a full disk (fake: SQLite's page quota) ------------------------------------------------------


def test_a_full_disk_is_a_clear_error_and_what_was_stored_stays(figures, tmp_path, toxicity_guard, pii_guard):
    url = f"sqlite:///{tmp_path / 'full.db'}"
    queue = ReviewQueue(make_engine(url))
    conv = queue.start_conversation()
    kept = queue.hold(conv, "before", "held before the disk filled", held_verdict())
    queue.engine.dispose()

    full = make_engine(url, migrate_schema=False)

    @event.listens_for(full, "connect")
    def _no_more_pages(dbapi_conn, _record):  # the fake: the file may not grow by one page
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count={pages}")

    queue = ReviewQueue(full)
    service = ChatService(ScriptedModel(["Email bob@example.com now. " + "x" * 20000]),
                          make_policy(toxicity_guard, pii_guard), queue)
    with figures.fault("disk full (fake)"):
        with pytest.raises(StorageFull, match="database is full"):
            queue.hold(conv, "big", "y" * 200_000, held_verdict())
        try:
            frames = list(service.respond(ChatSession(conversation_id=conv), "hello"))
            assert frames[-1][-1]["content"] == NOT_STORED.format(why="the database is full")
        except StorageFull as exc:  # the person's message itself did not fit: refused before anything shows
            assert "database is full" in str(exc)
        assert queue.get(kept).status == "pending"
    with Session(full) as s:
        assert s.exec(select(func.count()).select_from(Decision)).one() == 0
    full.dispose()
