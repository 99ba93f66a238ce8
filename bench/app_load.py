"""The real app under load: start-up to first reply, N concurrent chat sessions through gradio_client,
and the server's peak RSS.

    python bench/app_load.py [--sessions 16] [--tokens 64] [--engine onnx]
    python bench/app_load.py --startup-only --warm-starts 5 [--cache DIR]   # start-up figures only

Starts `python -m app` on a free local port (tests/app/servers.py): once with an empty model
cache, then --warm-starts times with the cache the first start wrote (with --cache DIR that already
holds a warm cache, the empty-cache start is skipped). Each session is its own gradio_client Client
sending one message; "first token" is the first time the reply shows any text (after the guards
passed its first sentence).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

QUESTIONS = ["What is the capital of France?", "Name three colours.", "How do I boil an egg?",
             "Why is the sky blue?", "Give me two tips for a job interview.", "What is a good name for a cat?",
             "How many legs does a spider have?", "What is rain made of?"]


def text_of(message: dict) -> str:
    content = message["content"]
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content


def loadavg() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())  # 1, 5 and 15 minutes


def peak_rss_mb(pid: int) -> float:
    """The kernel's high-water mark of resident memory of the process, plus its child processes' (the chat
    workers) peaks."""
    total = 0.0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            lines = status.read_text().splitlines()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in lines if ":" in line)
        if status.parent.name == str(pid) or fields.get("PPid", "").strip() == str(pid):
            total += int(fields.get("VmHWM", "0 kB").split()[0]) / 1024
    return total or float("nan")


def chat(url: str, question: str, out: dict) -> None:
    from gradio_client import Client

    from app.service import TYPING

    try:
        client = Client(url, verbose=False)
        started = time.perf_counter()
        job = client.submit(question, api_name="/chat")
        first = None
        for chatbot, _box in job:
            if first is None and len(chatbot) >= 2 and text_of(chatbot[-1]).strip() not in ("", TYPING):
                first = time.perf_counter() - started
        chatbot, _box = job.result()
        out.update(first=first, total=time.perf_counter() - started, reply=text_of(chatbot[-1]))
    except Exception as exc:  # counted and printed, the run goes on
        out.update(error=f"{type(exc).__name__}: {exc}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its child processes (the chat workers, CHAT_PROCESSES) so
    far: on a shared machine it varies far less than wall time."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def start(workdir: Path, cache: str, engine: str, tokens: int):
    from tests.app.servers import AppServer

    started = time.perf_counter()
    server = AppServer(workdir, ENGINE=engine, MODEL_CACHE_DIR=cache, MAX_NEW_TOKENS=str(tokens)).wait_ready()
    ready = time.perf_counter() - started
    out: dict = {"cpu_ready": cpu_seconds(server.proc.pid)}
    chat(server.url, QUESTIONS[0], out)
    out["cpu_first"] = cpu_seconds(server.proc.pid)
    return server, ready, ready + out.get("total", float("nan")), out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--sessions", type=int, default=16)
    p.add_argument("--tokens", type=int, default=64)
    p.add_argument("--engine", default="onnx")
    p.add_argument("--warm-starts", type=int, default=1, help="starts with the warm cache (the median is printed too)")
    p.add_argument("--cache", default="", help="model cache folder to use and keep (default: a new temporary one)")
    p.add_argument("--startup-only", action="store_true", help="only the start-up figures, no concurrent sessions")
    args = p.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-app-"))
    cache = args.cache or str(workdir / "model-cache")
    print(f"machine: {os.cpu_count()} cores, load average {loadavg()}; ENGINE={args.engine}, "
          f"MAX_NEW_TOKENS={args.tokens}, defaults otherwise (CHAT_CONCURRENCY etc.)\n")
    if not (Path(cache).is_dir() and any(Path(cache).iterdir())):
        cold, ready, first, out = start(workdir, cache, args.engine, args.tokens)
        cold.stop()
        print(f"start-up, empty model cache:  app ready {ready:5.1f} s, first reply {first:5.1f} s {out.get('error', '')}")
    readies, firsts, cpus = [], [], []
    for i in range(max(1, args.warm_starts)):
        server, ready, first, out = start(workdir, cache, args.engine, args.tokens)
        readies.append(ready)
        firsts.append(first)
        cpus.append(out["cpu_first"])
        print(f"start-up, warm model cache:   app ready {ready:5.1f} s, first reply {first:5.1f} s {out.get('error', '')}"
              f" (server CPU {out['cpu_ready']:4.1f} s / {out['cpu_first']:4.1f} s; load average {loadavg()})")
        if i < args.warm_starts - 1 or args.startup_only:
            server.stop()
    if len(readies) > 1:
        print(f"warm cache, median of {len(readies)}: app ready {statistics.median(readies):5.1f} s, "
              f"first reply {statistics.median(firsts):5.1f} s, server CPU to first reply {statistics.median(cpus):4.1f} s")
    if args.startup_only:
        return
    from transformers import AutoTokenizer

    from models.chat import EMBEDDED_GGUF, embedded_model_dir

    try:
        results = [{} for _ in range(args.sessions)]
        threads = [threading.Thread(target=chat, args=(server.url, QUESTIONS[i % len(QUESTIONS)], results[i]))
                   for i in range(args.sessions)]
        started, cpu_before = time.perf_counter(), cpu_seconds(server.proc.pid)
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=1800)
        wall = time.perf_counter() - started
        server_cpu = cpu_seconds(server.proc.pid) - cpu_before
        tokenizer = AutoTokenizer.from_pretrained(embedded_model_dir(), gguf_file=EMBEDDED_GGUF)
        ok = [r for r in results if "error" not in r and r.get("first") is not None]
        errors = [r["error"] for r in results if "error" in r]
        firsts = sorted(r["first"] for r in ok)
        # Per session: reply tokens over the whole wait, queue included (the shown text arrives a
        # sentence at a time, so timing from the first shown text would overstate it).
        rates = [len(tokenizer(r["reply"], add_special_tokens=False)["input_ids"]) / r["total"] for r in ok]
        print(f"\n{args.sessions} concurrent sessions through gradio_client, {wall:.1f} s in all")
        print(f"  errors                       {len(errors)}" + (f"  ({errors[0]})" if errors else ""))
        if firsts:
            p95 = statistics.quantiles(firsts, n=20)[-1] if len(firsts) > 1 else firsts[0]
            print(f"  first shown text  p50 / p95  {statistics.median(firsts):5.1f} s / {p95:5.1f} s (includes waiting in the queue)")
        if rates:
            print(f"  tokens/s per session, send to end  median {statistics.median(rates):5.1f}, min {min(rates):5.1f}")
            print(f"  tokens/s, all sessions together   {sum(len(tokenizer(r['reply'], add_special_tokens=False)['input_ids']) for r in ok) / wall:5.1f}")
        # On a shared machine wall times mostly measure the neighbours; the server's own CPU does not.
        reply_tokens = sum(len(tokenizer(r["reply"], add_special_tokens=False)["input_ids"]) for r in ok)
        print(f"  server CPU for the sessions  {server_cpu:5.1f} s, {1000 * server_cpu / max(1, reply_tokens):5.1f} ms per reply token "
              f"({reply_tokens / max(1, len(ok)):.0f} tokens per reply; load average {loadavg()})")
        print(f"  server peak RSS              {peak_rss_mb(server.proc.pid):5.0f} MB")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
