"""ENGINE=transformers: any Hugging Face causal LM (or a GGUF transformers can read) run by model.generate.

The slowest engine here, but the one every architecture and checkpoint format reaches first; it is
also the reference the ONNX engine is compared with (tests/models/test_onnx_genai.py).
"""

from __future__ import annotations

import logging
import threading
import time

from models.chat import BaseChatEngine, Emit, GenerationSettings, HFTokenizerCounting, display_name, resolve_model

log = logging.getLogger(__name__)


class TransformersChatModel(HFTokenizerCounting, BaseChatEngine):
    def __init__(self, model, tokenizer, name: str, settings: GenerationSettings):
        self.model = model
        self.tokenizer = tokenizer
        self.name = name
        self.settings = settings
        self.context_tokens = min(settings.context_tokens, self._context_limit())

    def _context_limit(self) -> int:
        return getattr(self.model.config, "max_position_embeddings", None) or (1 << 30)

    @classmethod
    def load(cls, model_id: str = "", gguf_file: str = "", settings: GenerationSettings | None = None,
             threads: int = 0) -> TransformersChatModel:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if threads > 0:
            torch.set_num_threads(threads)
        settings = settings or GenerationSettings()
        source, gguf = resolve_model(model_id, gguf_file)
        kwargs = {"gguf_file": gguf} if gguf else {}
        started = time.perf_counter()
        tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
        model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
        model.eval()
        name = display_name(model_id, source, gguf) + ", transformers"
        log.info("chat model %s loaded in %.1fs", name, time.perf_counter() - started)
        return cls(model, tokenizer, name, settings)

    def _generate(self, messages: list[dict], emit: Emit, stop: threading.Event, seed: int | None) -> None:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList, TextStreamer

        class _Emitter(TextStreamer):
            def on_finalized_text(self, text: str, stream_end: bool = False):
                emit(text)

        class _Stop(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                return stop.is_set()

        inputs = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
        s = self.settings
        sampling = {"do_sample": True, "temperature": s.temperature, "top_p": s.top_p} if s.temperature > 0 else {"do_sample": False}
        if seed is not None:
            torch.manual_seed(seed)
        with torch.inference_mode():
            self.model.generate(
                **dict(inputs),
                streamer=_Emitter(self.tokenizer, skip_prompt=True, skip_special_tokens=True),
                max_new_tokens=s.max_new_tokens,
                repetition_penalty=s.repetition_penalty,
                stopping_criteria=StoppingCriteriaList([_Stop()]),
                pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
                **sampling,
            )
