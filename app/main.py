"""Start-up: read settings, load models and guards, open the database, launch Gradio."""

from __future__ import annotations

import functools
import gc
import logging
import sys
import time
from pathlib import Path

from app.config import Settings, documented_variables
from app.limits import BodyLimit, ChatLimits
from app.service import ChatService
from app.ui import AppInfo, build_ui, theme
from guardrails.injection import InjectionGuard
from guardrails.input import InputGuards
from guardrails.explain import occlusion
from guardrails.pii import PIIGuard
from guardrails.policy import Policy, Rule
from guardrails.toxicity import ToxicityGuard, load_toxicity_model
from models.chat import GenerationSettings
from models.engines import load_chat_model
from review.auth import LoginPolicy, ModeratorAuth, parse_moderators
from review.crypto import Sealer
from review.db import default_database_url, make_engine
from review.queue import ReviewQueue
from review.retention import purge

log = logging.getLogger("guarded_chat")
MODEL_CARD = Path(__file__).resolve().parents[1] / "model_card.md"


def build_policy(settings: Settings) -> tuple[Policy, str | None]:
    """The output guards and their rules; also returns why toxicity fell back, if it did."""
    tox_model, fallback = load_toxicity_model(
        settings.toxicity_model, settings.detoxify_variant, settings.detoxify_checkpoint, settings.detoxify_config_dir,
        settings.toxicity_weights, settings.toxicity_runtime, settings.model_cache_dir,
        settings.number("toxicity_threads", int), settings.toxicity_quantize,
    )
    entities = [e.strip() for e in settings.pii_entities.split(",") if e.strip()]
    pii = PIIGuard(entities, settings.spacy_model or None, settings.spacy_matmul, settings.number("spacy_blas_threads", int))
    guards = [ToxicityGuard(tox_model), pii]
    rules = {
        "toxicity": Rule(settings.number("toxicity_threshold"), settings.action("toxicity_action")),
        "pii": Rule(settings.number("pii_threshold"), settings.action("pii_action")),
    }
    return Policy(guards, rules, timeout_s=settings.number("guard_timeout_s")), fallback


def build_input_guards(settings: Settings, policy: Policy) -> InputGuards:
    """The checks on a person's message reuse the output guards' models, plus the injection classifier."""
    tox, pii = policy.guards
    return InputGuards(
        injection=InjectionGuard.from_settings(settings),
        toxicity=tox,
        pii=pii if settings.input_pii == "replace" else None,
        injection_threshold=settings.number("injection_threshold"),
        toxicity_threshold=settings.number("input_toxicity_threshold"),
        pii_threshold=settings.number("pii_threshold"),
    )


def build_chat_model(settings: Settings, threads: int = 0, temperature: float | None = None,
                     max_new_tokens: int | None = None):
    """The configured chat engine (ENGINE, MODEL_ID, OPENAI_*...), as the app runs it; the bias probe and the
    energy bench use it too, so they measure whatever model a deployment is configured with."""
    gen = GenerationSettings(
        max_new_tokens=max_new_tokens or settings.number("max_new_tokens", int),
        temperature=settings.number("temperature") if temperature is None else temperature,
        top_p=settings.number("top_p"),
        repetition_penalty=settings.number("repetition_penalty"),
        context_tokens=settings.number("context_tokens", int),
        system_prompt=settings.system_prompt,
    )
    return load_chat_model(
        settings.engine, settings.model_id, settings.model_gguf_file, gen,
        cache_dir=settings.model_cache_dir, quantize=settings.model_quantize, threads=threads,
        openai_base_url=settings.openai_base_url, openai_model=settings.openai_model,
        openai_api_key=settings.openai_api_key, openai_timeout_s=settings.number("openai_timeout_s"),
    )


def build_console(settings: Settings, engine) -> tuple[ModeratorAuth, Sealer]:
    """Accounts (MODERATORS / ADMINS synced in), the sealer for held replies, and the start-up retention purge."""
    # The sealer first: on PostgreSQL without REVIEW_ENCRYPTION_KEY the app must not start.
    sealer = Sealer.from_settings(settings.review_encryption_key, settings.database_url or default_database_url())
    log.info("held replies' originals sealed with the key(s) from %s", sealer.source)
    policy = LoginPolicy(
        max_failures=settings.number("login_max_failures", int),
        max_failures_per_ip=settings.number("login_max_failures_per_ip", int),
        lockout_seconds=settings.number("login_lockout_seconds"),
        window_seconds=settings.number("login_window_minutes") * 60,
    )
    auth = ModeratorAuth(engine, settings.number("moderator_session_hours") * 3600, policy,
                         settings.number("password_scrypt_n", int))
    changed = auth.bootstrap(parse_moderators(settings.moderators, "MODERATORS"), parse_moderators(settings.admins, "ADMINS"))
    if changed:
        log.info("accounts from MODERATORS/ADMINS added or updated: %s", ", ".join(changed))
    auth.purge_expired_sessions()
    if not auth.configured:
        log.warning("no moderator accounts (MODERATORS and ADMINS are empty, none in the database): the review tab is disabled")
    days = settings.number("retention_days")
    if days > 0:
        report = purge(engine, days, actor="retention")
        log.info("retention (RETENTION_DAYS=%g): %s", days, report.summary())
    return auth, sealer


def build_app(settings: Settings):
    """Everything the app needs, loaded once. Returns (gradio Blocks, ChatService)."""
    threads = settings.number("torch_threads", int)
    if threads > 0:
        import torch

        torch.set_num_threads(threads)
    started = time.perf_counter()
    # Database and accounts first: a wrong DATABASE_URL, key or account setting fails in a second,
    # not after the models load.
    engine = make_engine(settings.database_url or None, settings.number("database_pool_size", int),
                         busy_timeout_s=settings.number("database_busy_timeout_s"))
    log.info("database: %s", engine.url.render_as_string(hide_password=True))
    auth, sealer = build_console(settings, engine)
    queue = ReviewQueue(engine, sealer, claim_minutes=settings.number("claim_minutes"),
                        retries=settings.number("database_retries", int))
    policy, fallback = build_policy(settings)
    tox, pii = policy.guards
    if fallback:
        log.warning("!" * 72)
        log.warning("TOXICITY GUARD IS USING THE FALLBACK MODEL %s", tox.model_name)
        log.warning("reason: %s", fallback)
        log.warning("!" * 72)
    else:
        log.info("toxicity guard: %s", tox.model_name)
    log.info("PII guard: %s", pii.model_name)

    model = build_chat_model(settings, threads=threads)
    log.info("chat engine %s: %s", settings.engine, model.name)
    inputs = build_input_guards(settings, policy)
    log.info("input checks: injection (%s), toxicity, %s", inputs.injection.model_name,
             "personal data replaced by placeholders" if inputs.pii else "personal data passed through")
    chat = ChatService(model, policy, queue, settings.number("max_input_chars", int), inputs)
    info = AppInfo(
        chat_model=model.name,
        toxicity_model=tox.model_name,
        toxicity_fallback_reason=fallback,
        pii_model=pii.model_name,
        policy="; ".join(f"{name}: fires at ≥ {r.threshold:g}, then {r.action.value}" for name, r in policy.rules.items())
        + f". Person's message: injection refused at ≥ {inputs.injection_threshold:g} ({inputs.injection.model_name}), "
        f"toxicity refused at ≥ {inputs.toxicity_threshold:g}, personal data {'replaced by placeholders' if inputs.pii else 'kept'}",
        poll_seconds=settings.number("poll_seconds"),
        chat_concurrency=settings.number("chat_concurrency", int),
        reason_codes=tuple(c.strip() for c in settings.reason_codes.split(",") if c.strip()),
        retention_days=settings.number("retention_days"),
        model_card_url=settings.model_card_url.strip(),
        model_card=MODEL_CARD.read_text(encoding="utf-8") if MODEL_CARD.exists() else "",
        chat_limits=ChatLimits(settings.number("chat_messages_per_session", int), settings.number("chat_messages_per_ip", int),
                               settings.number("chat_rate_window_seconds")),
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


def main(argv: list[str] | None = None) -> int:
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
        demo, _ = build_app(settings)
    except (ValueError, RuntimeError) as exc:
        log.error("cannot start: %s", exc)
        return 2
    log.info("%d objects loaded at start-up are left out of garbage collection", freeze_startup_objects())
    # Limits per process (README, "Concurrency"): light events run EVENT_CONCURRENCY at a time each,
    # generation CHAT_CONCURRENCY at a time in total (app/ui.py); at most QUEUE_MAX_SIZE wait.
    demo.queue(default_concurrency_limit=settings.number("event_concurrency", int),
               max_size=settings.number("queue_max_size", int) or None)
    # Every request body is capped before it is read (app/limits.py), uploads to Gradio's own routes included.
    from starlette.middleware import Middleware

    body_limit = Middleware(BodyLimit, max_bytes=settings.number("max_request_bytes", int))
    demo.launch(server_name=settings.host, server_port=settings.number("port", int), show_error=False, theme=theme(),
                app_kwargs={"middleware": [body_limit]})
    return 0
