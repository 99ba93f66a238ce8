"""The running app driven through its Gradio API with gradio_client: real server, real model."""

import concurrent.futures
import html
import re
import time

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from app.service import HELD_NOTICE, REFUSAL
from tests.app.servers import MODERATOR


def text_of(message: dict) -> str:
    """What the person reads: the message's HTML (app/display.py) without its tags."""
    content = message["content"]
    if isinstance(content, list):
        content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return html.unescape(re.sub(r"<br ?/?>", "\n", re.sub(r"</?(p|strong|em|ul|ol|li|code|pre|h\d)( [^>]*)?>", "", content)))


def client(server) -> Client:
    return Client(server.url, verbose=False)


def poll(c: Client):
    """What the chat tab's timer gets on its next tick.

    gradio_client now and then loses the event stream of a call (it raises CancelledError with no
    result). In the browser that is one missed tick of a periodic poll, so the test polls again."""
    for attempt in range(3):
        try:
            return c.predict(api_name="/poll")
        except concurrent.futures.CancelledError:
            if attempt == 2:
                raise
            time.sleep(0.5)


def moderator(server) -> Client:
    c = client(server)
    c.predict(*MODERATOR, api_name="/login")
    return c


def listing(mod: Client, **filters):
    """The console's /queue endpoint with the page's default filters, overridden by `filters`."""
    args = dict(status="pending", guard="any", category="", text="", since="", until="", min_score=0, max_score=1,
                sort="oldest", page=1, page_size=50, selected=None) | filters
    return mod.predict(**args, api_name="/queue")


def pending_ids(mod: Client) -> list[int]:
    _, _, table, _, _ = listing(mod)
    return [int(row[0]) for row in table["data"]]


def test_chat_reply_comes_back(servers):
    chatbot, box = client(servers["default"]).predict("What is the capital of France?", api_name="/chat")
    assert text_of(chatbot[0]) == "What is the capital of France?"
    assert "Paris" in text_of(chatbot[-1])
    # The box is emptied by the first update and left alone by the later ones (what is typed meanwhile stays).
    assert box in ("", {"__type__": "update"})


@pytest.mark.parametrize(
    "bad, expected",
    [("", "Please type a message"), ("   ", "Please type a message"),
     ("a" * 100_000, "100,000 characters long"), ("\x00\x1b\x07", "only control characters")],
)
def test_bad_input_is_refused_with_a_clear_message(servers, bad, expected):
    with pytest.raises(AppError, match=expected):
        client(servers["default"]).predict(bad, api_name="/chat")


def test_held_reply_is_approved_and_released_to_the_right_person(servers):
    server = servers["strict"]
    alice_chat, bob_chat = client(server), client(server)
    chatbot, _ = alice_chat.predict("What is the capital of France?", api_name="/chat")
    assert text_of(chatbot[-1]) == HELD_NOTICE
    bob_chat.predict("Say hello.", api_name="/chat")

    mod = moderator(server)
    ids = pending_ids(mod)
    assert len(ids) >= 2
    # Other tests share this server: find Alice's item by her message.
    ids = [i for i in ids if mod.predict(str(i), api_name="/item")[0] == "What is the capital of France?"][-1:] + ids
    user_msg, reply, words, why, *_ = mod.predict(str(ids[0]), api_name="/item")
    assert user_msg == "What is the capital of France?"
    assert "Why it was held" in why and "toxicity" in why
    assert "Paris" in "".join(part["token"] for part in words["value"])  # word attributions of the reply

    mod.predict(str(ids[0]), "false positive", "fine", api_name="/approve")
    assert ids[0] not in pending_ids(mod)
    released = poll(alice_chat)
    assert "Paris" in text_of(released[-1])
    # Bob's reply is still held: a decision reaches only its own conversation.
    assert not isinstance(poll(bob_chat), list)  # no update for Bob


def test_rejected_reply_turns_into_a_refusal(servers):
    server = servers["strict"]
    user = client(server)
    user.predict("Tell me a joke.", api_name="/chat")
    mod = moderator(server)
    newest = max(pending_ids(mod))
    mod.predict(str(newest), "toxic", "", api_name="/reject")
    assert text_of(poll(user)[-1]) == REFUSAL


@pytest.mark.parametrize("endpoint, args", [
    ("/approve", ("{id}", "other", "")), ("/reject", ("{id}", "other", "")), ("/item", ("{id}",)),
    ("/approve_edited", ("{id}", "other", "", "edited")), ("/claim", ("{id}",)), ("/reveal", ("{id}", "curious")),
    ("/bulk_approve", ([], "other")), ("/dashboard", ()), ("/audit_log", ("", "", None)), ("/export", ("decisions", "csv")),
])
def test_admin_endpoints_refuse_anyone_not_signed_in(servers, endpoint, args):
    server = servers["strict"]
    client(server).predict("Hi there.", api_name="/chat")
    mod = moderator(server)
    target = max(pending_ids(mod))

    intruder = client(server)
    with pytest.raises(AppError, match="sign in as a moderator"):
        intruder.predict(*fill(args, target), api_name=endpoint)
    # A failed sign-in does not help either.
    intruder.predict("alice", "wrong password", api_name="/login")
    with pytest.raises(AppError, match="sign in as a moderator"):
        intruder.predict(*fill(args, target), api_name=endpoint)
    assert target in pending_ids(mod)  # nothing was decided


def fill(args, target):
    def one(a):
        return [one(x) for x in a] if isinstance(a, list) else a.format(id=target) if isinstance(a, str) else a
    return [one(a) for a in args]


def test_signed_out_moderator_is_refused(servers):
    mod = moderator(servers["strict"])
    mod.predict(api_name="/logout")
    with pytest.raises(AppError, match="sign in as a moderator"):
        listing(mod)


def test_a_person_reports_a_shown_reply_and_a_moderator_sees_it(servers):
    server = servers["default"]
    person = client(server)
    question = "What is the capital of France?"  # a reply the guards pass: a held one cannot be reported
    chatbot, _ = person.predict(question, api_name="/chat")
    status, box = person.predict(0, "it is not a fruit", api_name="/report")
    assert "sent to a moderator" in status and box == ""
    with pytest.raises(AppError, match="no such reply"):
        person.predict(5, "", api_name="/report")
    with pytest.raises(AppError, match="no reply to report yet"):
        client(server).predict(0, "", api_name="/report")

    mod = moderator(server)
    _, _, table, _, _ = listing(mod, guard="user_report")
    [row] = [r for r in table["data"] if r[3] == "user_report" and r[7] == text_of(chatbot[-1])[:100]]
    user_msg, reply, _, why, *_ = mod.predict(str(row[0]), api_name="/item")
    assert user_msg == question and "it is not a fruit" in why


def test_the_chat_tab_shows_the_transparency_notice_and_the_model_card(servers):
    import json
    import urllib.request

    with urllib.request.urlopen(servers["default"].url + "/config", timeout=30) as r:
        config = json.load(r)
    texts = [c.get("props", {}).get("value") for c in config["components"]]
    notice = next(t for t in texts if isinstance(t, str) and "human moderator" in t)
    assert "deleted 90 days after" in notice and "(#model-card)" in notice
    assert any(isinstance(t, str) and t.startswith("# Model card") for t in texts)
    chatbot = next(c for c in config["components"] if c.get("props", {}).get("elem_id") == "chatbot")
    assert chatbot["props"]["feedback_options"] == ["Report this reply"]
