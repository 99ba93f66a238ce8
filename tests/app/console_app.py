"""The real UI (app/ui.py build_ui) launched in this process on a free port, with a real SQLite queue
and real accounts but no chat model: fast enough for tests of the console, its roles and the server's
security headers. The chat endpoints are not called through it (they need a model; tests/app/servers.py)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from app.ui import AppInfo, build_ui, theme
from guardrails.types import Action, Finding, GuardResult, Verdict
from review.auth import ModeratorAuth
from review.crypto import Sealer, generate_key
from review.db import make_engine
from review.queue import ReviewQueue
from tests.app.servers import ADMIN, MODERATOR, free_port

INFO = AppInfo("tiny-chat-model", "alt-profanity-check", "detoxify could not load", "presidio-secret-banner",
               "toxicity: fires at ≥ 0.5, then hold")
ORIGINAL = "Maria Gonzalez can be reached at 415-555-0132."


def held_verdict() -> Verdict:
    pii = GuardResult("pii", "presidio", {"PERSON": 0.85, "PHONE_NUMBER": 0.75},
                      [Finding("PERSON", 0.85, 0, 14), Finding("PHONE_NUMBER", 0.75, 33, 45)])
    tox = GuardResult("toxicity", "alt-profanity-check", {"toxicity": 0.01}, [Finding("toxicity", 0.01)])
    return Verdict(Action.HOLD, "", [tox, pii], ["pii: PERSON 0.85 ≥ 0.50 (hold)"], ["pii"],
                   {"toxicity": 0.5, "pii": 0.5})


@dataclass
class ConsoleApp:
    url: str
    queue: ReviewQueue
    demo: object

    def hold(self, question: str = "How do I reach Maria?", reply: str = ORIGINAL) -> int:
        conversation = self.queue.start_conversation()
        return self.queue.hold(conversation, question, reply, held_verdict())


@contextlib.contextmanager
def console_app(workdir: Path):
    engine = make_engine(f"sqlite:///{workdir / 'console.db'}")
    auth = ModeratorAuth(engine, scrypt_n=1024)
    auth.bootstrap({MODERATOR[0]: MODERATOR[1]}, {ADMIN[0]: ADMIN[1]})
    queue = ReviewQueue(engine, Sealer([generate_key()]))
    demo = build_ui(None, queue, auth, INFO)
    port = free_port()
    demo.queue()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, show_error=False, theme=theme(),
                quiet=True)
    try:
        yield ConsoleApp(f"http://127.0.0.1:{port}", queue, demo)
    finally:
        demo.close()
