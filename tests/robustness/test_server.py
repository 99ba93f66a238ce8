"""Abuse and access against one real app server (real model, real guards, real SQLite), run offline.

Each test talks from its own loopback address (127.0.0.x), so the per-address chat limit of one test
does not touch another's.
"""

from __future__ import annotations

import threading

import httpx
from sqlmodel import Session, func, select

from app.service import HELD_NOTICE
from review.db import make_engine
from review.queue import ReviewQueue
from review.tables import AuditEvent, Decision, ReviewItem, UserSession
from tests.app.servers import ADMIN, MODERATOR, SECOND_MODERATOR, wait_for_pending
from tests.app.test_api import text_of
from tests.robustness.conftest import SECRETS
from tests.robustness.raw import RawGradio

TOO_FAST = "faster than this service allows"
# The one connection the app makes by design: detoxify fetching its checkpoint from GitHub's release
# storage (README, "Models and what is active"); refused here, so the offline fallback model is used.
DOCUMENTED = {"github.com", "objects.githubusercontent.com", "release-assets.githubusercontent.com"}


def last_text(output) -> str:
    return text_of(output[0][-1])


def store(server) -> ReviewQueue:
    return ReviewQueue(make_engine(f"sqlite:///{server.db_path}", migrate_schema=False))


def held_items(server, source: str, n: int) -> list[int]:
    """`n` held items from new people at `source` (the per-session limit is 2 messages)."""
    ids = []
    for k in range(n):
        message = f"Tell me a fact about cats, number {k} of batch {source.rsplit('.', 1)[1]}."  # no address: it would be masked
        ok, out = RawGradio(server.url, source).chat(message)
        assert ok and last_text(out) == HELD_NOTICE, out
        ids.append(wait_for_pending(store(server), message).id)
    return ids


def test_the_app_starts_and_answers_with_the_network_refused(figures, offline_server):
    ok, out = RawGradio(offline_server.url, "127.0.0.10").chat("What is the capital of France?")
    assert ok and last_text(out) == HELD_NOTICE  # generated, checked by both guards, held and stored
    refused = offline_server.refused_log.read_text().split("\n") if offline_server.refused_log.exists() else []
    hosts = {line.split()[1] for line in refused if line.strip()}
    figures.unauthorized("network connections leaving the machine (refused)", len(hosts), 0)
    assert hosts <= DOCUMENTED, f"unexpected network use: {hosts - DOCUMENTED}"
    if hosts:  # and the app said so, loudly
        assert "TOXICITY GUARD IS USING THE FALLBACK MODEL" in offline_server.log_path.read_text(errors="replace")


def test_one_session_is_limited(figures, offline_server):
    person = RawGradio(offline_server.url, "127.0.0.11")
    for _ in range(2):
        assert person.chat("Say hi.")[0]
    ok, message = person.chat("Say hi again.")
    figures.unauthorized("chat messages past the per-session limit", 1, int(ok))
    assert not ok and TOO_FAST in message


def test_one_address_is_limited_across_sessions(figures, offline_server):
    for _ in range(2):
        person = RawGradio(offline_server.url, "127.0.0.12")  # a new session each time
        assert person.chat("Say hi.")[0] and person.chat("Say bye.")[0]
    ok, message = RawGradio(offline_server.url, "127.0.0.12").chat("And one more.")
    figures.unauthorized("chat messages past the per-address limit", 1, int(ok))
    assert not ok and TOO_FAST in message
    assert RawGradio(offline_server.url, "127.0.0.13").chat("Say hi.")[0]  # another address is served


def test_request_bodies_over_the_limit_are_refused_before_they_are_read(figures, offline_server):
    http = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.14"), timeout=60)
    url = offline_server.url
    big = b'{"data": ["' + b"a" * 400_000 + b'", null], "fn_index": 0, "session_hash": "abc"}'
    tries = [
        http.post(f"{url}/gradio_api/queue/join", content=big, headers={"content-type": "application/json"}),
        http.post(f"{url}/gradio_api/queue/join", content=(big[i:i + 65536] for i in range(0, len(big), 65536)),
                  headers={"content-type": "application/json"}),  # chunked: no Content-Length to check
        http.post(f"{url}/gradio_api/upload", files={"files": ("big.bin", b"\0" * 400_000)}),
    ]
    figures.unauthorized("request bodies over MAX_REQUEST_BYTES", len(tries), sum(r.status_code != 413 for r in tries))
    for r in tries:
        assert r.status_code == 413 and "MAX_REQUEST_BYTES" in r.json()["error"]
    poll = RawGradio(url, "127.0.0.14").fn_index("poll")
    small = b'{"data": [null], "fn_index": %d, "session_hash": "chunked1"}' % poll
    assert http.post(f"{url}/gradio_api/queue/join", content=iter([small[:10], small[10:]]),
                     headers={"content-type": "application/json"}).status_code == 200  # a chunked body that fits
    # Under the byte limit, a message over the character limit still gets its clear message.
    ok, message = RawGradio(url, "127.0.0.14").chat("a" * 100_000)
    assert not ok and "100,000 characters long" in message
    assert http.get(url + "/").status_code == 200


def snapshot(server) -> dict:
    with Session(make_engine(f"sqlite:///{server.db_path}", migrate_schema=False)) as s:
        return {
            "decisions": s.exec(select(func.count()).select_from(Decision)).one(),
            "items": sorted((i.id, i.status, i.claimed_by) for i in s.exec(select(ReviewItem)).all()),
            "audit": sorted(s.exec(select(AuditEvent.action, func.count()).where(
                AuditEvent.action.not_in(["login_failure"])).group_by(AuditEvent.action)).all()),
        }


def forged(raw: RawGradio, dep: dict, item_id: int, token: str | None) -> list:
    values = []
    for cid in dep["inputs"]:
        component = raw.component(cid)
        kind = "multiselect" if component.get("props", {}).get("multiselect") else component.get("type")
        values.append({"state": token, "number": item_id, "checkboxgroup": [str(item_id)],
                       "multiselect": [str(item_id)]}.get(kind, str(item_id)))
    return values


def test_no_route_acts_on_the_queue_without_a_moderator_session(figures, offline_server):
    [item_id] = held_items(offline_server, "127.0.0.15", 1)
    secret = store(offline_server).get(item_id).reply
    before = snapshot(offline_server)
    raw = RawGradio(offline_server.url, "127.0.0.15")
    generating = {raw.fn_index("chat")} | {d["id"] for d in raw.config["dependencies"]
                                           if any(raw.component(t[0]).get("props", {}).get("elem_id") == "message"
                                                  for t in d.get("targets", []))}
    tried = succeeded = 0
    for dep in raw.config["dependencies"]:
        if dep["id"] in generating:
            continue
        for token in (None, "forged-token", "x" * 43):
            ok, out = raw.call(dep["id"], forged(raw, dep, item_id, token))
            tried += 1
            succeeded += int(secret[:30] in str(out) or snapshot(offline_server) != before)
    # The plain REST route of every named endpoint too (POST /gradio_api/call/NAME).
    http = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.15"), timeout=60)
    for dep in raw.config["dependencies"]:
        if dep["id"] in generating or not dep.get("api_name"):
            continue
        r = http.post(f"{offline_server.url}/gradio_api/call/{dep['api_name']}",
                      json={"data": forged(raw, dep, item_id, "forged-token")})
        if r.status_code == 200:
            events = http.get(f"{offline_server.url}/gradio_api/call/{dep['api_name']}/{r.json()['event_id']}").text
        else:
            events = r.text
        tried += 1
        succeeded += int(secret[:30] in events or snapshot(offline_server) != before)
    figures.unauthorized("queue actions without a moderator session (every event, UI and REST routes)", tried, succeeded)
    assert tried > 60 and succeeded == 0
    assert snapshot(offline_server) == before


def test_two_moderators_deciding_one_item_at_once_have_one_winner(figures, offline_server):
    ids = held_items(offline_server, "127.0.0.16", 2) + held_items(offline_server, "127.0.0.17", 2)
    alice, bob = RawGradio(offline_server.url, "127.0.0.18"), RawGradio(offline_server.url, "127.0.0.19")
    for mod, account in ((alice, MODERATOR), (bob, SECOND_MODERATOR)):
        ok, out = mod.call(mod.fn_index("login"), [*account])
        assert ok and "Signed in as" in str(out)  # the header line (app/console/signin.py)
    with figures.fault("two moderators decide one item at once", len(ids)):
        for item_id in ids:
            results, barrier = {}, threading.Barrier(2)

            def decide(name, mod, endpoint, barrier=barrier, results=results, item_id=item_id):
                barrier.wait()
                results[name] = mod.call(mod.fn_index(endpoint), [None, str(item_id), "other", f"race {name}"])

            threads = [threading.Thread(target=decide, args=("alice", alice, "approve")),
                       threading.Thread(target=decide, args=("bob", bob, "reject"))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
            said = {name: out[0] for name, (ok, out) in results.items()}
            winners = [n for n, text in said.items() if text.startswith(f"Item #{item_id}")]
            assert len(winners) == 1 and all(t.startswith("Not recorded") for n, t in said.items() if n not in winners), said
            decisions = store(offline_server).decisions(item_id)
            assert len(decisions) == 1 and decisions[0].moderator == winners[0]


def test_secrets_never_reach_a_log_or_the_database(figures, offline_server):
    mod = RawGradio(offline_server.url, "127.0.0.20")
    wrong = "wrong-Password-4f9a-never-log-me"
    mod.call(mod.fn_index("login"), [MODERATOR[0], wrong])
    ok, out = mod.call(mod.fn_index("login"), [*ADMIN])
    assert ok and "Signed in as" in str(out)  # the header line (app/console/signin.py)
    texts = {"app log": offline_server.log_path.read_text(errors="replace")}
    with Session(make_engine(f"sqlite:///{offline_server.db_path}", migrate_schema=False)) as s:
        texts["audit log"] = "\n".join(f"{e.actor} {e.action} {e.detail}" for e in s.exec(select(AuditEvent)).all())
        hashes = [u.token_hash for u in s.exec(select(UserSession)).all()]
    leaks = [(secret, where) for secret in [*SECRETS.values(), wrong] for where, text in texts.items() if secret in text]
    figures.unauthorized("secrets written to the app log or audit log", len(SECRETS) + 1, len(leaks))
    assert leaks == []
    assert hashes and all(len(h) == 64 and set(h) <= set("0123456789abcdef") for h in hashes)  # tokens stored hashed


def test_every_python_process_the_app_starts_gets_the_offline_hook(tmp_path):
    """The chat and PII workers are separate processes; offline_site/sitecustomize.py gives them the hook."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    log = tmp_path / "refused.log"
    env = {**os.environ, "OFFLINE_LOG": str(log),
           "PYTHONPATH": os.pathsep.join([str(root / "tests" / "robustness" / "offline_site"), str(root)])}
    code = ("import socket\ntry:\n    socket.getaddrinfo('example.org', 443)\n    print('reached')\n"
            "except OSError as exc:\n    print('refused' if 'offline test refused' in str(exc) else exc)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.stdout.strip() == "refused" and "getaddrinfo example.org" in log.read_text()
