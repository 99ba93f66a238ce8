"""ENGINE=llama-cpp, in-process llama.cpp on the embedded GGUF.

llama-cpp-python lives in .venv-llama (`make llama`), not in the app's venv, so the engine runs there
with this venv's packages (transformers for the tokenizer) on its path."""

import json
import os
import subprocess
import sysconfig

import pytest

from tests.models.llama_server import LLAMA_PYTHON, ROOT

pytestmark = pytest.mark.llama

SCRIPT = r"""
import json, threading
from models.engines import load_chat_model
from models.chat import GenerationSettings, ModelError
m = load_chat_model("llama-cpp", settings=GenerationSettings(temperature=0, max_new_tokens=40), threads=1)
answer = m.reply([{"role": "user", "content": "What is the capital of France?"}])
stop, pieces = threading.Event(), 0
for _ in m.stream([{"role": "user", "content": "Write a long story about a dragon."}], stop):
    pieces += 1
    if pieces == 3:
        stop.set()
m.model.create_completion = None  # fault injection: the binding breaks (cannot be caused for real)
try:
    list(m.stream([{"role": "user", "content": "hi"}]))
    error = None
except ModelError as exc:
    error = str(exc)
print(json.dumps({"name": m.name, "answer": answer, "pieces": pieces, "error": error,
                  "trimmed": m.build_prompt([{"role": "user", "content": "x " * 5000 + "END"}])[-1]["content"][-3:]}))
"""


def test_llama_cpp_engine_answers_streams_stops_and_fails_cleanly():
    assert LLAMA_PYTHON.exists(), "run 'make llama' first"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": os.pathsep.join([str(ROOT), sysconfig.get_paths()["purelib"]])}
    out = subprocess.run([str(LLAMA_PYTHON), "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert "llama.cpp" in result["name"]
    assert "Paris" in result["answer"]
    assert result["pieces"] == 3
    assert result["error"] and "failed while generating" in result["error"]
    assert result["trimmed"] == "END"
