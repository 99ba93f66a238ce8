"""A person reports a reply that slipped through: the service, the queue, and the transparency notice.
Real model, real guards, real databases (SQLite and PostgreSQL)."""

import pytest
from sqlmodel import Session, select

from app.service import ChatService, ChatSession, InputError
from app.ui import AppInfo, report_reply, transparency_notice
from guardrails.policy import Rule
from guardrails.types import Action
from review.db import make_engine
from review.queue import USER_REPORT, ItemFilter, ReviewQueue
from review.tables import AuditEvent, Message
from tests.conftest import make_policy


@pytest.fixture
def db_queue(database_url) -> ReviewQueue:
    return ReviewQueue(make_engine(database_url))


@pytest.fixture
def service(chat_model, policy, db_queue):
    return ChatService(chat_model, policy, db_queue)


def test_a_shown_reply_is_reported_into_the_review_queue(service, db_queue):
    session = ChatSession()
    list(service.respond(session, "What is the capital of France?"))
    shown = session.turns[1]
    assert shown.status == "shown" and db_queue.count() == 0

    told = service.report(session, 1, "it made up a fact")
    assert "moderator" in told
    [item] = db_queue.pending()
    assert item.guards == USER_REPORT and item.reply == shown.content
    assert item.user_message == "What is the capital of France?"
    assert item.message_id == shown.message_id
    assert "it made up a fact" in item.reasons[0]
    assert db_queue.search(ItemFilter(guard=USER_REPORT)).total == 1
    with Session(db_queue.engine) as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "reported")).one().item_id == item.id

    # Reporting it again adds nothing; the chat itself is unchanged.
    assert "already reported" in service.report(session, 1)
    assert db_queue.count() == 1
    assert session.messages()[1]["content"] == shown.content


def test_deciding_a_report_leaves_the_shown_reply_as_it_was(service, db_queue):
    session = ChatSession()
    list(service.respond(session, "Say hello."))
    service.report(session, 1)
    [item] = db_queue.pending()
    db_queue.decide(item.id, "alice", approve=False, reason_code="toxic")
    with Session(db_queue.engine) as s:
        assert s.get(Message, item.message_id).status == "shown"
    assert not service.poll(session)  # nothing was waiting, so nothing changes in the chat
    assert session.turns[1].status == "shown"


@pytest.mark.parametrize("index, expected", [(0, "Only a reply you were shown"), (7, "no such reply"),
                                             (-1, "no such reply"), ("1", "no such reply")])
def test_only_a_shown_reply_can_be_reported(service, db_queue, index, expected):
    session = ChatSession()
    list(service.respond(session, "Say hello."))
    with pytest.raises(InputError, match=expected):
        service.report(session, index)
    assert db_queue.count() == 0


def test_a_held_reply_cannot_be_reported_and_an_empty_chat_has_nothing_to_report(chat_model, toxicity_guard, pii_guard, db_queue):
    strict = ChatService(chat_model, make_policy(toxicity_guard, pii_guard, tox_rule=Rule(0.0, Action.HOLD)), db_queue)
    session = ChatSession()
    list(strict.respond(session, "Say hello."))
    with pytest.raises(InputError, match="Only a reply you were shown"):
        strict.report(session, 1)
    with pytest.raises(InputError, match="no reply to report yet"):
        strict.report(ChatSession(), 0)
    assert db_queue.count() == 1  # the held item only


def test_a_released_reply_can_be_reported(chat_model, toxicity_guard, pii_guard, db_queue):
    strict = ChatService(chat_model, make_policy(toxicity_guard, pii_guard, tox_rule=Rule(0.0, Action.HOLD)), db_queue)
    session = ChatSession()
    list(strict.respond(session, "Say hello."))
    [held] = db_queue.pending()
    db_queue.decide(held.id, "alice", approve=True)
    assert strict.poll(session) and session.turns[1].status == "released"
    strict.report(session, 1, "should not have been approved")
    [report] = db_queue.pending()
    assert report.guards == USER_REPORT and report.message_id == held.message_id


def test_the_form_reports_the_nth_or_the_latest_reply(service, db_queue):
    session = ChatSession()
    list(service.respond(session, "Say hello."))
    list(service.respond(session, "Name a colour."))
    report_reply(service, session, 0, "latest")
    report_reply(service, session, 1, "first")
    by_reason = {i.reasons[0].rsplit(": ", 1)[-1]: i for i in db_queue.pending()}
    assert by_reason["latest"].user_message == "Name a colour."
    assert by_reason["first"].user_message == "Say hello."
    with pytest.raises(InputError, match="no such reply"):
        report_reply(service, session, 3, "")
    with pytest.raises(InputError, match="reply's number"):
        report_reply(service, session, "two", "")


def test_the_notice_says_ai_checked_human_stored_and_links_the_card():
    info = AppInfo("SmolLM2", "tox", None, "pii", "policy", retention_days=30, model_card_url="https://example.org/card")
    notice = transparency_notice(info)
    assert "AI model (SmolLM2)" in notice
    assert "checked automatically" in notice and "human moderator" in notice
    assert "deleted 30 days after" in notice
    assert "[model card](https://example.org/card)" in notice
    assert "(#model-card)" in transparency_notice(AppInfo("m", "t", None, "p", "x"))
    assert "Nothing is deleted automatically" in transparency_notice(AppInfo("m", "t", None, "p", "x", retention_days=0))


def test_a_decided_report_is_purged_as_the_notice_says(service, db_queue):
    from datetime import timedelta

    from review.retention import PURGED_TEXT, purge
    from review.tables import utcnow

    session = ChatSession()
    list(service.respond(session, "Say hello."))
    service.report(session, 1, "rude")
    [item] = db_queue.pending()
    db_queue.decide(item.id, "alice", approve=True)
    assert purge(db_queue.engine, 30, now=utcnow() + timedelta(days=29)).items == 0
    assert purge(db_queue.engine, 30, now=utcnow() + timedelta(days=31)).items == 1
    assert db_queue.get(item.id) is None
    with Session(db_queue.engine) as s:
        assert s.get(Message, item.message_id).content == PURGED_TEXT
