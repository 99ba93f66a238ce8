"""The chat service end to end without a browser: real model, real guards, real SQLite."""

import pytest
from sqlmodel import Session, func, select

from app.service import EMPTY_REPLY, HELD_NOTICE, MODEL_FAILED, REFUSAL, ChatService, ChatSession, InputError, clean_input
from guardrails.policy import Rule
from guardrails.types import Action
from models.chat import ModelError
from review.crypto import Sealer, generate_key
from review.queue import ReviewQueue
from review.tables import Message
from tests.conftest import make_policy


def message_count(queue) -> int:
    with Session(queue.engine) as s:
        return s.exec(select(func.count()).select_from(Message)).one()


@pytest.fixture
def service(chat_model, policy, queue):
    return ChatService(chat_model, policy, queue, max_input_chars=4000)


@pytest.fixture
def strict_service(chat_model, toxicity_guard, pii_guard, queue):
    """Every reply is held: any toxicity score at all counts."""
    return ChatService(chat_model, make_policy(toxicity_guard, pii_guard, tox_rule=Rule(0.0, Action.HOLD)), queue)


class ScriptedModel:
    """Stands in for the chat model where a test needs a reply the real one will not write on demand."""

    name = "scripted"

    def __init__(self, pieces, fail_after=None):
        self.pieces, self.fail_after = pieces, fail_after

    def stream(self, history, stop=None):
        for i, piece in enumerate(self.pieces):
            if self.fail_after is not None and i == self.fail_after:
                raise ModelError("the model failed while generating: simulated crash")
            yield piece


def test_clean_reply_is_shown_and_recorded(service, queue):
    session = ChatSession()
    frames = list(service.respond(session, "What is the capital of France?"))
    final = frames[-1]
    assert final[0] == {"role": "user", "content": "What is the capital of France?"}
    assert "Paris" in final[1]["content"]
    assert session.history()[-1]["role"] == "assistant"
    assert message_count(queue) == 2 and queue.count() == 0


def test_reply_streams_sentence_by_sentence(policy, queue):
    model = ScriptedModel(["Water boils ", "at 100 C. ", "Ice is ", "cold!", "\n", "Steam is ", "hot"])
    frames = list(ChatService(model, policy, queue).respond(ChatSession(), "Tell me about water."))
    shown = [f[-1]["content"] for f in frames]
    # Only whole, checked sentences appear; the unfinished tail waits for the final check.
    assert shown == [
        "…",
        "Water boils at 100 C.",
        "Water boils at 100 C. Ice is cold!",
        "Water boils at 100 C. Ice is cold!\nSteam is hot",
    ]


def test_history_carries_into_the_next_turn(service):
    session = ChatSession()
    list(service.respond(session, "My favourite colour is green."))
    list(service.respond(session, "What did I say my favourite colour is?"))
    assert len(session.turns) == 4
    assert "green" in session.history()[0]["content"]


def test_held_reply_is_never_shown_then_released_on_approval(strict_service, queue):
    session = ChatSession()
    frames = list(strict_service.respond(session, "What is the capital of France?"))
    [item] = queue.pending()
    assert "Paris" in item.reply
    for frame in frames:  # not one streamed frame showed the reply
        assert item.reply not in frame[-1]["content"] and "Paris" not in frame[-1]["content"]
    assert frames[-1][-1]["content"] == HELD_NOTICE
    assert session.history() == [{"role": "user", "content": "What is the capital of France?"}]

    assert strict_service.poll(session) is False  # nothing decided yet
    queue.decide(item.id, "alice", approve=True)
    assert strict_service.poll(session) is True
    assert session.messages()[-1]["content"] == item.reply
    assert session.history()[-1] == {"role": "assistant", "content": item.reply}
    # A poll's answer can be lost on the way; the next polls send the conversation again, then stop.
    assert [strict_service.poll(session) for _ in range(strict_service.RESEND_POLLS + 1)] == [True] * strict_service.RESEND_POLLS + [False]


def test_rejected_reply_becomes_a_polite_refusal(strict_service, queue):
    session = ChatSession()
    list(strict_service.respond(session, "Say hello."))
    [item] = queue.pending()
    queue.decide(item.id, "alice", approve=False, note="not appropriate")
    assert strict_service.poll(session)
    assert session.messages()[-1]["content"] == REFUSAL
    assert item.reply not in str(session.history())


def test_flag_in_a_later_sentence_holds_the_whole_reply(policy, engine):
    queue = ReviewQueue(engine, Sealer([generate_key()]))
    model = ScriptedModel(["The weather is nice today. ", "Email me at ", "bob@example.com ", "any time."])
    session = ChatSession()
    frames = list(ChatService(model, policy, queue).respond(session, "hi"))
    assert frames[-1][-1]["content"] == HELD_NOTICE
    assert all("bob@example.com" not in f[-1]["content"] for f in frames)
    [item] = queue.pending()
    # Moderators see the whole reply with the personal data masked; the original is sealed, not lost.
    assert item.reply == "The weather is nice today. Email me at [EMAIL_ADDRESS] any time."
    assert queue.reveal(item.id, "alice", "test") == "The weather is nice today. Email me at bob@example.com any time."
    assert item.guards == "pii"


def test_redact_action_shows_placeholders_not_the_data(toxicity_guard, pii_guard, queue):
    policy = make_policy(toxicity_guard, pii_guard, pii_rule=Rule(0.5, Action.REDACT))
    model = ScriptedModel(["Write to ", "bob@example.com", " please."])
    session = ChatSession()
    frames = list(ChatService(model, policy, queue).respond(session, "hi"))
    assert frames[-1][-1]["content"] == "Write to [EMAIL_ADDRESS] please."
    assert queue.count() == 0


def test_model_crash_mid_reply_shows_a_clear_message_and_nothing_unchecked(policy, queue):
    model = ScriptedModel(["Partial answer without end", " and more", " text"], fail_after=2)
    session = ChatSession()
    frames = list(ChatService(model, policy, queue).respond(session, "hi"))
    assert frames[-1][-1]["content"] == MODEL_FAILED
    assert all("Partial answer" not in f[-1]["content"] for f in frames)  # never reached a sentence end


def test_empty_model_reply_gets_a_message(policy, queue):
    session = ChatSession()
    frames = list(ChatService(ScriptedModel(["  ", "\n"]), policy, queue).respond(session, "hi"))
    assert frames[-1][-1]["content"] == EMPTY_REPLY


@pytest.mark.parametrize(
    "bad, expected",
    [
        ("", "Please type a message"),
        ("   \n\t ", "Please type a message"),
        ("x" * 100_000, "100,000 characters long; the limit is 4,000"),
        ("\x00\x01\x02\x7f", "only control characters"),
        (b"\x00binary", "could not be read as text"),
        (None, "could not be read as text"),
    ],
)
def test_bad_input_gets_a_clear_message_and_records_nothing(service, queue, bad, expected):
    session = ChatSession()
    with pytest.raises(InputError, match=expected):
        next(service.respond(session, bad))
    assert session.turns == [] and message_count(queue) == 0


def test_control_characters_are_removed_from_a_real_message():
    assert clean_input("Hel\x00lo\x07 there\x1b[31m\n", 100) == "Hello there[31m"
    assert clean_input("  keep\ttabs\nand lines  ", 100) == "keep\ttabs\nand lines"
