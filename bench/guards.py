"""Latency of all output guards together on a typical reply, and batch throughput.

    python bench/guards.py [--runs 200]

Prints p50/p95 per reply length for the policy as the app runs it (guards in parallel), each guard
alone for reference, and the input checks on a person's message. Figures depend on the machine: compare
ratios within one run, not absolute numbers across machines.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SENTENCE = ("The museum opens at nine and the guided tour takes about an hour, so arrive early "
            "if you want to see the new exhibition before the crowds. ")


# Puts a sentence with a sensitive term and a private cue before the reply, so the PII guard must look
# for names (PII_LAZY_NAMES); about 15 tokens longer than the reply it opens.
NAMES_MATTER = "My friend Anna Berg had surgery in May and cannot climb stairs yet. "


def reply_of(tokens: int) -> str:
    words = SENTENCE.split()
    out = []
    while len(out) < tokens * 3 // 4:  # about 0.75 words per token for English
        out += words
    return " ".join(out[: tokens * 3 // 4])


def interleaved(rows: list[tuple[str, object, str]], runs: int, block: int = 5) -> list[tuple[str, list[float]]]:
    """Time the rows in turn, `block` calls of each per round, until each has `runs` samples.

    This machine's speed drifts by tens of percent within a minute; timing the rows one after another
    would put that drift into their ratios, so every row gets a share of each minute. Within its turn a
    row is called once untimed first: the call before was another model's, which left the caches cold,
    and the figures are for a guard that is warm, as in the chat, where it checks every sentence.
    """
    samples: list[list[float]] = [[] for _ in rows]
    while len(samples[0]) < runs:
        for (_, fn, text), out in zip(rows, samples):
            fn(text)
            for _ in range(min(block, runs - len(out))):
                started = time.perf_counter()
                fn(text)
                out.append((time.perf_counter() - started) * 1000)
    return [(name, out) for (name, _, _), out in zip(rows, samples)]


def pct(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100)[int(q) - 1]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=200)
    args = p.parse_args()

    import logging

    logging.disable(logging.WARNING)
    from guardrails.vault import Vault
    from wiring.build import build_all_guards
    from wiring.settings import Settings

    settings = Settings.from_env()
    checks = build_all_guards(settings)
    policy, inputs = checks.output, checks.input
    # The same text is scored again and again here; the guard's memory of chunk scores would answer
    # from memory and hide the model's cost, so it is off (a streaming reply does reuse it).
    policy.guard("toxicity").cache_size = 0
    rows = []
    for tokens in (25, 100, 400):
        text = reply_of(tokens)
        rows.append((f"policy (all output guards), {tokens}-token reply", policy.check, text))
        if tokens == 100:
            for guard in policy.guards:
                runtime = getattr(guard, "model", None) and getattr(guard.model, "runtime", None)
                label = f"{guard.model_name}" + (f", {runtime}" if runtime else "")
                rows.append((f"  {guard.name} alone ({label})", guard.scan, text))
            if getattr(policy.guard("toxicity").model, "runtime", None) == "onnx":  # the reference, in the same run
                from guardrails.toxicity import ToxicityGuard
                from guardrails.toxicity_minilm import MiniLMToxicityModel

                reference = ToxicityGuard(MiniLMToxicityModel(settings.toxicity_weights or None, runtime="torch"), cache_size=0)
                rows.append(("  toxicity alone, same model on PyTorch (reference)", reference.scan, text))
            # spaCy as it ships (BLIS products, the Matcher-based attribute ruler): the reference for
            # guardrails/spacy_speed.py. Its guard leaves OpenBLAS's thread limit as the app set it.
            from guardrails.pii import PIIGuard

            shipped = PIIGuard(policy.guard("pii").entities, settings.spacy_model or None, matmul="blis", lookup_ruler=False)
            rows.append(("  pii alone, every name, spaCy as shipped (reference)", shipped.scan, text))
            # PII_LAZY_NAMES: the same guard looking for every name (the reference), and the reply path
            # when names can matter (a sensitive term and a private cue), where NER runs after the quick look.
            from guardrails.types import ScanContext

            every_name = functools.partial(policy.guard("pii").scan, context=ScanContext(every_name=True))
            rows.append(("  pii alone, every name looked for (reference)", every_name, text))
            rows.append((f"policy (all output guards), {tokens}-token reply where names matter", policy.check, NAMES_MATTER + reply_of(tokens - 15)))
            if settings.pii_process:  # how the app runs it (PII_PROCESS): the PII guard in its worker process
                from wiring.build import build_output_policy, start_guard_workers

                workers = start_guard_workers(settings)
                workers["pii"].wait_ready()
                in_worker = build_output_policy(settings, {**checks.guards, **workers})
                rows.append((f"policy (all output guards), {tokens}-token reply, PII in its worker (the app)", in_worker.check, text))
    message = "Can you recommend a good museum in Amsterdam for a rainy afternoon?"
    rows.append(("input checks on a person's message", lambda t: inputs.check(t, Vault()), message))
    # INPUT_PII_NAMES=all (the reference, same guards): every name looked for and masked, so spaCy's NER runs
    # on every message; the default looks for names only where a message carries personal data.
    from wiring.build import build_input_checks

    every = build_input_checks(settings.model_copy(update={"input_pii_names": "all"}), checks.guards)
    rows.append(("input checks, every name masked (INPUT_PII_NAMES=all, reference)", lambda t: every.check(t, Vault()), message))
    import gc

    from app.main import freeze_startup_objects

    freeze_startup_objects()  # as app/main.py does once the models are loaded, so timings match the app's
    rows = interleaved(rows, args.runs)

    print(f"{'what':<75} {'p50 ms':>8} {'p95 ms':>8}")
    for name, samples in rows:
        print(f"{name:<75} {pct(samples, 50):8.1f} {pct(samples, 95):8.1f}")

    # What app/main.py's freeze_startup_objects saves: one full garbage collection with the models loaded.
    gc.unfreeze()
    started = time.perf_counter()
    gc.collect()
    unfrozen = (time.perf_counter() - started) * 1000
    gc.freeze()
    started = time.perf_counter()
    gc.collect()
    frozen = (time.perf_counter() - started) * 1000
    print(f"\none full garbage collection with every model above loaded: {unfrozen:.0f} ms; "
          f"with the start-up objects frozen, as the app does: {frozen:.1f} ms")

    if settings.pii_process:
        # Several replies checked at once (several people chatting): the PII guard in its worker process
        # (the app) against every guard in this process, 400 different 100-token replies, 4 threads.
        import threading

        for label, chosen in (("every guard in this process", policy), ("PII in its worker (the app)", in_worker)):
            texts = iter([reply_of(100) + f" Item {i}." for i in range(400)])
            lock, waits = threading.Lock(), []

            def work(check=chosen.check, texts=texts, lock=lock, waits=waits):
                while True:
                    with lock:
                        text = next(texts, None)
                    if text is None:
                        return
                    started = time.perf_counter()
                    check(text)
                    with lock:
                        waits.append((time.perf_counter() - started) * 1000)

            started = time.perf_counter()
            threads = [threading.Thread(target=work) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            print(f"4 replies at once, {label}: {len(waits) / (time.perf_counter() - started):.0f} replies/s, "
                  f"p50 {pct(waits, 50):.1f} ms, p95 {pct(waits, 95):.1f} ms")

    batch = [reply_of(100)] * 64
    tox = policy.guard("toxicity")
    started = time.perf_counter()
    tox.risks(batch)
    print(f"batch throughput, toxicity guard: {len(batch) / (time.perf_counter() - started):.0f} replies/s (64 x 100 tokens)")


if __name__ == "__main__":
    main()
