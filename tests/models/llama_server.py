"""A real OpenAI-compatible server: llama-cpp-python's, from .venv-llama (`make llama`), serving the
embedded GGUF on a free local port."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from models.chat import EMBEDDED_GGUF, embedded_model_dir
from tests.app.servers import free_port, stop_process, wait_until_serving

ROOT = Path(__file__).resolve().parents[2]
LLAMA_PYTHON = Path(os.environ.get("LLAMA_VENV", ROOT / ".venv-llama")) / "bin" / "python"
ALIAS = "smollm2-135m-instruct"


class LlamaServer:
    def __init__(self, workdir: Path, threads: int = 1):
        if not LLAMA_PYTHON.exists():
            raise RuntimeError(f"{LLAMA_PYTHON} is missing: run 'make llama' (it builds llama-cpp-python[server])")
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.log_path = workdir / f"llama-server-{self.port}.log"
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [str(LLAMA_PYTHON), "-m", "llama_cpp.server", "--model", os.path.join(embedded_model_dir(), EMBEDDED_GGUF),
             "--model_alias", ALIAS, "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", "2048",
             "--n_threads", str(threads)],
            stdout=self._log, stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 300) -> LlamaServer:
        return wait_until_serving(self, self.base_url + "/models", "llama server", timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        stop_process(self.proc, self._log)
