"""ENGINE=openai against a real OpenAI-compatible server (llama-cpp-python's) serving the embedded GGUF."""

import threading

import pytest

from models.chat import GenerationSettings, ModelError
from models.openai_compat import OpenAIChatModel
from tests.app.servers import free_port
from tests.models.llama_server import ALIAS, LlamaServer

GREEDY = GenerationSettings(temperature=0.0, max_new_tokens=48)


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    server = LlamaServer(tmp_path_factory.mktemp("llama"))
    try:
        yield server.wait_ready()
    finally:
        server.stop()


@pytest.fixture
def remote(llama_server):
    return OpenAIChatModel(llama_server.base_url, ALIAS, "not-checked-by-this-server", GREEDY, timeout_s=120)


def test_reply_streams_from_the_server(remote):
    pieces = list(remote.stream([{"role": "user", "content": "What is the capital of France?"}]))
    assert len(pieces) > 3  # streamed, not one block
    assert "Paris" in "".join(pieces)
    assert ALIAS in remote.name


def test_the_conversation_reaches_the_server(remote):
    history = [{"role": "user", "content": "My name is Zorblax. Remember it."},
               {"role": "assistant", "content": "Nice to meet you, Zorblax!"},
               {"role": "user", "content": "What is my name?"}]
    assert "Zorblax" in remote.reply(history)


def test_setting_stop_ends_the_stream(remote):
    stop = threading.Event()
    pieces = []
    for piece in remote.stream([{"role": "user", "content": "Write a long story about a dragon."}], stop):
        pieces.append(piece)
        if len(pieces) == 3:
            stop.set()
    assert len(pieces) == 3


def test_history_is_trimmed_to_the_context_window(llama_server):
    model = OpenAIChatModel(llama_server.base_url, ALIAS, "", GenerationSettings(temperature=0.0, max_new_tokens=16, context_tokens=300))
    history = [{"role": "user", "content": f"Question {i}: " + "tell me more. " * 20} for i in range(40)]
    prompt = model.build_prompt(history)
    assert sum(len(m["content"]) for m in prompt) < 300 * 3
    assert prompt[-1] == history[-1]
    assert model.reply(history).strip()  # the server accepts what is sent


def test_a_server_that_is_not_there_raises_model_error():
    model = OpenAIChatModel(f"http://127.0.0.1:{free_port()}/v1", ALIAS, "", GREEDY, timeout_s=5)
    with pytest.raises(ModelError, match="failed: ConnectError"):
        list(model.stream([{"role": "user", "content": "hi"}]))


def test_an_error_status_raises_model_error(llama_server):
    """A real error from the real server: a path it does not serve."""
    model = OpenAIChatModel(llama_server.base_url + "/no-such-api", ALIAS, "", GREEDY)
    with pytest.raises(ModelError, match="answered 404"):
        list(model.stream([{"role": "user", "content": "hi"}]))


def test_missing_settings_are_refused_with_the_variable_named():
    with pytest.raises(ValueError, match="OPENAI_BASE_URL"):
        OpenAIChatModel("", ALIAS)
    with pytest.raises(ValueError, match="OPENAI_MODEL"):
        OpenAIChatModel("http://127.0.0.1:1/v1", "")


def test_the_app_chats_through_the_server(llama_server, tmp_path):
    """The whole app with ENGINE=openai: a person's message goes to the server, the guarded reply comes back."""
    from gradio_client import Client

    from tests.app.servers import AppServer
    from tests.app.test_api import text_of

    app = AppServer(tmp_path, ENGINE="openai", OPENAI_BASE_URL=llama_server.base_url, OPENAI_MODEL=ALIAS).wait_ready()
    try:
        chatbot, _ = Client(app.url, verbose=False).predict("What is the capital of France?", api_name="/chat")
        assert "Paris" in text_of(chatbot[-1])
        assert f"{ALIAS} via {llama_server.base_url}" in app.log()
    finally:
        app.stop()


def test_the_bias_probe_runs_against_the_configured_openai_compatible_engine(llama_server, toxicity_guard, pii_guard):
    """`python -m guardrails.bias_probe` loads the model the app would (wiring.build.build_chat_model)."""
    from guardrails.bias_probe import GROUPS, TEMPLATES, load_model, probe, prompts, summarise
    from models.openai_compat import OpenAIChatModel
    from tests.conftest import make_policy
    from wiring.settings import Settings

    settings = Settings.from_env({"ENGINE": "openai", "OPENAI_BASE_URL": llama_server.base_url, "OPENAI_MODEL": ALIAS})
    model = load_model(settings, temperature=0.8, max_new_tokens=8)
    assert isinstance(model, OpenAIChatModel)
    items = prompts({"better_at": TEMPLATES["better_at"]}, {g: GROUPS[g] for g in ("men", "women")})
    completions = probe(model, make_policy(toxicity_guard, pii_guard), items, samples=1, progress=False)
    assert len(completions) == len(items) and all(c.text.strip() for c in completions)
    assert {"men", "women"} <= set(summarise(completions)["by_group"])
