"""Optional engine: llama.cpp (llama-cpp-python) running a GGUF model in-process (ENGINE=llama-cpp).

The prompt is rendered with the model's Hugging Face tokenizer and chat template, so trimming and
formatting are the same as the other engines'; llama.cpp only decodes. llama-cpp-python compiles
llama.cpp when installed (6+ minutes), so it is not among the app's requirements.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from models.chat import BaseChatEngine, Emit, GenerationSettings, HFTokenizerCounting, display_name, resolve_model

log = logging.getLogger(__name__)


class LlamaCppChatModel(HFTokenizerCounting, BaseChatEngine):
    def __init__(self, llm, tokenizer, name: str, settings: GenerationSettings):
        self.model = llm
        self.tokenizer = tokenizer
        self.name = name
        self.settings = settings
        self.context_tokens = min(settings.context_tokens, self._context_limit())

    def _context_limit(self) -> int:
        return self.model.n_ctx()

    @classmethod
    def load(cls, model_id: str = "", gguf_file: str = "", settings: GenerationSettings | None = None,
             threads: int = 0) -> LlamaCppChatModel:
        from llama_cpp import Llama
        from transformers import AutoTokenizer

        settings = settings or GenerationSettings()
        source, gguf = resolve_model(model_id, gguf_file)
        if not gguf or not os.path.isdir(source):
            raise RuntimeError("ENGINE=llama-cpp needs a local GGUF file: MODEL_ID a folder holding one (or empty for the embedded model)")
        started = time.perf_counter()
        tokenizer = AutoTokenizer.from_pretrained(source, gguf_file=gguf)
        llm = Llama(model_path=os.path.join(source, gguf), n_ctx=settings.context_tokens,
                    n_threads=threads or None, verbose=False)
        name = display_name(model_id, source, gguf) + ", llama.cpp"
        log.info("chat model %s loaded in %.1fs", name, time.perf_counter() - started)
        return cls(llm, tokenizer, name, settings)

    def _generate(self, messages: list[dict], emit: Emit, stop: threading.Event, seed: int | None) -> None:
        prompt = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        s = self.settings
        chunks = self.model.create_completion(
            prompt, max_tokens=s.max_new_tokens, temperature=s.temperature, top_p=s.top_p if s.temperature > 0 else 1.0,
            top_k=0 if s.temperature > 0 else 1, repeat_penalty=s.repetition_penalty, stream=True,
            **({"seed": seed} if seed is not None else {}),
        )
        try:
            for chunk in chunks:
                if stop.is_set():
                    return
                emit(chunk["choices"][0].get("text") or "")
        finally:
            chunks.close()
