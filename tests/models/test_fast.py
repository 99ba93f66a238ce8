"""The fast engine against the transformers path it replaces, and its weight cache."""

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from models.chat import GenerationSettings, ModelError
from models.fast import FastChatModel, cache_folder
from models.chat import resolve_model

GREEDY = GenerationSettings(temperature=0.0, max_new_tokens=48)
QUESTION = [{"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("model-cache"))


@pytest.fixture(scope="session")
def fast_float32(model_cache):
    """First load: dequantizes the embedded GGUF and writes the cache."""
    return FastChatModel.load(settings=GREEDY, cache_dir=model_cache, int8=False)


@pytest.fixture(scope="session")
def fast_int8(fast_float32, model_cache):
    """Second load: from the cache the first one wrote."""
    return FastChatModel.load(settings=GREEDY, cache_dir=model_cache, int8=True)


def test_first_load_writes_the_cache_and_the_second_reads_it(fast_float32, model_cache, caplog):
    folder = cache_folder(model_cache, *resolve_model(""))
    assert (folder / "model.safetensors").stat().st_size > 100_000_000  # 135M float32 weights
    assert (folder / "tokenizer.json").exists()
    with caplog.at_level("INFO", logger="models.fast"):
        again = FastChatModel.load(settings=GREEDY, cache_dir=model_cache, int8=False)
    assert f"from cache {folder}" in caplog.text
    assert again.reply(QUESTION) == fast_float32.reply(QUESTION)


def test_a_changed_gguf_gets_a_new_cache_folder(tmp_path):
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"one")
    before = cache_folder(str(tmp_path / "c"), str(tmp_path), "m.gguf")
    gguf.write_bytes(b"other")
    assert cache_folder(str(tmp_path / "c"), str(tmp_path), "m.gguf") != before


def test_float32_greedy_output_is_the_same_as_transformers(fast_float32, chat_model):
    """chat_model (tests/conftest.py) is transformers' generate with the same greedy settings."""
    for question in ("What is the capital of France?", "Name three colours.", "How do I boil an egg?"):
        history = [{"role": "user", "content": question}]
        assert fast_float32.reply(history) == chat_model.reply(history)


def test_int8_answers_sensibly(fast_int8):
    assert "Paris" in fast_int8.reply(QUESTION)
    colours = fast_int8.reply([{"role": "user", "content": "Name three colours."}]).lower()
    assert sum(c in colours for c in ("red", "blue", "green", "yellow", "orange", "purple", "black", "white")) >= 2
    assert "int8" in fast_int8.name


def test_reply_streams_in_pieces(fast_int8):
    pieces = list(fast_int8.stream([{"role": "user", "content": "Name three colours."}]))
    assert len(pieces) > 3 and "".join(pieces).strip()


def test_setting_stop_ends_generation(fast_int8):
    stop = threading.Event()
    pieces = []
    for piece in fast_int8.stream([{"role": "user", "content": "Write a long story about a dragon."}], stop):
        pieces.append(piece)
        if len(pieces) == 3:
            stop.set()
    assert len(pieces) == 3


def test_history_trimming_is_shared_with_transformers(fast_int8, chat_model):
    history = [{"role": "user", "content": f"Question {i} about topic {i}."} if i % 2 == 0 else
               {"role": "assistant", "content": f"Answer {i}. " * 20} for i in range(41)]
    assert fast_int8.build_prompt(history) == chat_model.build_prompt(history)


def test_a_failing_forward_pass_raises_model_error(fast_int8):
    """Fault injection: the forward pass raises mid-reply (a crash that cannot be caused for real)."""
    broken = FastChatModel(fast_int8.model, fast_int8.tokenizer, "broken", GREEDY)
    calls = []
    real = fast_int8.model.forward

    class Exploding:
        config = fast_int8.model.config
        new_cache = fast_int8.model.new_cache

        def forward(self, *args):
            calls.append(1)
            if len(calls) > 5:
                raise RuntimeError("out of memory (simulated)")
            return real(*args)

    broken.model = Exploding()
    with pytest.raises(ModelError, match="simulated"):
        list(broken.stream(QUESTION))


def test_unsupported_architecture_is_refused_clearly():
    from models.fast import LeanLlama

    with pytest.raises(ValueError, match="qwen2"):
        LeanLlama({}, {"model_type": "qwen2"}, int8=False)


def test_sampling_as_the_app_runs_it_gives_sensible_varied_replies(fast_int8):
    """The app's defaults sample (TEMPERATURE 0.2, TOP_P 0.9); the tests above are greedy."""
    sampling = FastChatModel(fast_int8.model, fast_int8.tokenizer, "sampling", GenerationSettings(max_new_tokens=24, temperature=1.5, top_p=0.95))
    sampling.eos_ids = fast_int8.eos_ids
    replies = {sampling.reply([{"role": "user", "content": "Tell me a story."}]) for _ in range(3)}
    assert len(replies) > 1 and all(r.strip() for r in replies)
    default = FastChatModel(fast_int8.model, fast_int8.tokenizer, "default", GenerationSettings(max_new_tokens=24))
    default.eos_ids = fast_int8.eos_ids
    assert "Paris" in default.reply(QUESTION)


def test_int8_weights_are_cached_and_reused(fast_int8, model_cache):
    folder = cache_folder(model_cache, *resolve_model(""))
    cached = list(folder.glob("int8-*.safetensors"))
    assert len(cached) == 1 and cached[0].stat().st_size > 30_000_000  # about 135M int8 weights
    before = cached[0].stat().st_mtime_ns
    again = FastChatModel.load(settings=GREEDY, cache_dir=model_cache, int8=True)
    assert cached[0].stat().st_mtime_ns == before  # read, not written again
    assert again.reply(QUESTION) == fast_int8.reply(QUESTION)


def test_a_warm_start_needs_no_transformers(fast_int8, model_cache):
    """A new process on the warm cache: the tokenizer comes from models/tokenizer.py and transformers is
    never imported (its import is about 2 s of a 5 s start), and the reply is the same."""
    child = ("import sys, json; from models.fast import FastChatModel; from models.chat import GenerationSettings\n"
             "m = FastChatModel.load(settings=GenerationSettings(temperature=0.0, max_new_tokens=48), cache_dir=sys.argv[1])\n"
             "print(json.dumps([type(m.tokenizer).__name__, 'transformers' in sys.modules, m.reply("
             "[{'role': 'user', 'content': 'What is the capital of France?'}])]))")
    out = subprocess.run([sys.executable, "-c", child, model_cache], capture_output=True, text=True, timeout=300,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == ["LeanTokenizer", False, fast_int8.reply(QUESTION)]
