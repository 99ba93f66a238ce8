"""Pick the engine that generates replies (ENGINE). Every engine has ChatModel's interface."""

from __future__ import annotations

import importlib.util
import logging
import os
from pathlib import Path

from models.chat import ChatModel, GenerationSettings

log = logging.getLogger(__name__)

ENGINES = ("fast", "transformers", "llama-cpp", "openai")


def default_cache_dir() -> str:
    """Beside the default database: `/data` where it is writable (Docker, Spaces), else ./data."""
    base = Path("/data") if Path("/data").is_dir() and os.access("/data", os.W_OK) else Path("data")
    return str(base / "model-cache")


def load_chat_model(engine: str, model_id: str = "", gguf_file: str = "", settings: GenerationSettings | None = None, *,
                    cache_dir: str = "", quantize: str = "int8", threads: int = 0,
                    openai_base_url: str = "", openai_model: str = "", openai_api_key: str = "",
                    openai_timeout_s: float = 60.0) -> ChatModel:
    settings = settings or GenerationSettings()
    if engine == "openai":
        from models.openai_compat import OpenAIChatModel

        return OpenAIChatModel(openai_base_url, openai_model, openai_api_key, settings, openai_timeout_s)
    if engine == "llama-cpp":
        if importlib.util.find_spec("llama_cpp") is None:
            raise RuntimeError("ENGINE=llama-cpp needs llama-cpp-python: pip install llama-cpp-python==0.3.36 "
                               "(it compiles llama.cpp, several minutes), or use ENGINE=fast")
        from models.llama_cpp import LlamaCppChatModel

        return LlamaCppChatModel.load(model_id, gguf_file, settings, threads=threads)
    if engine == "transformers":
        return ChatModel.load(model_id, gguf_file, settings)
    if engine == "fast":
        from models.fast import FastChatModel

        cache = "" if cache_dir == "off" else (cache_dir or default_cache_dir())
        try:
            return FastChatModel.load(model_id, gguf_file, settings, cache_dir=cache, int8=quantize == "int8")
        except ValueError as exc:  # an architecture the lean loop does not implement
            log.warning("fast engine unavailable (%s); using transformers", exc)
            return ChatModel.load(model_id, gguf_file, settings)
    raise ValueError(f"ENGINE must be one of {', '.join(ENGINES)}; not {engine!r}")
