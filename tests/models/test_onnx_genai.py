"""The default engine, ONNX Runtime GenAI, on the real embedded model (converted once into the model cache)."""

import json
import shutil
import subprocess
import sys
import threading

import pytest

from models.chat import GenerationSettings, ModelError
from models.engines import load_chat_model
from tests.conftest import ROOT, model_cache_dir

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]


def long_history(n: int = 41) -> list[dict]:
    return [{"role": "user", "content": f"Question {i}: tell me about topic {i} in detail."} if i % 2 == 0 else
            {"role": "assistant", "content": f"Topic {i} is interesting because of many reasons. " * 3} for i in range(n)]


def test_embedded_model_answers_a_question(chat_model):
    assert "Paris" in chat_model.reply(QUESTION)
    assert "SmolLM2-135M-Instruct" in chat_model.name and "ONNX Runtime GenAI" in chat_model.name


def test_greedy_replies_repeat(chat_model):
    assert chat_model.reply(QUESTION) == chat_model.reply(QUESTION)


def test_reply_streams_in_pieces(chat_model):
    pieces = list(chat_model.stream([{"role": "user", "content": "Name three colours."}]))
    assert len(pieces) > 3 and "".join(pieces).strip()
    colours = "".join(pieces).lower()
    assert sum(c in colours for c in ("red", "blue", "green", "yellow", "orange", "purple", "black", "white")) >= 2


def test_setting_stop_ends_generation(chat_model):
    stop = threading.Event()
    pieces = []
    for piece in chat_model.stream([{"role": "user", "content": "Write a long story about a dragon."}], stop):
        pieces.append(piece)
        if len(pieces) == 3:
            stop.set()
    assert len(pieces) == 3


def test_max_new_tokens_bounds_the_reply(chat_model):
    short = chat_model.with_settings(GenerationSettings(temperature=0.0, max_new_tokens=5))
    pieces = list(short.stream([{"role": "user", "content": "Write a long story about a dragon."}]))
    assert 1 <= len(pieces) <= 5


def test_history_is_trimmed_to_the_context_window(chat_model):
    model = chat_model.with_settings(GenerationSettings(context_tokens=300, max_new_tokens=100))
    history = long_history(60) + [{"role": "user", "content": "And the last question?"}]
    prompt = model.build_prompt(history)
    assert model._prompt_tokens(prompt) <= 200
    assert prompt[0]["role"] == "system"
    assert prompt[1]["role"] == "user"  # never starts mid-exchange
    assert prompt[-1] == {"role": "user", "content": "And the last question?"}
    assert len(prompt) < len(history)
    assert model.reply(history).strip()  # what is sent fits


def test_a_single_huge_message_is_cut_to_fit(chat_model):
    model = chat_model.with_settings(GenerationSettings(context_tokens=300, max_new_tokens=100))
    prompt = model.build_prompt([{"role": "user", "content": "blah " * 5000 + "THE END"}])
    assert model._prompt_tokens(prompt) <= 200
    assert prompt[-1]["content"].endswith("THE END")


def test_the_prompt_is_what_transformers_renders_and_tokenizes(chat_model):
    """ONNX Runtime GenAI's own chat template and tokenizer against transformers' on the same files."""
    from transformers import AutoTokenizer

    folder = next(p for p in (ROOT / model_cache_dir()).glob("onnx-*") if (p / "genai_config.json").exists())
    reference = AutoTokenizer.from_pretrained(str(folder))
    for history in (QUESTION, long_history(7), [{"role": "user", "content": "Café, naïve, 東京 and 🙂?"}]):
        messages = chat_model.build_prompt(history)
        expected = reference.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=True)["input_ids"]
        assert [int(t) for t in chat_model._encode(messages)] == list(expected)


def test_sampling_varies_and_a_seed_repeats(chat_model):
    """The app's defaults sample (TEMPERATURE 0.2, TOP_P 0.9); the tests above are greedy."""
    sampling = chat_model.with_settings(GenerationSettings(max_new_tokens=24, temperature=1.5, top_p=0.95))
    story = [{"role": "user", "content": "Tell me a story."}]
    replies = {sampling.reply(story) for _ in range(3)}
    assert len(replies) > 1 and all(r.strip() for r in replies)
    assert sampling.reply(story, seed=7) == sampling.reply(story, seed=7)
    default = chat_model.with_settings(GenerationSettings(max_new_tokens=24))
    assert "Paris" in default.reply(QUESTION)


def test_a_warm_start_loads_without_torch_or_transformers(chat_model):
    """A new process on the warm cache: neither torch nor transformers is imported (each costs seconds
    of a start), and the reply is the same."""
    child = ("import sys, json; from models.engines import load_chat_model; from models.chat import GenerationSettings\n"
             "m = load_chat_model(settings=GenerationSettings(temperature=0.0, max_new_tokens=48), cache_dir=sys.argv[1])\n"
             "r = m.reply([{'role': 'user', 'content': 'What is the capital of France?'}])\n"
             "print(json.dumps(['torch' in sys.modules, 'transformers' in sys.modules, r]))")
    out = subprocess.run([sys.executable, "-c", child, model_cache_dir()], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [False, False, chat_model.reply(QUESTION)]


def test_fast_is_another_name_for_the_onnx_engine(chat_model, caplog):
    with caplog.at_level("INFO", logger="models.engines"):
        model = load_chat_model("fast", settings=GenerationSettings(temperature=0.0, max_new_tokens=48), cache_dir=model_cache_dir())
    assert "is now called 'onnx'" in caplog.text
    assert model.reply(QUESTION) == chat_model.reply(QUESTION)


def test_a_damaged_cache_folder_is_a_clear_error(chat_model, tmp_path):
    folder = next(p for p in (ROOT / model_cache_dir()).glob("onnx-*") if (p / "genai_config.json").exists())
    broken = tmp_path / "broken"
    shutil.copytree(folder, broken, ignore=shutil.ignore_patterns("*.data"))
    (broken / "model.onnx").write_bytes(b"not an onnx graph")  # as a disk that filled up while it was written
    with pytest.raises(ModelError, match="delete that folder"):
        load_chat_model(model_id=str(broken))


def test_an_unknown_precision_names_the_setting():
    with pytest.raises(ValueError, match="MODEL_QUANTIZE must be one of int4, int8, none"):
        load_chat_model(quantize="int3")
