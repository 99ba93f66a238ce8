"""Two app processes on one database, as behind a load balancer: a reply held in one is decided through
the other's Gradio API and released to the right person in the first. On one SQLite file and on PostgreSQL."""

import pytest
from gradio_client import Client

from app.service import HELD_NOTICE, REFUSAL
from review.crypto import generate_key
from tests.app.servers import AppServer
from tests.app.test_api import client, moderator, pending_ids, poll, text_of


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def two_servers(request, tmp_path_factory):
    workdir = tmp_path_factory.mktemp(f"two-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{workdir / 'shared.db'}"
    else:
        url = request.getfixturevalue("postgres").new_database()
    # Both start at once on a new database: only one of them may create the tables.
    # One key for both, as a deployment shares REVIEW_ENCRYPTION_KEY (required off SQLite).
    key = generate_key()
    pair = [AppServer(workdir, DATABASE_URL=url, TOXICITY_THRESHOLD="0", REVIEW_ENCRYPTION_KEY=key) for _ in range(2)]
    try:
        for server in pair:
            server.wait_ready()
        yield pair
    finally:
        for server in pair:
            server.stop()


def _item_for(mod: Client, user_message: str) -> int:
    for item_id in pending_ids(mod):
        shown_message, *_ = mod.predict(str(item_id), api_name="/item")
        if shown_message == user_message:
            return item_id
    raise AssertionError(f"no pending item for {user_message!r}")


def test_a_reply_held_in_one_process_is_released_by_a_moderator_on_the_other(two_servers):
    first, second = two_servers
    alice, bob = client(first), client(first)
    chatbot, _ = alice.predict("What is the capital of France?", api_name="/chat")
    assert text_of(chatbot[-1]) == HELD_NOTICE
    bob.predict("Name a colour.", api_name="/chat")

    mod = moderator(second)  # signed in on the other process only
    alice_item, bob_item = _item_for(mod, "What is the capital of France?"), _item_for(mod, "Name a colour.")
    mod.predict(str(alice_item), "false positive", "fine", api_name="/approve")
    assert "Paris" in text_of(poll(alice)[-1])
    assert not isinstance(poll(bob), list)  # Bob's reply is still held

    mod.predict(str(bob_item), "other", "", api_name="/reject")
    assert text_of(poll(bob)[-1]) == REFUSAL


def test_moderators_on_both_processes_cannot_both_decide_one_item(two_servers):
    first, second = two_servers
    client(first).predict("Tell me a joke.", api_name="/chat")
    mod_first, mod_second = moderator(first), moderator(second)
    item = _item_for(mod_second, "Tell me a joke.")
    mod_second.predict(str(item), "other", "", api_name="/approve")
    status, *_ = mod_first.predict(str(item), "other", "", api_name="/reject")
    assert status.startswith("Not recorded") and "not pending" in status
    assert item not in pending_ids(mod_first)
