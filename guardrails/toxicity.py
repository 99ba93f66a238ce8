"""Toxicity guard: detoxify when its weights load, an offline classifier otherwise.

Models sit behind `ToxicityModel` so a stronger one can be swapped in without
touching the guard or the policy.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from typing import Protocol

from guardrails.base import Guard
from guardrails.types import Finding, GuardResult

log = logging.getLogger(__name__)

# Long replies are scored in pieces and the worst piece counts, so nothing past
# a model's input limit (512 tokens for detoxify) is silently ignored.
CHUNK_CHARS = 1000


class ToxicityModel(Protocol):
    name: str

    def predict(self, texts: list[str]) -> list[dict[str, float]]:
        """One dict of category -> probability per text."""


class DetoxifyModel:
    """detoxify's own loader: its released checkpoints, or a local one.

    `checkpoint` and `config_dir` are detoxify's `checkpoint=` and
    `huggingface_config_path=` arguments, for machines that cannot download.
    """

    def __init__(self, variant: str = "unbiased", checkpoint: str | None = None, config_dir: str | None = None):
        from detoxify import Detoxify

        self._model = Detoxify(variant, checkpoint=checkpoint or None, huggingface_config_path=config_dir or None)
        self.name = f"detoxify:{variant}" + (f" ({checkpoint})" if checkpoint else "")

    def predict(self, texts: list[str]) -> list[dict[str, float]]:
        raw = self._model.predict(texts)
        # detoxify returns a float instead of a one-element list for a batch of one
        raw = {cat: v if isinstance(v, list) else [v] for cat, v in raw.items()}
        return [{cat: float(raw[cat][i]) for cat in raw} for i in range(len(texts))]


class ProfanityCheckModel:
    """alt-profanity-check: a linear model over word n-grams, shipped in its PyPI wheel.

    Kept as a baseline for evaluations: it is weak on hard cases (negation, identity
    mentions) and scores "I am a gay man." as 0.95 toxic.
    """

    name = "alt-profanity-check"

    def __init__(self) -> None:
        from profanity_check import predict_prob

        self._predict_prob = predict_prob

    def predict(self, texts: list[str]) -> list[dict[str, float]]:
        return [{"toxicity": float(p)} for p in self._predict_prob(texts)]


def load_toxicity_model(
    kind: str = "detoxify",
    variant: str = "unbiased",
    checkpoint: str | None = None,
    config_dir: str | None = None,
    weights_dir: str | None = None,
    runtime: str = "onnx",
    cache_dir: str | None = None,
    threads: int = 1,
    quantize: str = "int8",
) -> tuple[ToxicityModel, str | None]:
    """Load the configured model; if detoxify cannot load, fall back to the shipped offline model.

    Returns the model and, when it fell back, why (so the app can say so loudly).
    """
    from guardrails.toxicity_minilm import MiniLMToxicityModel

    if kind == "minilm":
        return MiniLMToxicityModel(weights_dir or None, runtime=runtime, cache_dir=_cache(cache_dir), threads=threads,
                                   quantize=quantize), None
    if kind == "profanity-check":
        return ProfanityCheckModel(), None
    if kind != "detoxify":
        raise ValueError(f"TOXICITY_MODEL must be 'detoxify', 'minilm' or 'profanity-check', not {kind!r}")
    try:
        return DetoxifyModel(variant, checkpoint, config_dir), None
    except Exception as exc:  # no network, missing checkpoint, bad file
        reason = f"detoxify '{variant}' could not be loaded ({type(exc).__name__}: {str(exc)[:200]})"
        fallback = MiniLMToxicityModel(weights_dir or None, runtime=runtime, cache_dir=_cache(cache_dir), threads=threads,
                                   quantize=quantize)
        log.warning("%s; falling back to %s", reason, fallback.name)
        return fallback, reason


def _cache(setting: str | None):
    from guardrails.toxicity_minilm import cache_dir

    return cache_dir(setting)


def chunks(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """Split at whitespace into pieces of at most about `size` characters."""
    if len(text) <= size:
        return [text]
    pieces, current = [], ""
    for word in re.split(r"(?<=\s)", text):
        if current and len(current) + len(word) > size:
            pieces.append(current)
            current = ""
        current += word
        while len(current) > size:  # a single very long "word"
            pieces.append(current[:size])
            current = current[size:]
    if current.strip():
        pieces.append(current)
    return pieces


class ToxicityGuard(Guard):
    name = "toxicity"

    def __init__(self, model: ToxicityModel, cache_size: int = 512):
        self.model = model
        self.chunk_chars = getattr(model, "chunk_chars", CHUNK_CHARS)
        # While a reply streams, the policy checks the whole reply so far at every sentence end; its
        # leading chunks do not change as it grows, so their scores are remembered, not recomputed.
        self._cache: OrderedDict[str, dict[str, float]] = OrderedDict()
        self.cache_size = cache_size  # 0 turns the memory off (benchmarks)
        self._lock = threading.Lock()

    @property
    def model_name(self) -> str:
        return self.model.name

    def _predict(self, pieces: list[str]) -> list[dict[str, float]]:
        with self._lock:
            known = {p: self._cache[p] for p in pieces if p in self._cache}
            for p in known:
                self._cache.move_to_end(p)
        todo = list(dict.fromkeys(p for p in pieces if p not in known))
        if todo:
            fresh = dict(zip(todo, self.model.predict(todo)))
            known.update(fresh)
            with self._lock:
                self._cache.update(fresh)
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return [known[p] for p in pieces]

    def risks(self, texts: list[str], batch_size: int = 64) -> list[float]:
        pieces, owner = [], []
        for i, text in enumerate(texts):
            for piece in chunks(text, self.chunk_chars):
                pieces.append(piece)
                owner.append(i)
        worst = [0.0] * len(texts)
        for start in range(0, len(pieces), batch_size):
            for j, scores in enumerate(self.model.predict(pieces[start:start + batch_size])):
                i = owner[start + j]
                worst[i] = max(worst[i], max(scores.values(), default=0.0))
        return worst

    def scan(self, text: str) -> GuardResult:
        scores: dict[str, float] = {}
        for piece_scores in self._predict(chunks(text, self.chunk_chars)):
            for category, score in piece_scores.items():
                scores[category] = max(score, scores.get(category, 0.0))
        findings = [Finding(category=c, score=s) for c, s in sorted(scores.items(), key=lambda kv: -kv[1])]
        return GuardResult(guard=self.name, model=self.model_name, scores=scores, findings=findings)
