"""Toxicity guard: detoxify when its weights load, an offline classifier otherwise.

Models sit behind `ToxicityModel` so a stronger one can be swapped in without
touching the guard or the policy.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Protocol

from guardrails.base import Guard
from guardrails.types import Finding, GuardResult

log = logging.getLogger(__name__)

# A failed download of detoxify's weights is remembered in the model cache for this long, so a machine that
# cannot reach GitHub does not spend seconds failing again at every start (DETOXIFY_RETRY_HOURS).
DETOXIFY_RETRY_HOURS = 24.0

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
    detoxify_retry_hours: float = DETOXIFY_RETRY_HOURS,
    window_tokens: int | None = None,
    window_offset: float | None = None,
) -> tuple[ToxicityModel, str | None]:
    """Load the configured model; if detoxify cannot load, fall back to the shipped offline model.

    Returns the model and, when it fell back, why (so the app can say so loudly). When detoxify has to
    download its weights (no `checkpoint`) and that fails, the failure is written to a small file in the
    model cache (`detoxify-<variant>-unavailable.json`: reason and time) and the download is not tried
    again for `detoxify_retry_hours` (0: every start), or until that file is removed. `window_tokens` and
    `window_offset` are the offline model's (MiniLMToxicityModel; None: its defaults).
    """
    from guardrails.toxicity_minilm import WINDOW_OFFSET, WINDOW_TOKENS, MiniLMToxicityModel

    def offline():
        return MiniLMToxicityModel(weights_dir or None, runtime=runtime, cache_dir=folder, threads=threads, quantize=quantize,
                                   window_tokens=WINDOW_TOKENS if window_tokens is None else window_tokens,
                                   window_offset=WINDOW_OFFSET if window_offset is None else window_offset)

    if kind not in ("detoxify", "minilm", "profanity-check"):
        raise ValueError(f"TOXICITY_MODEL must be 'detoxify', 'minilm' or 'profanity-check', not {kind!r}")
    if kind == "profanity-check":
        return ProfanityCheckModel(), None
    folder = _cache(cache_dir)
    if kind == "minilm":
        return offline(), None
    marker = None if checkpoint else folder / f"detoxify-{variant}-unavailable.json"
    if marker is not None and (remembered := _remembered_failure(marker, detoxify_retry_hours)):
        reason = (f"detoxify '{variant}' was not tried: its download failed at {remembered['time']} "
                  f"({remembered['reason']}); it is tried again {detoxify_retry_hours:g} h after that, or at the next "
                  f"start once {marker} is removed")
        fallback = offline()
        log.warning("%s; using %s", reason, fallback.name)
        return fallback, reason
    try:
        model = DetoxifyModel(variant, checkpoint, config_dir)
    except Exception as exc:  # no network, missing checkpoint, bad file
        reason = f"detoxify '{variant}' could not be loaded ({type(exc).__name__}: {str(exc)[:200]})"
        if marker is not None and detoxify_retry_hours > 0 and not isinstance(exc, ImportError):
            if _remember_failure(marker, reason):
                reason += (f"; not tried again for {detoxify_retry_hours:g} h (remembered in {marker}: "
                           "remove it to try at the next start)")
        fallback = offline()
        log.warning("%s; falling back to %s", reason, fallback.name)
        return fallback, reason
    if marker is not None:
        marker.unlink(missing_ok=True)
    return model, None


def _remembered_failure(marker: Path, retry_hours: float) -> dict | None:
    """The recorded failure while it is younger than `retry_hours`; None otherwise (or if unreadable)."""
    if retry_hours <= 0 or not marker.exists():
        return None
    try:
        record = json.loads(marker.read_text())
        if time.time() - float(record["unix_time"]) < retry_hours * 3600:
            return record
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("ignoring %s: it is not a failure record this version wrote", marker)
    return None


def _remember_failure(marker: Path, reason: str) -> bool:
    now = time.time()
    record = {"reason": reason, "time": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(now)), "unix_time": now}
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        tmp = marker.with_suffix(".tmp")
        tmp.write_text(json.dumps(record, indent=1) + "\n")
        tmp.replace(marker)
        return True
    except OSError as exc:  # a read-only cache: detoxify is simply tried again next time
        log.warning("could not remember detoxify's failure in %s (%s)", marker, exc)
        return False


def _cache(setting: str | None):
    from guardrails.toxicity_minilm import cache_dir

    return cache_dir(setting)


# Where a piece may end: after a sentence's end or a line break (lists, headings, verses), whitespace included;
# not after a list's number ("12. ").
_BOUNDARY = re.compile(r"(?<!\b\d)(?<!\b\d\d)[.!?:;][\"')\]]*\s+|\n\s*")


def sentence_ends(text: str) -> list[int]:
    """Where a sentence or line of `text` ends (after its whitespace): the places a piece may be cut."""
    return [m.end() for m in _BOUNDARY.finditer(text)]


def _cut(text: str, start: int, limit: int, size: int) -> int:
    """The end of the piece that starts at `start`: the last sentence or line end before `limit`, if the
    piece keeps at least a third of `size`; else the last whitespace; else `limit` (one very long word)."""
    ends = [m.end() for m in _BOUNDARY.finditer(text, start + size // 3, limit) if m.end() <= limit]
    if ends:
        return ends[-1]
    space = max(text.rfind(" ", start + 1, limit), text.rfind("\n", start + 1, limit))
    return space + 1 if space > start else limit


def chunks(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """Pieces of at most about `size` characters that together cover the whole text.

    Pieces end at sentence or line ends where there is one: a piece cut mid-sentence, or a last piece of
    a few words ("prosperous society in the face of automation."), is judged without the words that give
    it its sense, and such fragments of harmless replies scored up to 0.95. A last piece shorter than a
    third of `size` is scored with the sentences before it (it overlaps the previous piece). Each piece's
    end depends only on the text before it, so while a reply streams its leading pieces stay the same
    and their scores are reused (ToxicityGuard's memory).
    """
    if len(text) <= size:
        return [text]
    pieces, start = [], 0
    while len(text) - start > size:
        end = _cut(text, start, start + size, size)
        pieces.append(text[start:end])
        start = end
    tail = text[start:]
    if tail.strip():
        if len(tail) < size // 3 and pieces:
            # The earliest sentence end from which the rest of the text fits in `size`.
            earliest = len(text) - size
            begins = [m.end() for m in _BOUNDARY.finditer(text, earliest, start) if m.end() <= start]
            if begins:
                start = begins[0]
            else:
                space = text.find(" ", earliest, start)
                start = space + 1 if space >= 0 else start
            tail = text[start:]
        pieces.append(tail)
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
