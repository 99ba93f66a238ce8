"""Start-up: read settings, load models and guards, open the database, launch Gradio."""

from __future__ import annotations

import functools
import gc
import logging
import sys
import time
from pathlib import Path

from app.limits import BodyLimit, ChatLimits
from app.service import ChatService
from app.ui import AppInfo, build_ui, theme
from guardrails.explain import occlusion
from wiring.build import (
    build_all_guards,
    build_chat_model,
    build_console,
    build_queue,
    describe_rules,
    open_database,
    start_guard_workers,
    uses_chat_workers,
)
from wiring.settings import Settings, documented_variables

log = logging.getLogger("guarded_chat")
MODEL_CARD = Path(__file__).resolve().parents[1] / "model_card.md"


def build_app(settings: Settings, started_guards: dict | None = None):
    """Everything the app needs, loaded once. Returns (gradio Blocks, ChatService).

    `started_guards`: guards whose worker processes were started earlier (wiring.build.start_guard_workers,
    called by `python -m app` before gradio is imported); without them, PII_PROCESS starts them here."""
    if settings.torch_threads > 0:
        import torch

        torch.set_num_threads(settings.torch_threads)
    started = time.perf_counter()
    # Database and accounts first: a wrong DATABASE_URL, key or account setting fails in a second,
    # not after the models load.
    engine = open_database(settings)
    log.info("database: %s", engine.url.render_as_string(hide_password=True))
    auth, sealer = build_console(settings, engine)
    queue = build_queue(settings, engine, sealer)
    # With CHAT_PROCESSES the chat model loads in its worker processes, on the other cores, while the
    # guards load here; in the app's own process it loads after them.
    workers = uses_chat_workers(settings, settings.chat_processes)
    model = build_chat_model(settings, threads=settings.chat_threads, processes=settings.chat_processes, wait=False) if workers else None
    try:
        workers_started = start_guard_workers(settings) if started_guards is None else started_guards
        checks = build_all_guards(settings, workers_started)
    except BaseException:
        if model is not None:
            model.close()
        raise
    tox, pii = checks.guards["toxicity"], checks.guards["pii"]
    if checks.fallback:
        log.warning("!" * 72)
        log.warning("TOXICITY GUARD IS USING THE FALLBACK MODEL %s", tox.model_name)
        log.warning("reason: %s", checks.fallback)
        log.warning("!" * 72)
    else:
        log.info("toxicity guard: %s", tox.model_name)
    log.info("PII guard: %s", pii.model_name)

    model = model.wait_ready() if model is not None else build_chat_model(settings, threads=settings.chat_threads)
    log.info("chat engine %s: %s%s", settings.engine, model.name,
             f" ({settings.chat_processes} worker processes)" if workers else "")
    log.info("input checks: %s; %s", ", ".join(checks.input.guard_names),
             "personal data replaced by placeholders" if checks.input.mask else "personal data passed through")
    chat = ChatService(model, checks.output, queue, settings.max_input_chars, checks.input)
    info = AppInfo(
        chat_model=model.name,
        toxicity_model=tox.model_name,
        toxicity_fallback_reason=checks.fallback,
        pii_model=pii.model_name,
        policy=describe_rules(settings, checks),
        poll_seconds=settings.poll_seconds,
        chat_concurrency=settings.chat_concurrency,
        reason_codes=tuple(settings.reason_codes),
        retention_days=settings.retention_days,
        model_card_url=settings.model_card_url.strip(),
        model_card=MODEL_CARD.read_text(encoding="utf-8") if MODEL_CARD.exists() else "",
        chat_limits=ChatLimits(settings.chat_messages_per_session, settings.chat_messages_per_ip,
                               settings.chat_rate_window_seconds),
    )
    log.info("ready in %.1fs", time.perf_counter() - started)
    # Moderators see which words drove a toxicity score: occlusion through the configured model.
    explain = functools.partial(occlusion, risks=tox.risks)
    return build_ui(chat, queue, auth, info, explain), chat


def freeze_startup_objects() -> int:
    """Take everything loaded so far out of the garbage collector's later passes; returns how many.

    The models leave about 580,000 objects that live as long as the process. A full collection walks
    them all (330 ms with the guards loaded on this 2-core machine, `bench/guards.py`), and every
    thread waits for it, so a reply being checked at that moment would take a third of a second
    longer. Frozen, they are skipped (0.0 ms). Garbage is collected first, so none of it is kept.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def main(argv: list[str] | None = None, started_guards: dict | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("-h", "--help"):
        print("Guarded Chat. Configure with environment variables:\n")
        for name, default, meaning in documented_variables():
            print(f"  {name:<24} default {default!r}\n      {meaning}")
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # presidio lists every recognizer for other languages it skips; that is noise here.
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    try:
        settings = Settings.from_env()
        demo, _ = build_app(settings, started_guards)
    except (ValueError, RuntimeError) as exc:
        log.error("cannot start: %s", exc)
        return 2
    log.info("%d objects loaded at start-up are left out of garbage collection", freeze_startup_objects())
    # Limits per process (README, "Concurrency"): light events run EVENT_CONCURRENCY at a time each,
    # generation CHAT_CONCURRENCY at a time in total (app/ui.py); at most QUEUE_MAX_SIZE wait.
    demo.queue(default_concurrency_limit=settings.event_concurrency, max_size=settings.queue_max_size or None)
    # Every request body is capped before it is read (app/limits.py), uploads to Gradio's own routes included.
    from starlette.middleware import Middleware

    body_limit = Middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    demo.launch(server_name=settings.host, server_port=settings.port, show_error=False, theme=theme(),
                app_kwargs={"middleware": [body_limit]})
    return 0

