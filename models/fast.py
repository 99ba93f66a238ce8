"""The default engine: a Llama-family model decoded by a lean loop with a static KV cache.

Why not `transformers.generate`: for a 135M model on a CPU, most of each token's time goes to
reading the weights (540 MB in float32) and to Python overhead between hundreds of tiny ops. So the
weights are quantized to int8 per output channel (4x less to read, fbgemm kernels), q/k/v and
gate/up are fused into one matmul each, and the KV cache is allocated once per reply. README,
"Performance", has the figures behind each step.

Cold start: transformers needs about 20 s to dequantize a GGUF. The dequantized weights are saved once
as safetensors in MODEL_CACHE_DIR, with the tokenizer and the int8 weights, so later starts map them
and need not import transformers at all (models/tokenizer.py reads the tokenizer).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import queue
import shutil
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from models.chat import ChatModel, GenerationSettings, ModelError, resolve_model
from models.tokenizer import LeanTokenizer

log = logging.getLogger(__name__)

CACHE_FORMAT = 1  # bump when what is stored changes; old folders are then ignored
SUPPORTED = ("llama",)
# What int8 smoothing measures activations on: a typical exchange (see LeanLlama._smooth).
CALIBRATION = [
    {"role": "user", "content": "Tell me about the history of the bicycle, and how to look after one."},
    {"role": "assistant", "content": "The bicycle was invented in the 19th century. Keep the chain clean and oiled, "
     "check the tyres' pressure every week, and have the brakes looked at once a year!"},
]  # architectures the lean loop implements (SmolLM2 is one)


def _source_key(source: str, gguf: str | None) -> str:
    """Names the cache folder: the GGUF's path, size and time, so a changed file is dequantized again."""
    path = Path(source) / gguf if gguf else Path(source)
    st = path.stat() if path.exists() else None
    raw = f"{CACHE_FORMAT}|{path.resolve() if st else source}|{st.st_size if st else ''}|{st.st_mtime_ns if st else ''}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def cache_folder(cache_dir: str, source: str, gguf: str | None) -> Path:
    name = (gguf or os.path.basename(source.rstrip("/")) or "model").replace("/", "_")
    return Path(cache_dir) / f"{name}-{_source_key(source, gguf)}"


def _write_cache(folder: Path, state: dict, config: dict, tokenizer) -> None:
    """Written to a temporary folder and renamed, so a crash or a second process never leaves half a cache."""
    from safetensors.torch import save_file

    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".partial-", dir=folder.parent))
    try:
        save_file({k: v.contiguous() for k, v in state.items()}, str(tmp / "model.safetensors"))
        (tmp / "config.json").write_text(json.dumps(config))
        tokenizer.save_pretrained(str(tmp))
        try:
            os.rename(tmp, folder)
        except OSError:  # another process got there first: its copy is as good
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _save_atomically(tensors: dict, path: Path) -> None:
    from safetensors.torch import save_file

    tmp = path.with_name(f".partial-{os.getpid()}-{path.name}")
    try:
        save_file({k: v.contiguous() for k, v in tensors.items()}, str(tmp))
        os.replace(tmp, path)
    except OSError as exc:  # a read-only disk only costs the next start its speed
        log.warning("could not write %s: %s", path, exc)
        tmp.unlink(missing_ok=True)


def load_weights(model_id: str, gguf_file: str, cache_dir: str):
    """(state dict, config dict, tokenizer, where they came from). GGUF sources go through the cache.

    A warm cache needs neither transformers nor its import (about 2 s): the tokenizer is read with the
    `tokenizers` package (models/tokenizer.py), the weights with safetensors."""
    source, gguf = resolve_model(model_id, gguf_file)
    folder = cache_folder(cache_dir, source, gguf) if gguf and cache_dir else None
    if folder is not None and (folder / "model.safetensors").exists():
        from safetensors.torch import load_file

        config = json.loads((folder / "config.json").read_text())
        return load_file(str(folder / "model.safetensors")), config, _folder_tokenizer(folder), f"cache {folder}"
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kwargs = {"gguf_file": gguf} if gguf else {}
    tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
    model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
    config = model.config.to_dict()
    config.pop("quantization_config", None)
    state = {k: v for k, v in model.state_dict().items() if not (k == "lm_head.weight" and config.get("tie_word_embeddings"))}
    del model
    if folder is not None:
        try:
            _write_cache(folder, state, config, tokenizer)
            log.info("dequantized weights cached in %s", folder)
            # The tokenizer every later start will use, so the first start tokenizes as they do.
            tokenizer = LeanTokenizer.from_folder(folder) or tokenizer
        except OSError as exc:  # a read-only disk only costs the next start its speed
            log.warning("could not write the model cache %s: %s", folder, exc)
    return state, config, tokenizer, source


def _folder_tokenizer(folder: Path):
    """The cached tokenizer, without transformers where models/tokenizer.py reproduces it exactly."""
    lean = LeanTokenizer.from_folder(folder)
    if lean is not None:
        return lean
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(folder))


def _to_int8(weight):
    """Symmetric int8 per output channel."""
    import torch

    scale = (weight.abs().amax(dim=1) / 127.0).clamp(min=1e-8).double()
    with _quiet_deprecation():
        return torch.quantize_per_channel(weight.float(), scale, torch.zeros_like(scale, dtype=torch.long), 0, torch.qint8)


@contextlib.contextmanager
def _quiet_deprecation():
    """PyTorch has deprecated its quantized tensors (README, "Known limits"), but fbgemm's int8 matmul
    still needs them; the warning would only repeat that at every start."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*quantized tensor creation functions.*")
        yield


def _linear(x, w):
    import torch

    if isinstance(w, torch.Tensor):
        return torch.nn.functional.linear(x, w)
    # reduce_range: fbgemm's AVX2 kernels can overflow on full-range 8-bit activations.
    return torch.ops.quantized.linear_dynamic(x, w, True)


@dataclass
class _Layer:
    ln1: object
    qkv: object
    o: object
    ln2: object
    gate_up: object
    down: object


class LeanLlama:
    """The Llama forward pass, written out for one sequence at a time."""

    def __init__(self, state: dict, config: dict, int8: bool, calibration_ids=None, int8_state: dict | None = None):
        import torch

        if config.get("model_type") not in SUPPORTED or config.get("attention_bias") or config.get("mlp_bias"):
            raise ValueError(f"the fast engine implements {', '.join(SUPPORTED)} without biases, not {config.get('model_type')!r}")
        rope = config.get("rope_parameters") or config.get("rope_scaling") or {}
        if rope.get("rope_type", "default") != "default":
            raise ValueError(f"the fast engine implements plain RoPE, not {rope.get('rope_type')!r}")
        self.config = type("Config", (), {"max_position_embeddings": config.get("max_position_embeddings")})()
        self.int8 = int8
        self.d = config["hidden_size"]
        self.heads = config["num_attention_heads"]
        self.kv_heads = config.get("num_key_value_heads") or self.heads
        self.head_dim = config.get("head_dim") or self.d // self.heads
        self.eps = config.get("rms_norm_eps", 1e-6)
        self.theta = rope.get("rope_theta", config.get("rope_theta", 10000.0))
        self.n_layers = config["num_hidden_layers"]
        self.embed = state["model.embed_tokens.weight"].float()
        self.norm = state["model.norm.weight"].float()
        self.lm_head = state.get("lm_head.weight", self.embed).float()
        self.layers = []
        fuse = not (int8 and int8_state is not None)  # cached int8 weights come fused already
        for i in range(self.n_layers):
            w = lambda name: state[f"model.layers.{i}.{name}"].float()  # noqa: E731
            self.layers.append(_Layer(
                ln1=w("input_layernorm.weight"),
                qkv=torch.cat([w("self_attn.q_proj.weight"), w("self_attn.k_proj.weight"), w("self_attn.v_proj.weight")]) if fuse else None,
                o=w("self_attn.o_proj.weight"),
                ln2=w("post_attention_layernorm.weight"),
                gate_up=torch.cat([w("mlp.gate_proj.weight"), w("mlp.up_proj.weight")]) if fuse else None,
                down=w("mlp.down_proj.weight"),
            ))
        self._rope = {}
        self._lin = _linear
        self.int8_state = None  # what to cache so the next start skips smoothing and quantizing
        if int8 and int8_state is not None:
            self._load_int8(int8_state)
        elif int8:
            self._smooth(calibration_ids if calibration_ids is not None else torch.arange(1, 65))
            self.int8_state = {"norm": self.norm}
            for key, owner, name in self._matrices():
                q = _to_int8(getattr(owner, name))
                self.int8_state[key + ".q"], self.int8_state[key + ".scale"] = q.int_repr(), q.q_per_channel_scales()
                setattr(owner, name, torch.ops.quantized.linear_prepack(q, None))
            for i, layer in enumerate(self.layers):
                self.int8_state[f"{i}.ln1"], self.int8_state[f"{i}.ln2"] = layer.ln1, layer.ln2

    def _matrices(self):
        yield "lm_head", self, "lm_head"
        for i, layer in enumerate(self.layers):
            for name in ("qkv", "o", "gate_up", "down"):
                yield f"{i}.{name}", layer, name

    def _load_int8(self, st: dict) -> None:
        import torch

        self.norm = st["norm"]
        for i, layer in enumerate(self.layers):
            layer.ln1, layer.ln2 = st[f"{i}.ln1"], st[f"{i}.ln2"]
        for key, owner, name in self._matrices():
            scale = st[key + ".scale"]
            with _quiet_deprecation():
                q = torch._make_per_channel_quantized_tensor(st[key + ".q"], scale, torch.zeros_like(scale, dtype=torch.long), 0)
            setattr(owner, name, torch.ops.quantized.linear_prepack(q, None))

    def _smooth(self, calibration_ids, alpha: float = 0.4):
        """SmoothQuant (Xiao et al., 2023) without its offline step: a few channels of this model's
        activations are 100x the rest, and 8-bit activations quantized per token then lose everything
        else (greedy replies turn to nonsense). One float32 pass over calibration text measures each
        matmul input's channels; s_j = max|x_j|^a / max|w_j|^(1-a) (a = 0.4: best of 0.3-0.8 by
        top-1 agreement with float32, README "Performance") moves the range from the activations
        into the weights, folded into the RMSNorm weight before the matmul (or up_proj's rows before
        down_proj), so the float32 model computes exactly the same."""
        import torch

        peaks: dict[int, object] = {}

        def record(x, w):
            peak = x.detach().abs().amax(dim=0)
            peaks[id(w)] = torch.maximum(peaks[id(w)], peak) if id(w) in peaks else peak
            return torch.nn.functional.linear(x, w)

        self._lin = record
        with torch.inference_mode():
            ids = torch.as_tensor(calibration_ids)
            self.forward(ids, 0, self.new_cache(len(ids)))
        self._lin = _linear

        def scale(w, x_peak):
            return (x_peak.clamp(min=1e-5) ** alpha / w.abs().amax(dim=0).clamp(min=1e-5) ** (1 - alpha)).clamp(min=1e-5)

        inter = self.layers[0].down.shape[1]
        for layer in self.layers:
            gate_up_peak = peaks[id(layer.gate_up)]
            s = scale(layer.qkv, peaks[id(layer.qkv)])
            layer.ln1, layer.qkv = layer.ln1 / s, layer.qkv * s
            s = scale(layer.down, peaks[id(layer.down)])
            layer.gate_up = torch.cat([layer.gate_up[:inter], layer.gate_up[inter:] / s[:, None]])
            layer.down = layer.down * s
            s = scale(layer.gate_up, gate_up_peak)
            layer.ln2, layer.gate_up = layer.ln2 / s, layer.gate_up * s
        s = scale(self.lm_head, peaks[id(self.lm_head)])
        self.norm, self.lm_head = self.norm / s, self.lm_head * s

    def rope(self, length: int):
        import torch

        if length not in self._rope:
            inv = 1.0 / (self.theta ** (torch.arange(0, self.head_dim, 2, dtype=torch.float32) / self.head_dim))
            freqs = torch.outer(torch.arange(length, dtype=torch.float32), inv)
            emb = torch.cat([freqs, freqs], dim=-1)
            self._rope = {length: (emb.cos(), emb.sin())}  # one table: every reply uses the same length
        return self._rope[length]

    def new_cache(self, length: int):
        import torch

        shape = (self.n_layers, self.kv_heads, length, self.head_dim)
        return torch.empty(shape), torch.empty(shape), self.rope(length)

    def forward(self, ids, start: int, cache, every_position: bool = False):
        """Logits for the token after `ids`, which sit at positions start.. in `cache` (after each of them
        with every_position, to compare engines token by token)."""
        import torch
        import torch.nn.functional as F

        keys, values, (cos, sin) = cache
        n = ids.shape[0]
        end = start + n
        cos, sin = cos[start:end], sin[start:end]
        half = self.head_dim // 2
        h = self.embed[ids]
        q_size, kv_size = self.heads * self.head_dim, self.kv_heads * self.head_dim
        for i, layer in enumerate(self.layers):
            x = F.rms_norm(h, (self.d,), layer.ln1, self.eps)
            q, k, v = self._lin(x, layer.qkv).split([q_size, kv_size, kv_size], dim=-1)
            q = q.view(n, self.heads, self.head_dim).transpose(0, 1)
            k = k.view(n, self.kv_heads, self.head_dim).transpose(0, 1)
            q = q * cos + torch.cat([-q[..., half:], q[..., :half]], dim=-1) * sin
            k = k * cos + torch.cat([-k[..., half:], k[..., :half]], dim=-1) * sin
            keys[i, :, start:end] = k
            values[i, :, start:end] = v.view(n, self.kv_heads, self.head_dim).transpose(0, 1)
            a = F.scaled_dot_product_attention(
                q.unsqueeze(0), keys[i, :, :end].unsqueeze(0), values[i, :, :end].unsqueeze(0),
                is_causal=n > 1, enable_gqa=True,
            )
            h = h + self._lin(a[0].transpose(0, 1).reshape(n, q_size), layer.o)
            x = F.rms_norm(h, (self.d,), layer.ln2, self.eps)
            gate, up = self._lin(x, layer.gate_up).chunk(2, dim=-1)
            h = h + self._lin(F.silu(gate) * up, layer.down)
        logits = self._lin(F.rms_norm(h if every_position else h[-1:], (self.d,), self.norm, self.eps), self.lm_head)
        return logits if every_position else logits[0]


def next_token(logits, seen, s: GenerationSettings, generator=None) -> int:
    """transformers' order: repetition penalty over prompt and reply, then temperature, then top-p."""
    import torch

    if s.repetition_penalty != 1.0:
        past = logits[seen]
        logits[seen] = torch.where(past < 0, past * s.repetition_penalty, past / s.repetition_penalty)
    if s.temperature <= 0:
        return int(logits.argmax())
    probs = torch.softmax(logits / s.temperature, dim=-1)
    if s.top_p < 1.0:
        sorted_probs, order = probs.sort(descending=True)
        drop = sorted_probs.cumsum(0) - sorted_probs > s.top_p  # keep the smallest set reaching top_p
        sorted_probs[drop] = 0
        return int(order[torch.multinomial(sorted_probs, 1, generator=generator)])
    return int(torch.multinomial(probs, 1, generator=generator))


class FastChatModel(ChatModel):
    """Same interface as ChatModel (build_prompt, stream, reply); only the decoding differs."""

    def __init__(self, model: LeanLlama, tokenizer, name: str, settings: GenerationSettings):
        super().__init__(model, tokenizer, name, settings)
        self.eos_ids = {tokenizer.eos_token_id} - {None}

    @classmethod
    def load(cls, model_id: str = "", gguf_file: str = "", settings: GenerationSettings | None = None,
             cache_dir: str = "", int8: bool = True) -> "FastChatModel":
        settings = settings or GenerationSettings()
        started = time.perf_counter()
        state, config, tokenizer, origin = load_weights(model_id, gguf_file, cache_dir)
        calibration = tokenizer.apply_chat_template(
            [{"role": "system", "content": settings.system_prompt or "You are a helpful assistant."}, *CALIBRATION],
            tokenize=True, return_dict=True)["input_ids"] if int8 else None
        source, gguf = resolve_model(model_id, gguf_file)
        folder = cache_folder(cache_dir, source, gguf) if gguf and cache_dir else None
        # The int8 weights depend on the calibration tokens (the system prompt is among them).
        int8_file = folder / f"int8-{hashlib.sha256(str(calibration).encode()).hexdigest()[:12]}.safetensors" if folder and int8 else None
        cached = None
        if int8_file is not None and int8_file.exists():
            from safetensors.torch import load_file

            cached, origin = load_file(str(int8_file)), f"cache {folder}"
        lean = LeanLlama(state, config, int8, calibration, cached)
        del state
        if int8_file is not None and lean.int8_state is not None:
            _save_atomically(lean.int8_state, int8_file)
            lean.int8_state = None
        name = "SmolLM2-135M-Instruct, embedded Q4_1 GGUF" if not model_id else (
            f"{os.path.basename(source.rstrip('/'))}/{gguf}" if gguf else source)
        name += ", fast engine" + (" int8" if int8 else " float32")
        log.info("chat model %s loaded from %s in %.1fs", name, origin, time.perf_counter() - started)
        model = cls(lean, tokenizer, name, settings)
        eos = config.get("eos_token_id")
        model.eos_ids = {tokenizer.eos_token_id, *(eos if isinstance(eos, list) else [eos])} - {None}
        return model

    def stream(self, history: list[dict], stop: threading.Event | None = None) -> Iterator[str]:
        """Yield the reply as text pieces. Raises ModelError if generation fails."""
        stop = stop or threading.Event()
        prompt = self.tokenizer.apply_chat_template(self.build_prompt(history), add_generation_prompt=True,
                                                    tokenize=True, return_dict=True)["input_ids"]
        pieces: queue.Queue = queue.Queue()
        done = object()

        def run():
            try:
                for piece in self._decode(list(prompt), stop):
                    pieces.put(piece)
            except BaseException as exc:  # surfaced to the caller below
                pieces.put(exc)
            pieces.put(done)

        # Decoding runs beside the caller, so the guards checking a sentence do not pause it.
        worker = threading.Thread(target=run, name="generate", daemon=True)
        worker.start()
        try:
            while True:
                try:
                    item = pieces.get(timeout=120)
                except queue.Empty as exc:
                    raise ModelError("the model stopped responding (no token for 120 s)") from exc
                if item is done or stop.is_set():
                    break
                if isinstance(item, BaseException):
                    raise ModelError(f"the model failed while generating: {type(item).__name__}: {item}") from item
                yield item
        finally:
            stop.set()  # a caller that stops reading also stops generation
        worker.join(timeout=5)

    def _decode(self, prompt: list[int], stop: threading.Event) -> Iterator[str]:
        import torch

        s = self.settings
        length = min(self.context_tokens, len(prompt) + s.max_new_tokens)
        new: list[int] = []
        shown = ""
        with torch.inference_mode():
            cache = self.model.new_cache(length)
            seen = torch.tensor(prompt)
            logits = self.model.forward(torch.tensor(prompt), 0, cache)
            position = len(prompt)
            while len(new) < s.max_new_tokens and not stop.is_set():
                token = next_token(logits, seen, s)
                if token in self.eos_ids:
                    break
                new.append(token)
                seen = torch.cat([seen, torch.tensor([token])])
                text = self.tokenizer.decode(new, skip_special_tokens=True)
                if not text.endswith("\ufffd") and len(text) > len(shown):  # not inside a multi-byte character
                    yield text[len(shown):]
                    shown = text
                if position >= length:
                    break
                logits = self.model.forward(torch.tensor([token]), position, cache)
                position += 1
