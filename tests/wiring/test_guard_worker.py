"""PII_PROCESS: the PII guard served by a real worker process (wiring/guard_worker.py, guardrails/remote.py)."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from guardrails.policy import Policy, Rule
from guardrails.remote import GuardWorkerError
from guardrails.types import Action, ScanContext
from wiring.build import build_all_guards, build_guards, start_guard_workers
from wiring.settings import Settings

ROOT = Path(__file__).resolve().parents[2]

TEXTS = [
    "Call me at +44 20 7946 1321, I'm Dana Whitfield.",
    "**Albert Einstein** was born in Ulm in 1879.\n\n| name | role |\n|---|---|\n| Film | Forbes |",
    "Write to anna.lee@mailbox.org or support@example.com, or ring 212-555-2981.",
    "My neighbour Tom Okafor has HIV and lives at 14 Elm Street.",
    "",
]


@pytest.fixture(scope="module")
def settings():
    return Settings.from_env({})


@pytest.fixture(scope="module")
def remote(settings):
    guard = start_guard_workers(settings)["pii"].wait_ready()
    yield guard
    guard.close()


def test_the_worker_answers_as_the_guard_in_this_process(settings, remote):
    local = build_guards(settings, ["pii"])["pii"]
    assert remote.model_name == local.model_name
    for text in TEXTS:
        for context in (None, ScanContext(prompt="I'm Dana Whitfield, what should I write?"), ScanContext(every_name=True)):
            assert remote.scan(text, context).to_dict() == local.scan(text, context).to_dict()
    found = local.scan(TEXTS[0]).findings
    assert found and remote.redact(TEXTS[0], found) == local.redact(TEXTS[0], found)
    assert remote.risks(TEXTS) == pytest.approx(local.risks(TEXTS))


def test_checks_at_once_each_get_their_own_answer(settings, remote):
    local = build_guards(settings, ["pii"])["pii"]
    expected = {t: local.scan(t).to_dict() for t in TEXTS}
    got: dict[str, list] = {t: [] for t in TEXTS}

    def check(text):
        got[text].append(remote.scan(text).to_dict())

    threads = [threading.Thread(target=check, args=(t,)) for t in TEXTS * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(answers == [expected[t]] * 4 for t, answers in got.items())


def test_a_worker_killed_during_a_check_holds_the_reply_and_the_next_check_starts_a_new_one(settings):
    guard = start_guard_workers(settings)["pii"].wait_ready()
    policy = Policy([guard], {"pii": Rule(0.5, Action.HOLD)}, timeout_s=60)
    long_reply = "Our team met in Berlin and talked about the plan for the next quarter. " * 3000
    verdicts = []
    checking = threading.Thread(target=lambda: verdicts.append(policy.check(long_reply)))
    checking.start()
    time.sleep(1.0)  # the check is running in the worker (this text takes seconds)
    first = guard.pid
    os.kill(first, signal.SIGKILL)
    checking.join(timeout=60)
    assert verdicts and verdicts[0].held and "pii: guard failed" in verdicts[0].reasons[0]
    assert "worker process ended" in verdicts[0].reasons[0]
    # The next reply starts a new worker and is judged normally.
    again = policy.check("Thanks, that helped!")
    assert not again.held and guard.pid != first
    assert policy.check(TEXTS[0]).held  # and it still finds what it should
    guard.close()


def test_a_worker_that_cannot_build_its_guard_stops_the_start_with_its_reason():
    settings = Settings.from_env({"SPACY_MODEL": "/no/such/spacy-model"})
    started = start_guard_workers(settings)
    with pytest.raises(GuardWorkerError, match="the pii guard could not be built in its worker: "):
        build_all_guards(settings, started)
    assert started["pii"]._run.proc.poll() is not None


def test_without_pii_process_nothing_is_started():
    assert start_guard_workers(Settings.from_env({"PII_PROCESS": "false"})) == {}


@pytest.mark.slow
def test_the_app_process_loads_neither_presidio_nor_spacy():
    """What lets the worker's loading overlap gradio's import: the app's own modules need neither."""
    code = ("import sys, app.main, wiring.build, wiring.settings; "
            "print([m for m in ('presidio_analyzer', 'spacy', 'guardrails.pii') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300, cwd=ROOT)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_a_guard_that_fails_here_leaves_no_worker_running(tmp_path):
    """The toxicity guard cannot load (no weights at that path): the PII worker started beside it is closed."""
    settings = Settings.from_env({"TOXICITY_WEIGHTS": str(tmp_path / "none"), "TOXICITY_MODEL": "minilm"})
    started = start_guard_workers(settings)
    with pytest.raises(RuntimeError, match="toxicity weights not found"):
        build_all_guards(settings, started)
    assert started["pii"]._run.proc.wait(timeout=30) is not None
