"""Decode speed per engine side by side, time to first token and to the first *shown* sentence,
cold start to first reply, and int8's agreement with float32. One run, so the ratios hold.

    python bench/decode.py [--rounds 3] [--tokens 96] [--threads 1,2]
    python bench/decode.py --cold-only --warm-starts 5 [--cache DIR]   # only the new-process start-up figures

Engines: transformers' generate on the embedded GGUF (the old default), the fast engine in float32
and int8, and llama.cpp (llama-cpp-python, from .venv-llama or this venv) on the same GGUF, all
greedy with the same prompt. Rounds alternate the engines so a busy machine slows them alike.
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
QUALITY_PROMPTS = ["What is the capital of France?", "Name three colours.", "How do I boil an egg?",
                   "Why is the sky blue?", "Give me two tips for a job interview."]

LLAMA_CHILD = r"""
import json, sys, time
from llama_cpp import Llama
path, prompt, tokens, threads, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
t = time.perf_counter()
llm = Llama(model_path=path, n_ctx=2048, n_threads=threads, verbose=False)
load = time.perf_counter() - t
out = []
for _ in range(rounds):
    started = time.perf_counter(); first = None; n = 0
    for chunk in llm.create_completion(prompt, max_tokens=tokens, temperature=0, top_k=1, repeat_penalty=1.1, stream=True):
        n += 1
        first = first or time.perf_counter()
    end = time.perf_counter()
    out.append({"ttft": first - started, "tokens": n, "decode_s": end - first})
print(json.dumps({"load": load, "runs": out}))
"""

COLD_CHILD = r"""
import json, os, sys, time
t0 = time.perf_counter()
sys.path.insert(0, sys.argv[1])
from models.chat import GenerationSettings
from models.fast import FastChatModel
model = FastChatModel.load(settings=GenerationSettings(temperature=0, max_new_tokens=32), cache_dir=sys.argv[2])
loaded = time.perf_counter() - t0
model.reply([{"role": "user", "content": "What is the capital of France?"}])
print(json.dumps({"loaded": loaded, "first_reply": time.perf_counter() - t0, "cpu": sum(os.times()[:2])}))
"""


def llama_python() -> str | None:
    own = Path(os.environ.get("LLAMA_VENV", ROOT / ".venv-llama")) / "bin" / "python"
    if own.exists():
        return str(own)
    try:
        import llama_cpp  # noqa: F401

        return sys.executable
    except ImportError:
        return None


def count_tokens(model, history, text: str) -> int:
    return len(model.tokenizer(text, add_special_tokens=False)["input_ids"])


def timed_reply(model, history) -> dict:
    started, first, text = time.perf_counter(), None, ""
    for piece in model.stream(history):
        text += piece
        first = first or time.perf_counter()
    end = time.perf_counter()
    return {"ttft": first - started, "tokens": count_tokens(model, history, text), "decode_s": end - first}


def agreement(fast32, fast8) -> float:
    """Top-1 agreement of int8 with float32, teacher-forced on float32's greedy replies."""
    import torch

    same = total = 0
    for question in QUALITY_PROMPTS:
        history = [{"role": "user", "content": question}]
        prompt = fast32.tokenizer.apply_chat_template(fast32.build_prompt(history), add_generation_prompt=True,
                                                      tokenize=True, return_dict=True)["input_ids"]
        reply = fast32.tokenizer(fast32.reply(history), add_special_tokens=False)["input_ids"]
        ids = list(prompt) + reply
        with torch.inference_mode():
            logits = fast8.model.forward(torch.tensor(ids), 0, fast8.model.new_cache(len(ids)), every_position=True)
        predicted = logits[len(prompt) - 1:-1].argmax(-1).tolist()
        same += sum(p == r for p, r in zip(predicted, reply))
        total += len(reply)
    return same / total


def first_shown(service_factory, rounds: int) -> list[float]:
    """Seconds from sending a message to the first sentence a person sees (after the guards pass it)."""
    from app.service import ChatSession

    samples = []
    for _ in range(rounds):
        service, session = service_factory(), ChatSession()
        started = time.perf_counter()
        for _ in service.respond(session, PROMPT):
            if session.turns[-1].status in ("streaming", "shown") and session.turns[-1].content:  # not "typing…"
                samples.append(time.perf_counter() - started)
                break
    return samples


def cold_start(folder: str, threads: int) -> dict:
    """A new process: import, load the fast int8 engine from `folder`, answer one question."""
    out = subprocess.run([sys.executable, "-c", COLD_CHILD, str(ROOT), folder], capture_output=True, text=True,
                         timeout=900, env={**os.environ, "OMP_NUM_THREADS": str(threads)})
    if out.returncode != 0:
        raise RuntimeError(f"cold-start child failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def cold_starts(cache: str, warm_starts: int, threads: int) -> None:
    """Model only, a new process each: once with an empty cache (unless `cache` is warm already), then warm."""
    print("start-up to the first reply, fast engine int8, a new process each:")
    if not any(Path(cache).iterdir()):
        data = cold_start(cache, threads)
        print(f"  empty cache: model ready {data['loaded']:5.1f} s, first reply {data['first_reply']:5.1f} s")
    loaded, first, cpu = [], [], []
    for _ in range(max(1, warm_starts)):
        data = cold_start(cache, threads)
        loaded.append(data["loaded"])
        first.append(data["first_reply"])
        cpu.append(data["cpu"])
        print(f"  warm cache:  model ready {data['loaded']:5.1f} s, first reply {data['first_reply']:5.1f} s"
              f" (CPU {data['cpu']:4.1f} s; load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())})")
    if len(first) > 1:
        print(f"  warm cache, median of {len(first)}: model ready {statistics.median(loaded):5.1f} s, "
              f"first reply {statistics.median(first):5.1f} s, CPU {statistics.median(cpu):4.1f} s")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--tokens", type=int, default=96)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--cold-only", action="store_true", help="only the new-process start-up figures")
    p.add_argument("--warm-starts", type=int, default=1, help="new processes started with the warm cache")
    p.add_argument("--cache", default="", help="with --cold-only: cache folder to use and keep")
    args = p.parse_args()
    if args.cold_only:
        print(f"machine: {os.cpu_count()} cores, load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())}\n")
        cache = args.cache or tempfile.mkdtemp(prefix="bench-cold-")
        Path(cache).mkdir(parents=True, exist_ok=True)
        cold_starts(cache, args.warm_starts, int(args.threads.split(",")[0]))
        return
    import logging

    logging.disable(logging.WARNING)
    import torch

    from models.chat import EMBEDDED_GGUF, ChatModel, GenerationSettings, embedded_model_dir
    from models.fast import FastChatModel

    greedy = GenerationSettings(temperature=0.0, max_new_tokens=args.tokens)
    history = [{"role": "user", "content": PROMPT}]
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; prompt {PROMPT!r}, {args.tokens} new tokens, greedy\n")

    cache = tempfile.mkdtemp(prefix="bench-cache-")
    starts = {}
    started = time.perf_counter()
    engines = {"transformers generate (float32)": ChatModel.load(settings=greedy)}
    starts["transformers, from the GGUF"] = time.perf_counter() - started
    started = time.perf_counter()
    engines["fast, float32"] = FastChatModel.load(settings=greedy, cache_dir=cache, int8=False)
    starts["fast engine, empty cache (dequantize + write)"] = time.perf_counter() - started
    started = time.perf_counter()
    engines["fast, int8 (default)"] = FastChatModel.load(settings=greedy, cache_dir=cache, int8=True)
    starts["fast engine int8, warm cache"] = time.perf_counter() - started

    results: dict[str, list[dict]] = {}
    threads = [int(t) for t in args.threads.split(",")]
    for t in threads:
        torch.set_num_threads(t)
        for model in engines.values():
            model.reply([{"role": "user", "content": "hi"}])  # warm-up
        for _ in range(args.rounds):
            for name, model in engines.items():
                results.setdefault(f"{name}|{t}", []).append(timed_reply(model, history))
    llama = llama_python()
    gguf = os.path.join(embedded_model_dir(), EMBEDDED_GGUF)
    prompt_text = engines["fast, float32"].tokenizer.apply_chat_template(
        engines["fast, float32"].build_prompt(history), add_generation_prompt=True, tokenize=False)
    if llama:
        for t in threads:
            out = subprocess.run([llama, "-c", LLAMA_CHILD, gguf, prompt_text, str(args.tokens), str(t), str(args.rounds)],
                                 capture_output=True, text=True, timeout=600)
            if out.returncode == 0:
                data = json.loads(out.stdout.strip().splitlines()[-1])
                results[f"llama.cpp (llama-cpp-python)|{t}"] = data["runs"]
                starts[f"llama.cpp load ({t} threads)"] = data["load"]
            else:
                print(f"llama.cpp failed: {out.stderr[-500:]}")
    else:
        print("llama.cpp: not installed (make llama), skipped\n")

    print(f"{'engine':34} {'threads':>7} {'tokens/s':>9} {'x transformers':>15} {'first token ms':>15}")
    base = {}
    for key, runs in results.items():
        name, t = key.split("|")
        rate = statistics.median(r["tokens"] / r["decode_s"] for r in runs)
        ttft = statistics.median(r["ttft"] for r in runs) * 1000
        if name.startswith("transformers"):
            base[t] = rate
        print(f"{name:34} {t:>7} {rate:9.1f} {rate / base.get(t, rate):14.2f}x {ttft:15.0f}")

    torch.set_num_threads(threads[0])
    print(f"\nint8 top-1 agreement with float32 (teacher-forced, {len(QUALITY_PROMPTS)} replies): "
          f"{agreement(engines['fast, float32'], engines['fast, int8 (default)']):.3f}")
    print(f"int8 greedy reply: {engines['fast, int8 (default)'].reply([{'role': 'user', 'content': QUALITY_PROMPTS[0]}])!r}")

    # Time to the first shown sentence: the person sees nothing until the guards pass it.
    from app.config import Settings
    from app.main import build_policy
    from app.service import ChatService
    from guardrails.policy import Policy
    from review.db import make_engine
    from review.queue import ReviewQueue

    policy, _ = build_policy(Settings.from_env())
    queue = ReviewQueue(make_engine(f"sqlite:///{cache}/bench.db"))
    fast = engines["fast, int8 (default)"]
    policy.check("Warm up the guards.")
    raw = [timed_reply(fast, history)["ttft"] for _ in range(args.rounds)]
    guarded = first_shown(lambda: ChatService(fast, policy, queue), args.rounds)
    unguarded = first_shown(lambda: ChatService(fast, Policy([], {}), queue), args.rounds)
    print(f"\n{'fast int8, ' + str(threads[0]) + ' thread(s)':34} {'median ms':>10}")
    print(f"{'first token from the model':34} {statistics.median(raw) * 1000:10.0f}")
    print(f"{'first shown sentence, no guards':34} {statistics.median(unguarded) * 1000:10.0f}")
    print(f"{'first shown sentence, guards on':34} {statistics.median(guarded) * 1000:10.0f}")

    print("\nstart-up, in this process (imports already done):")
    for name, seconds in starts.items():
        print(f"  {name:50} {seconds:6.1f} s")
    print()
    cold_starts(tempfile.mkdtemp(prefix="bench-cold-"), args.warm_starts, threads[0])


if __name__ == "__main__":
    main()
