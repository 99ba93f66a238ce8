"""Generation in worker processes (CHAT_PROCESSES): real `python -m models.workers` processes running the
embedded model, killed for real where a test needs a dead one."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from models.chat import ModelError
from tests.conftest import model_cache_dir
from wiring.build import build_chat_model
from wiring.settings import Settings

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]
# Every test here starts worker processes that load the model (a few seconds each): not in make test-fast.
pytestmark = pytest.mark.slow

STORY = [{"role": "user", "content": "Write a long story about a dragon and a knight."}]


def settings(**extra) -> Settings:
    return Settings.from_env({"TEMPERATURE": "0", "MAX_NEW_TOKENS": "48", "MODEL_CACHE_DIR": model_cache_dir(), **extra})


@pytest.fixture(scope="module")
def pool():
    engine = build_chat_model(settings(), threads=1, processes=2)
    yield engine
    engine.close()


def test_workers_reply_as_the_engine_in_this_process_does(pool, chat_model):
    alone = chat_model.with_settings(pool.settings)
    assert pool.name == alone.name
    assert pool.reply(QUESTION) == alone.reply(QUESTION)
    assert "Paris" in pool.reply(QUESTION)


def test_replies_at_once_go_to_different_workers(pool):
    started = [pool.stream(STORY), pool.stream(STORY)]
    firsts = [next(s) for s in started]  # both replies are running now
    busy = [len(w.replies) for w in pool._pool["workers"]]
    assert busy == [1, 1] and all(firsts)
    for s in started:
        s.close()
    assert [len(w.replies) for w in pool._pool["workers"]] == [0, 0]


def test_a_reply_stopped_early_ends_in_the_worker_and_the_next_one_is_whole(pool):
    stop = threading.Event()
    pieces = pool.stream(STORY, stop)
    assert next(pieces)
    stop.set()
    assert list(pieces) == []  # nothing more is yielded once stop is set
    assert "Paris" in pool.reply(QUESTION)


def test_a_worker_killed_mid_reply_fails_that_reply_closed_and_is_started_again():
    engine = build_chat_model(settings(), threads=1, processes=1)
    try:
        pieces = engine.stream(STORY)
        assert next(pieces)
        worker = engine._pool["workers"][0]
        os.kill(worker.proc.pid, signal.SIGKILL)  # a real crash, not a stand-in
        with pytest.raises(ModelError, match="worker process ended"):
            for _ in pieces:
                pass
        deadline = time.monotonic() + 10
        while worker.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "Paris" in engine.reply(QUESTION)  # a new worker took its place
        assert engine._pool["workers"][0] is not worker
    finally:
        engine.close()


def test_a_model_that_cannot_load_stops_the_start_with_the_reason(tmp_path):
    (tmp_path / "config.json").write_text('{"model_type": "not-a-model"}')
    engine = build_chat_model(settings(MODEL_ID=str(tmp_path)), threads=1, processes=1, wait=False)
    with pytest.raises(RuntimeError, match="not-a-model"):
        engine.wait_ready()
    assert all(w.proc.poll() is not None for w in engine._pool["workers"])


def test_closing_ends_every_worker():
    engine = build_chat_model(settings(), threads=1, processes=2)
    procs = [w.proc for w in engine._pool["workers"]]
    engine.close()
    assert all(p.poll() is not None for p in procs)


def test_zero_processes_runs_the_engine_in_this_process():
    from models.onnx_genai import OnnxChatModel

    assert isinstance(build_chat_model(settings(CHAT_PROCESSES="0"), threads=1, processes=0), OnnxChatModel)
