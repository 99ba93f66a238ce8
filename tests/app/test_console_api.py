"""The moderator console through the running app's Gradio API: roles, claims, edits, reveal, export, audit."""

import csv
import io
import re
import urllib.request

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from app.service import HELD_NOTICE
from review import audit
from review.db import make_engine
from review.queue import ReviewQueue
from review.redaction import redact_spans
from tests.app.servers import ADMIN, MODERATOR, SECOND_MODERATOR
from tests.app.test_api import client, pending_ids, poll, text_of


def signed_in(server, account) -> Client:
    c = client(server)
    c.predict(*account, api_name="/login")
    return c


def held_item(server, question: str) -> tuple[Client, int]:
    person = client(server)
    chatbot, _ = person.predict(question, api_name="/chat")
    assert text_of(chatbot[-1]) == HELD_NOTICE
    return person, max(pending_ids(signed_in(server, MODERATOR)))


def events(server, item_id):
    return [(e.actor, e.action) for e in audit.browse(make_engine(f"sqlite:///{server.db_path}"), item_id=item_id, newest_first=False)]


def test_a_claim_keeps_a_second_moderator_off_the_item(servers):
    server = servers["strict"]
    _, item_id = held_item(server, "Name a primary colour.")
    alice, bob = signed_in(server, MODERATOR), signed_in(server, SECOND_MODERATOR)
    assert "You hold item" in alice.predict(str(item_id), api_name="/claim")
    assert "claimed by alice" in bob.predict(str(item_id), api_name="/claim")
    message, *_ = bob.predict(str(item_id), "other", "", api_name="/approve")
    assert message.startswith("Not recorded") and "claimed by alice" in message
    assert item_id in pending_ids(alice)
    message, *_ = alice.predict(str(item_id), "toxic", "", api_name="/reject")
    assert message.startswith(f"Item #{item_id} rejected")
    assert ("alice", "claimed") in events(server, item_id) and ("alice", "decided") in events(server, item_id)


def test_edit_and_approve_releases_the_moderators_version_to_the_person(servers):
    server = servers["strict"]
    person, item_id = held_item(server, "What is the capital of Italy?")
    mod = signed_in(server, MODERATOR)
    message, *_ = mod.predict(str(item_id), "personal data", "trimmed", "Rome is the capital of Italy (edited).",
                              api_name="/approve_edited")
    assert "edited version was released" in message
    assert text_of(poll(person)[-1]) == "Rome is the capital of Italy (edited)."
    assert [a for _, a in events(server, item_id)][-2:] == ["edited", "decided"]


def test_revealing_the_original_needs_a_reason_and_is_audited(servers):
    server = servers["strict"]
    _, item_id = held_item(server, "What is the capital of Spain?")
    with pytest.raises(AppError, match="needs the admin role"):  # only admins reveal (issue 22)
        signed_in(server, MODERATOR).predict(str(item_id), "curious", api_name="/reveal")
    admin = signed_in(server, ADMIN)
    with pytest.raises(AppError, match="Say why"):
        admin.predict(str(item_id), "", api_name="/reveal")
    original = admin.predict(str(item_id), "checking the redaction", api_name="/reveal")["value"]
    item = ReviewQueue(make_engine(f"sqlite:///{server.db_path}")).get(item_id)
    assert original and item.sealed_reply and original not in item.sealed_reply  # stored encrypted
    assert redact_spans(original, item.results) == item.reply  # the stored text is the original, redacted
    assert ("root", "original_revealed") in events(server, item_id)


def test_only_admins_read_the_audit_log_and_export(servers, tmp_path):
    server = servers["strict"]
    _, item_id = held_item(server, "What is the capital of Peru?")
    mod = signed_in(server, MODERATOR)
    mod.predict(str(item_id), "false positive", "ok", api_name="/approve")
    for endpoint, args in (("/audit_log", ("", "", None)), ("/export", ("decisions", "csv"))):
        with pytest.raises(AppError, match="needs the admin role"):
            mod.predict(*args, api_name=endpoint)

    admin = signed_in(server, ADMIN)
    log = admin.predict("alice", "decided", None, api_name="/audit_log")
    assert any(row[3] == item_id for row in log["data"])
    link = admin.predict("decisions", "csv", api_name="/export")  # a one-time address (app/security.py)
    with urllib.request.urlopen(server.url + "/" + re.search(r'href="([^"]+)"', link).group(1)) as answer:
        rows = list(csv.DictReader(io.StringIO(answer.read().decode())))
    mine = next(r for r in rows if int(r["item_id"]) == item_id)
    assert (mine["outcome"], mine["reason_code"], mine["moderator"]) == ("approved", "false positive", "alice")
    assert ("root", "exported") in [(e.actor, e.action) for e in audit.browse(make_engine(f"sqlite:///{server.db_path}"), action="exported")]


def test_repeated_wrong_passwords_lock_the_name_out(servers):
    server = servers["default"]
    intruder = client(server)
    for _ in range(5):
        intruder.predict(SECOND_MODERATOR[0], "guess", api_name="/login")
    status, *_ = intruder.predict(*SECOND_MODERATOR, api_name="/login")  # the token is server-side state
    assert "Too many failed sign-ins" in status
    with pytest.raises(AppError, match="sign in as a moderator"):
        intruder.predict(api_name="/dashboard")
