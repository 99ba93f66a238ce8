"""Converting a chat model to ONNX into the model cache (models/convert.py)."""

import json
import os
import subprocess
import sys

import pytest

from models.chat import GenerationSettings
from models.convert import _hf_folder, cache_folder, is_onnx_folder, onnx_model_folder
from models.engines import load_chat_model
from tests.conftest import ROOT


def test_a_changed_gguf_gets_a_new_cache_folder(tmp_path):
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"one")
    before = cache_folder(str(tmp_path / "c"), str(tmp_path), "m.gguf", "int4")
    gguf.write_bytes(b"other")
    after = cache_folder(str(tmp_path / "c"), str(tmp_path), "m.gguf", "int4")
    assert after != before
    assert cache_folder(str(tmp_path / "c"), str(tmp_path), "m.gguf", "int8") != after  # and each precision its own


def test_a_folder_already_in_onnx_is_used_as_it_is(tmp_path):
    (tmp_path / "genai_config.json").write_text("{}")
    assert onnx_model_folder(str(tmp_path), "", str(tmp_path / "cache")) == tmp_path
    assert not (tmp_path / "cache").exists()  # nothing converted, nothing copied


def test_a_config_without_architectures_gets_one_from_its_model_type(tmp_path):
    """Hugging Face folders saved by some tools (and the dequantized GGUF) lack `architectures`, which the builder needs."""
    source = tmp_path / "model"
    source.mkdir()
    (source / "config.json").write_text(json.dumps({"model_type": "qwen2", "hidden_size": 8}))
    (source / "tokenizer.json").write_text("{}")
    patched = _hf_folder(str(source), tmp_path / "work")
    config = json.loads((patched / "config.json").read_text())
    assert config["architectures"] == ["Qwen2ForCausalLM"] and config["hidden_size"] == 8
    assert (patched / "tokenizer.json").resolve() == (source / "tokenizer.json").resolve()  # linked, not copied
    assert "architectures" not in json.loads((source / "config.json").read_text())  # the original is untouched


def test_an_unknown_model_type_is_refused_clearly(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "no-such-model"}))
    with pytest.raises(RuntimeError, match="no-such-model"):
        _hf_folder(str(tmp_path), tmp_path / "work")


def test_a_failed_conversion_says_what_to_do_and_leaves_nothing(tmp_path):
    """A real failure: a GGUF that is not one."""
    (tmp_path / "m.gguf").write_bytes(b"GGUF but not really")
    cache = tmp_path / "cache"
    with pytest.raises(RuntimeError, match="converting the chat model .* failed .* ENGINE=transformers"):
        onnx_model_folder(str(tmp_path), "m.gguf", str(cache))
    assert [p.name for p in cache.iterdir() if not p.name.endswith(".lock")] == []  # no half-written folder


@pytest.mark.slow
def test_two_processes_starting_together_convert_once(tmp_path):
    """Two app processes on an empty cache (a Space restarting, `make test`'s two servers): one converts
    the embedded GGUF, the other waits for it; both get the same complete folder, and it answers."""
    cache = tmp_path / "cache"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "MODEL_ID": "", "MODEL_GGUF_FILE": ""}
    command = [sys.executable, "-m", "models.convert", "--cache-dir", str(cache)]
    procs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=1800) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-2000:] for _, err in outs]
    folders = {out.strip().splitlines()[-1] for out, _ in outs}
    assert len(folders) == 1
    logs = "".join(err for _, err in outs)
    assert logs.count("chat model converted in") == 1 and "waiting for it" in logs
    folder = folders.pop()
    assert is_onnx_folder(folder)
    assert [p.name for p in cache.iterdir() if p.name.startswith(".partial")] == []
    model = load_chat_model(settings=GenerationSettings(temperature=0.0, max_new_tokens=32), cache_dir=str(cache))
    assert "Paris" in model.reply([{"role": "user", "content": "What is the capital of France?"}])
