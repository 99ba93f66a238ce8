"""Pick the engine that generates replies (ENGINE). The single entry point: load_chat_model.

Every engine has the small ChatEngine protocol of models/chat.py (name, settings, stream, reply,
with_settings) and nothing else is used from outside models/.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from pathlib import Path

from models.chat import ChatEngine, GenerationSettings

log = logging.getLogger(__name__)

# 'fast' was the name of the home-made decode loop the ONNX engine replaced; it is kept as another
# name for 'onnx' so deployments that set it go on starting (with a note in the log).
ENGINES = ("onnx", "transformers", "llama-cpp", "openai", "fast")
ALIASES = {"fast": "onnx"}
QUANTIZE = ("int4", "int8", "none")


def default_cache_dir() -> str:
    """Beside the default database: `/data` where it is writable (Docker, Spaces), else ./data."""
    base = Path("/data") if Path("/data").is_dir() and os.access("/data", os.W_OK) else Path("data")
    return str(base / "model-cache")


def canonical_engine(engine: str) -> str:
    """The engine's name with aliases resolved; ValueError naming the setting for an unknown one."""
    name = engine.strip().lower()
    if name not in ENGINES:
        raise ValueError(f"ENGINE must be one of {', '.join(e for e in ENGINES if e not in ALIASES)}; not {engine!r}")
    return ALIASES.get(name, name)


def load_chat_model(engine: str = "onnx", model_id: str = "", gguf_file: str = "", settings: GenerationSettings | None = None, *,
                    cache_dir: str = "", quantize: str = "int4", threads: int = 0,
                    openai_base_url: str = "", openai_model: str = "", openai_api_key: str = "",
                    openai_timeout_s: float = 60.0) -> ChatEngine:
    """The configured chat engine, loaded.

    engine: ENGINE ('onnx', 'transformers', 'llama-cpp', 'openai'; 'fast' = 'onnx').
    model_id, gguf_file: MODEL_ID, MODEL_GGUF_FILE (both empty: the embedded SmolLM2-135M-Instruct).
    cache_dir: MODEL_CACHE_DIR ('' = default_cache_dir(), 'off' = none). quantize: MODEL_QUANTIZE
    (ONNX engine: 'int4', 'int8' or 'none'). threads: CPU threads for generation (0 = the library's default).
    """
    settings = settings or GenerationSettings()
    name = canonical_engine(engine)
    if name != engine.strip().lower():
        log.info("ENGINE=%s is now called %r; using it", engine, name)
    if name == "openai":
        from models.openai_compat import OpenAIChatModel

        return OpenAIChatModel(openai_base_url, openai_model, openai_api_key, settings, openai_timeout_s)
    if name == "llama-cpp":
        if importlib.util.find_spec("llama_cpp") is None:
            raise RuntimeError("ENGINE=llama-cpp needs llama-cpp-python: pip install -r requirements-llama.txt "
                               "(it compiles llama.cpp, several minutes), or use ENGINE=onnx")
        from models.llama_cpp import LlamaCppChatModel

        return LlamaCppChatModel.load(model_id, gguf_file, settings, threads=threads)
    if name == "transformers":
        from models.hf import TransformersChatModel

        return TransformersChatModel.load(model_id, gguf_file, settings, threads=threads)
    from models.onnx_genai import OnnxChatModel

    if quantize not in QUANTIZE:
        raise ValueError(f"MODEL_QUANTIZE must be one of {', '.join(QUANTIZE)}; not {quantize!r}")
    cache = "off" if cache_dir == "off" else (cache_dir or default_cache_dir())
    return OnnxChatModel.load(model_id, gguf_file, settings, cache_dir=cache, quantize=quantize, threads=threads)
