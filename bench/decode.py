"""Decode speed of the chat engines side by side, on the same model, prompt and settings, interleaved.

    python bench/decode.py [--rounds 5] [--tokens 128] [--threads 1,2] [--quantize int4,int8]
    python bench/decode.py --cold-only --warm-starts 5   # only the new-process start-up figures

Engines: the default ONNX Runtime GenAI engine (one per MODEL_QUANTIZE in --quantize, converted into
the model cache on first use) and llama.cpp (llama-cpp-python from .venv-llama, `make llama`, or from
this venv) on the embedded Q4_1 GGUF. Each llama.cpp instance lives in its own child process for the
whole run and generates when told to, so every round runs every engine and thread count one after
another: a machine that gets busier slows all of them alike. Greedy decoding, repetition penalty 1.1.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

PROMPT = "Tell me about the history of Paris in a few paragraphs."
SYSTEM = "You are a helpful, honest and polite assistant. Keep answers short."

# A llama.cpp instance that loads once, then generates once per line read from stdin.
LLAMA_CHILD = r"""
import json, sys, time
from llama_cpp import Llama
path, prompt, tokens, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
t = time.perf_counter()
llm = Llama(model_path=path, n_ctx=2048, n_threads=threads, n_threads_batch=threads, verbose=False)
print(json.dumps({"load": time.perf_counter() - t}), flush=True)
for _ in sys.stdin:
    started = time.perf_counter(); first = None; n = 0
    for chunk in llm.create_completion(prompt, max_tokens=tokens, temperature=0, top_k=1, repeat_penalty=1.1, stream=True):
        n += 1
        first = first or time.perf_counter()
    end = time.perf_counter()
    print(json.dumps({"ttft": first - started, "tokens": n, "decode_s": end - first}), flush=True)
"""

COLD_CHILD = r"""
import json, os, sys, time
t0 = time.perf_counter()
sys.path.insert(0, sys.argv[1])
from models.chat import GenerationSettings
from models.engines import load_chat_model
model = load_chat_model(settings=GenerationSettings(temperature=0, max_new_tokens=32), cache_dir=sys.argv[2])
loaded = time.perf_counter() - t0
model.reply([{"role": "user", "content": "What is the capital of France?"}])
print(json.dumps({"loaded": loaded, "first_reply": time.perf_counter() - t0, "cpu": sum(os.times()[:2]),
                  "torch": "torch" in sys.modules, "transformers": "transformers" in sys.modules}))
"""


def loadavg() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def llama_python() -> str | None:
    own = Path(os.environ.get("LLAMA_VENV", ROOT / ".venv-llama")) / "bin" / "python"
    if own.exists():
        return str(own)
    try:
        import llama_cpp  # noqa: F401

        return sys.executable
    except ImportError:
        return None


class LlamaChild:
    def __init__(self, python: str, gguf: str, prompt: str, tokens: int, threads: int):
        self.proc = subprocess.Popen([python, "-c", LLAMA_CHILD, gguf, prompt, str(tokens), str(threads)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.load = json.loads(self.proc.stdout.readline())["load"]

    def run(self) -> dict:
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def timed_reply(model, history) -> dict:
    """Through the engine's own stream(), as the app reads it; tokens counted with its tokenizer."""
    started, first, text = time.perf_counter(), None, ""
    for piece in model.stream(history):
        text += piece
        first = first or time.perf_counter()
    end = time.perf_counter()
    return {"ttft": first - started, "tokens": len(model.tokenizer.encode(text)), "decode_s": end - first}


def cold_start(cache: str) -> dict:
    out = subprocess.run([sys.executable, "-c", COLD_CHILD, str(ROOT), cache], capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise RuntimeError(f"cold-start child failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def cold_starts(cache: str, warm_starts: int) -> None:
    """The default engine in a new process each: import, load (converting first if the cache is empty), one reply."""
    print("start-up to the first reply, default engine (ONNX Runtime GenAI int4), a new process each:")
    Path(cache).mkdir(parents=True, exist_ok=True)
    if not any(Path(cache).glob("onnx-*")):
        data = cold_start(cache)
        print(f"  empty cache (converts): model ready {data['loaded']:6.1f} s, first reply {data['first_reply']:6.1f} s")
    firsts = []
    for _ in range(max(1, warm_starts)):
        data = cold_start(cache)
        firsts.append(data["first_reply"])
        print(f"  warm cache: model ready {data['loaded']:5.2f} s, first reply {data['first_reply']:5.2f} s "
              f"(CPU {data['cpu']:4.1f} s; torch imported: {data['torch']}, transformers: {data['transformers']}; "
              f"load average {loadavg()})")
    if len(firsts) > 1:
        print(f"  warm cache, median of {len(firsts)}: first reply {statistics.median(firsts):5.2f} s")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--tokens", type=int, default=128)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--quantize", default="int4,int8", help="MODEL_QUANTIZE values of the ONNX engine to run")
    p.add_argument("--cache", default="", help="model cache (default: the app's, so conversions are reused)")
    p.add_argument("--cold-only", action="store_true", help="only the new-process start-up figures")
    p.add_argument("--warm-starts", type=int, default=3, help="new processes started with the warm cache")
    args = p.parse_args()
    import logging

    from models.chat import EMBEDDED_GGUF, GenerationSettings, embedded_model_dir
    from models.engines import default_cache_dir, load_chat_model

    cache = Path(args.cache or default_cache_dir())
    cache = str(cache if cache.is_absolute() else ROOT / cache)
    print(f"machine: {os.cpu_count()} cores, load average {loadavg()}")
    if args.cold_only:
        cold_starts(args.cache or tempfile.mkdtemp(prefix="bench-cold-"), args.warm_starts)
        return
    logging.disable(logging.WARNING)
    threads = [int(t) for t in args.threads.split(",")]
    greedy = GenerationSettings(temperature=0.0, max_new_tokens=args.tokens, system_prompt=SYSTEM)
    history = [{"role": "user", "content": PROMPT}]
    print(f"prompt {PROMPT!r}, {args.tokens} new tokens at most, greedy, repetition penalty 1.1, {args.rounds} rounds\n")

    engines, loads = {}, {}
    for q in args.quantize.split(","):
        for t in threads:
            started = time.perf_counter()
            engines[(f"ONNX Runtime GenAI {q}", t)] = model = load_chat_model(
                "onnx", settings=greedy, cache_dir=cache, quantize=q, threads=t)
            loads[f"ONNX Runtime GenAI {q}, {t} thread(s)"] = time.perf_counter() - started
            model.reply([{"role": "user", "content": "hi"}])  # warm-up
    any_onnx = next(iter(engines.values()))
    prompt_text = any_onnx.tokenizer.apply_chat_template(json.dumps(any_onnx.build_prompt(history)), add_generation_prompt=True)
    llama = llama_python()
    if llama:
        gguf = os.path.join(embedded_model_dir(), EMBEDDED_GGUF)
        for t in threads:
            engines[("llama.cpp Q4_1 (llama-cpp-python)", t)] = child = LlamaChild(llama, gguf, prompt_text, args.tokens, t)
            loads[f"llama.cpp, {t} thread(s)"] = child.load
            child.run()  # warm-up
    else:
        print("llama.cpp: not installed (make llama), left out\n")

    results: dict[tuple, list[dict]] = {key: [] for key in engines}
    for _ in range(args.rounds):
        for key, engine in engines.items():
            results[key].append(engine.run() if isinstance(engine, LlamaChild) else timed_reply(engine, history))
    for engine in engines.values():
        if isinstance(engine, LlamaChild):
            engine.close()

    rates = {key: statistics.median(r["tokens"] / r["decode_s"] for r in runs) for key, runs in results.items()}
    print(f"{'engine':38} {'threads':>7} {'tokens/s':>9} {'x llama.cpp':>12} {'first token ms':>15}")
    for (name, t), runs in results.items():
        base = rates.get(("llama.cpp Q4_1 (llama-cpp-python)", t))
        ratio = f"{rates[(name, t)] / base:11.2f}x" if base else f"{'-':>12}"
        ttft = statistics.median(r["ttft"] for r in runs) * 1000
        print(f"{name:38} {t:>7} {rates[(name, t)]:9.1f} {ratio} {ttft:15.0f}")
    print(f"\nload average at the end {loadavg()}")
    print("\nload, in this process (imports done, cache warm):")
    for name, seconds in loads.items():
        print(f"  {name:45} {seconds:6.2f} s")
    for q, t in {(k[0], k[1]) for k in engines if k[0].startswith("ONNX")}:
        if t == threads[0]:
            print(f"\n{q} greedy reply: {engines[(q, t)].reply([{'role': 'user', 'content': 'What is the capital of France?'}])!r}")
    print()
    cold_starts(cache, args.warm_starts)


if __name__ == "__main__":
    main()
