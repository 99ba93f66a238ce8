"""Prompt-injection / jailbreak guard for the person's message: a linear model and a fine-tuned encoder, mixed.

Three feature blocks feed the linear model's logistic score:
- MiniLM sentence embeddings of the message's first and last window of words, because injections
  are often appended to an innocent request and the encoder only reads 128 tokens;
- hashed character n-grams, which catch "ignorieren sie ..." and other non-English payloads
  that the English encoder maps poorly;
- hashed word uni/bigrams, for the stock phrases of jailbreaks ("developer mode", "DAN").

A message longer than one chunk (a few sentences) also has its first and last chunk scored on their
own, and its risk is the highest of the three: a short payload put before or after a long, benign
role-play prompt is diluted in the whole-text features but stands out in its own chunk.

When the weights' meta.json has a "stack" entry (the shipped ones do), a second model scores the same pieces:
all-MiniLM-L6-v2 fine-tuned end to end on the same rows (training/finetune_injection.py, weights in `tuned/`),
and the message's logit is a fixed mix of the linear logit and the tuned one (each the max over the pieces).
The tuned encoder reads German role-play and short goal hijacks that the frozen one maps among ordinary
requests (docs/eval/experiments/injection-ordinary-prompts.md). INJECTION_TUNED=false scores the linear model
alone, at its own threshold.

`training/train_injection.py` fits the weights and folds the operating point chosen by
cross-validation into the bias, so that 0.5 is the shipped threshold. Besides the public attack and benign sets it
trains on written ordinary instruction-style prompts (translation, "You are given ...", code, questions about AI,
harmless role-play) and on the same tasks carrying override payloads (training/injection_synthetic.py), so that a
prompt phrased as a task is not taken for an attack: the payload is what counts.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import numpy as np

from guardrails.base import Guard
from guardrails.types import Finding, GuardResult

DEFAULT_WEIGHTS = Path(__file__).parent / "weights" / "injection"
WEIGHTS_FILE = "weights.safetensors"
META_FILE = "meta.json"

# Features must be computed identically at training and run time, so they are fixed here
# and recorded in meta.json; a mismatch means the weights belong to another version.
FEATURES = {
    "window_words": 70,  # about the 128 word pieces the shared encoder reads
    "chunk_words": 30,  # sentences are grouped into chunks of at most this many words (one longer sentence is one chunk)
    "char": {"analyzer": "char_wb", "ngram_range": [2, 5], "n_features": 2 ** 16},
    "word": {"analyzer": "word", "ngram_range": [1, 2], "n_features": 2 ** 16},
}


def windows(text: str, size: int = FEATURES["window_words"]) -> tuple[str, str]:
    words = text.split()
    if len(words) <= size:
        return text, text
    return " ".join(words[:size]), " ".join(words[-size:])


SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+|\n+")


def chunks(text: str, size: int = FEATURES["chunk_words"]) -> list[str]:
    """Consecutive sentences grouped into chunks of <= size words; [] when the text is one chunk."""
    if len(text.split()) <= size:
        return []
    out: list[str] = []
    current: list[str] = []
    for sentence in SENTENCE_END.split(text):
        words = sentence.split()
        if current and len(current) + len(words) > size:
            out.append(" ".join(current))
            current = []
        current += words
    if current:
        out.append(" ".join(current))
    return out if len(out) > 1 else []


def end_chunks(text: str) -> list[str]:
    """The first and the last chunk: where a payload is put before or after an innocent request."""
    parts = chunks(text)
    return [] if not parts else [parts[0], parts[-1]]


def pieces(texts: list[str]) -> tuple[list[str], np.ndarray]:
    """Each text followed by its end chunks, and for each piece the index of its text."""
    flat, owner = [], []
    for i, text in enumerate(texts):
        for piece in [text, *end_chunks(text)]:
            flat.append(piece)
            owner.append(i)
    return flat, np.array(owner, dtype=np.int64)


def max_by_owner(z: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, -np.inf)
    np.maximum.at(out, owner, z)
    return out


def _hashed(texts: list[str], analyzer: str, ngram_range, n_features: int):
    """HashingVectorizer's counts, sublinear and l2-normed (guardrails/hashed_ngrams.py: the same numbers
    without importing scikit-learn, which cost the first message about a second)."""
    from guardrails.hashed_ngrams import hashed

    return hashed(texts, analyzer, tuple(ngram_range), n_features)


def embed(texts: list[str], encoder=None) -> np.ndarray:
    """[head window | tail window] embeddings, 768-d; short texts use the same window twice."""
    from guardrails.embeddings import shared_encoder

    encoder = encoder or shared_encoder()
    pairs = [windows(t) for t in texts]
    unique = sorted({w for pair in pairs for w in pair}, key=len)  # similar lengths pad less
    vectors = dict(zip(unique, encoder.encode(unique))) if unique else {}
    dim = encoder.dim
    out = np.zeros((len(texts), 2 * dim), dtype=np.float32)
    for i, (head, tail) in enumerate(pairs):
        out[i, :dim], out[i, dim:] = vectors[head], vectors[tail]
    return out


def features(texts: list[str], encoder=None) -> dict:
    """The blocks the model is linear in: 'emb' dense, 'char' and 'word' sparse rows (`x @ weights` scores
    them; training turns them into scipy matrices with `.to_scipy()`)."""
    return {
        "emb": embed(texts, encoder),
        "char": _hashed(texts, **FEATURES["char"]),
        "word": _hashed(texts, **FEATURES["word"]),
    }


def load_weights(folder: str | Path | None) -> tuple[dict[str, np.ndarray], dict]:
    from safetensors.numpy import load_file

    folder = Path(folder) if folder else DEFAULT_WEIGHTS
    weights_path, meta_path = folder / WEIGHTS_FILE, folder / META_FILE
    if not weights_path.is_file() or not meta_path.is_file():
        raise FileNotFoundError(
            f"injection guard weights not found in {folder} (need {WEIGHTS_FILE} and {META_FILE}); "
            "set INJECTION_WEIGHTS to a folder written by training/train_injection.py, or leave it empty for the shipped ones")
    meta = json.loads(meta_path.read_text())
    if meta.get("features") != FEATURES:
        raise ValueError(f"{meta_path} was trained with other features than this code computes; retrain")
    return load_file(str(weights_path)), meta


@functools.cache
def _side_pool():
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="injection-tuned")


def load_tuned(folder: Path, runtime: str = "onnx", cache_dir: str | Path | None = None):
    """The stack's fine-tuned MiniLM: float32 (its mix weights were fitted on float32 scores), raw text in."""
    from guardrails.toxicity_minilm import MiniLMToxicityModel

    if not (folder / "meta.json").is_file():
        raise FileNotFoundError(f"the injection weights name a tuned encoder in {folder}, which is missing; "
                                "set INJECTION_TUNED=false to score with the linear model alone")
    return MiniLMToxicityModel(folder, runtime=runtime, cache_dir=cache_dir, quantize="none", emoji_names=False)


class InjectionGuard(Guard):
    name = "injection"

    def __init__(self, weights_dir: str | Path | None = None, encoder=None, tuned: bool = True,
                 runtime: str = "onnx", cache_dir: str | Path | None = None):
        """`tuned` False ignores the weights' stack and scores the linear model alone (its own threshold)."""
        self.weights, self.meta = load_weights(weights_dir)
        self.encoder = encoder
        self.stack = self.meta.get("stack") if tuned else None
        self.tuned = None
        if self.stack:
            self.tuned = load_tuned(Path(weights_dir or DEFAULT_WEIGHTS) / self.stack["folder"], runtime, cache_dir)

    @classmethod
    def from_settings(cls, settings) -> InjectionGuard:
        from guardrails.embeddings import shared_encoder
        from guardrails.toxicity_minilm import cache_dir

        return cls(settings.injection_weights or None, shared_encoder(None, settings.injection_runtime, settings.model_cache_dir),
                   tuned=settings.injection_tuned, runtime=settings.injection_runtime,
                   cache_dir=cache_dir(settings.model_cache_dir) if settings.injection_tuned else None)

    @property
    def model_name(self) -> str:
        if self.stack:
            return self.stack.get("model", "injection-linear+tuned")
        return self.meta.get("model", "injection-linear")

    def logits(self, texts: list[str]) -> np.ndarray:
        """Per text, the highest logit over the whole text and its chunks (with a stack: each model's highest,
        mixed)."""
        flat, owner = pieces(texts)
        # The tuned encoder runs on another thread while this one embeds and hashes: ONNX Runtime and the
        # tokenizer release the GIL, so on two cores the check costs about one encoder pass, not two.
        pending = _side_pool().submit(self.tuned.piece_logits, flat) if self.tuned is not None else None
        blocks = features(flat, self.encoder)
        z = np.full(len(flat), float(self.weights["bias"][0]), dtype=np.float64)
        for name, x in blocks.items():
            z += np.asarray(x @ self.weights[name], dtype=np.float64).ravel()
        linear = max_by_owner(z, owner, len(texts))
        if pending is None:
            return linear
        tuned = max_by_owner(pending.result(), owner, len(texts))
        return self.stack["linear"] * linear + self.stack["tuned"] * tuned + self.stack["bias"]

    def risks(self, texts: list[str], batch_size: int = 64) -> list[float]:
        out: list[float] = []
        for start in range(0, len(texts), batch_size):
            z = np.clip(self.logits(texts[start:start + batch_size]), -50, 50)  # exp overflows past ~709
            out.extend((1 / (1 + np.exp(-z))).tolist())
        return out

    def scan(self, text: str) -> GuardResult:
        p = self.risks([text])[0]
        return GuardResult(guard=self.name, model=self.model_name, scores={"injection": p},
                           findings=[Finding(category="injection", score=p)])
