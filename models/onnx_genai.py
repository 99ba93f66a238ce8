"""The default engine (ENGINE=onnx): ONNX Runtime GenAI running the chat model converted to ONNX.

ONNX Runtime GenAI is the ONNX Runtime team's generation library: its own tokenizer and chat
template, KV cache, int4/int8 MatMulNBits kernels, greedy and top-p sampling, repetition penalty.
The model is converted once into MODEL_CACHE_DIR (models/convert.py); a start then only maps the
ONNX file (about half a second for SmolLM2-135M) and imports neither torch nor transformers.
Measured against llama.cpp and the engine it replaced: docs/eval/experiments/engine-onnx.md.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from pathlib import Path

from models.chat import BaseChatEngine, Emit, GenerationSettings, ModelError, display_name, resolve_model
from models.convert import is_onnx_folder, onnx_model_folder

log = logging.getLogger(__name__)
TOP_K = 50  # transformers' default, so sampling here keeps the same candidates as ENGINE=transformers


class OnnxChatModel(BaseChatEngine):
    def __init__(self, model, tokenizer, name: str, settings: GenerationSettings, context_length: int, eos_ids: set[int]):
        self.model = model
        self.tokenizer = tokenizer
        self.name = name
        self.settings = settings
        self._window = context_length
        self.context_tokens = min(settings.context_tokens, context_length)
        self.eos_ids = eos_ids

    def _context_limit(self) -> int:
        return self._window

    @classmethod
    def load(cls, model_id: str = "", gguf_file: str = "", settings: GenerationSettings | None = None, *,
             cache_dir: str = "", quantize: str = "int4", threads: int = 0) -> OnnxChatModel:
        settings = settings or GenerationSettings()
        started = time.perf_counter()
        folder = onnx_model_folder(model_id, gguf_file, cache_dir, quantize)
        model, tokenizer, genai = open_folder(folder, threads)
        if model_id and is_onnx_folder(model_id):
            name = f"{Path(model_id).name}, ONNX Runtime GenAI"
        else:
            name = display_name(model_id, *resolve_model(model_id, gguf_file)) + f", ONNX Runtime GenAI {quantize}"
        eos = genai["model"].get("eos_token_id")
        eos_ids = set(eos if isinstance(eos, list) else [eos]) | set(int(t) for t in tokenizer.eos_token_ids)
        log.info("chat model %s loaded from %s in %.1fs", name, folder, time.perf_counter() - started)
        return cls(model, tokenizer, name, settings, int(genai["model"].get("context_length") or 2048), eos_ids - {None})

    def _encode(self, messages: list[dict]):
        prompt = self.tokenizer.apply_chat_template(json.dumps(messages), add_generation_prompt=True)
        return self.tokenizer.encode(prompt)

    def _prompt_tokens(self, messages: list[dict]) -> int:
        return len(self._encode(messages))

    def _tail(self, text: str, tokens: int) -> str:
        return self.tokenizer.decode(self.tokenizer.encode(text)[-tokens:])

    def _generate(self, messages: list[dict], emit: Emit, stop: threading.Event, seed: int | None) -> None:
        import onnxruntime_genai as og

        ids = self._encode(messages)
        s = self.settings
        params = og.GeneratorParams(self.model)
        options = {"max_length": min(self._window, len(ids) + s.max_new_tokens), "repetition_penalty": s.repetition_penalty}
        if s.temperature > 0:
            # A fresh seed per reply unless one is given (the bias probe gives one, to repeat a run).
            options.update(do_sample=True, temperature=s.temperature, top_p=s.top_p, top_k=TOP_K,
                           random_seed=seed if seed is not None else random.getrandbits(31))
        else:
            options.update(do_sample=False)
        params.set_search_options(**options)
        generator = og.Generator(self.model, params)
        generator.append_tokens(ids)
        pieces = self.tokenizer.create_stream()  # holds back a partial multi-byte character
        while not generator.is_done() and not stop.is_set():
            generator.generate_next_token()
            token = int(generator.get_next_tokens()[0])
            if token in self.eos_ids:
                break
            emit(pieces.decode(token))


def open_folder(folder: Path, threads: int = 0):
    """(og.Model, og.Tokenizer, genai_config dict) on the CPU, with `threads` intra-op threads (0 = ONNX Runtime's default)."""
    try:
        import onnxruntime_genai as og
    except ImportError as exc:
        raise RuntimeError("ENGINE=onnx needs onnxruntime-genai: pip install -r requirements.txt "
                           "(or set ENGINE=transformers)") from exc
    genai = json.loads((Path(folder) / "genai_config.json").read_text())
    config = og.Config(str(folder))
    config.clear_providers()  # the CPU, whatever the folder was built for
    if threads > 0:
        config.overlay(json.dumps({"model": {"decoder": {"session_options": {"intra_op_num_threads": threads}}}}))
    try:
        model = og.Model(config)
    except Exception as exc:  # a damaged cache folder (disk full when written, files removed by hand)
        raise ModelError(f"cannot load the ONNX chat model in {folder} ({exc}); delete that folder and start "
                         "again to convert it anew") from exc
    return model, og.Tokenizer(model), genai
