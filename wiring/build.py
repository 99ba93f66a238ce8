"""The one place that builds the product's parts from settings.

The app (app/main.py) and every command-line tool (guardrails.evaluate, guardrails.scan, the bias probe,
review.users / export / retention, training scripts, bench/) call these functions, so what they measure
or change is exactly what the app runs. Dependencies point one way: app -> wiring -> guardrails, review,
models; nothing below imports app.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from guardrails.base import Guard
from guardrails.input import InputChecks
from guardrails.policy import Policy
from guardrails.registry import REGISTRY, spec
from wiring.settings import Settings

log = logging.getLogger("guarded_chat")


def settings_from_env() -> Settings:
    return Settings.from_env()


# -- guards and policies --------------------------------------------------------------------------------

def build_guards(settings: Settings, names: list[str] | None = None, started: dict[str, Guard] | None = None
                 ) -> dict[str, Guard]:
    """The registered guards (or only `names`), each loaded once; input and output checks share them.
    `started`: guards already running in worker processes (start_guard_workers), used as they are."""
    started = started or {}
    return {name: started[name] if name in started else spec(name).build(settings) for name in (names or list(REGISTRY))}


def start_guard_workers(settings: Settings) -> dict[str, Guard]:
    """PII_PROCESS: the PII guard in a worker process of its own (wiring/guard_worker.py), started now and
    loading while the caller goes on; the app calls this before it imports gradio. Call wait_ready() on
    each before relying on it; build_all_guards does."""
    if not settings.pii_process:
        return {}
    import sys
    from pathlib import Path

    from guardrails.remote import RemoteGuard, worker_env

    root = str(Path(__file__).resolve().parents[1])
    return {"pii": RemoteGuard("pii", [sys.executable, "-m", "wiring.guard_worker", "pii"], settings.model_dump(mode="json"),
                               uses_context=True, env=worker_env(root))}


def toxicity_fallback(guards: dict[str, Guard]) -> str | None:
    """Why the toxicity guard runs the offline model instead of detoxify, if it does."""
    guard = guards.get("toxicity")
    return getattr(guard, "fallback_reason", None) if guard is not None else None


def build_output_policy(settings: Settings, guards: dict[str, Guard] | None = None) -> Policy:
    """Every guard that checks replies, with its rule (per category where it has them)."""
    names = [n for n, s in REGISTRY.items() if s.output_rule]
    guards = guards if guards is not None else build_guards(settings, names)
    chosen = [guards[n] for n in names if n in guards]
    return Policy(chosen, {g.name: spec(g.name).output_rule(settings) for g in chosen}, timeout_s=settings.guard_timeout_s)


def build_input_checks(settings: Settings, guards: dict[str, Guard] | None = None) -> InputChecks:
    """The checks on a person's message: a masking step (personal data -> placeholders), then the guards
    that may refuse it, through the same Policy (parallel, timeout, fail closed)."""
    names = [n for n, s in REGISTRY.items() if s.input_rule or s.input_mask]
    guards = guards if guards is not None else build_guards(settings, names)
    screen = [guards[n] for n, s in REGISTRY.items() if s.input_rule and n in guards]
    policy = Policy(screen, {g.name: spec(g.name).input_rule(settings) for g in screen}, timeout_s=settings.guard_timeout_s)
    mask = None
    for n, s in REGISTRY.items():
        rule = s.input_mask(settings) if s.input_mask and n in guards else None
        if rule is not None:
            mask = Policy([guards[n]], {n: rule}, timeout_s=settings.guard_timeout_s)
    return InputChecks(policy, {g.name: spec(g.name).refusal for g in screen}, mask)


@dataclass
class Guards:
    """Everything the guards side of the app needs, built once."""

    guards: dict[str, Guard]
    output: Policy
    input: InputChecks
    fallback: str | None  # why toxicity fell back to the offline model, if it did


def build_all_guards(settings: Settings, started: dict[str, Guard] | None = None) -> Guards:
    """Every guard and both policies; guards in `started` (worker processes) are waited for here, so a
    worker that cannot build its guard stops the start with its reason."""
    started = started or {}
    try:
        guards = build_guards(settings, started=started)
        for guard in started.values():
            guard.wait_ready()
    except BaseException:  # a guard here or in a worker failed: no worker is left running behind the error
        for guard in started.values():
            guard.close()
        raise
    return Guards(guards, build_output_policy(settings, guards), build_input_checks(settings, guards), toxicity_fallback(guards))


def describe_rules(settings: Settings, checks: Guards) -> str:
    """The policy in one paragraph, for the review tab (after sign-in) and the log."""
    parts = []
    for name, rule in checks.output.rules.items():
        text = f"{name}: fires at ≥ {rule.threshold:g}, then {rule.action.value}"
        if rule.categories:
            text += " (" + ", ".join(f"{c} {r.action.value}" for c, r in sorted(rule.categories.items())) + ")"
        parts.append(text)
    screen = checks.input.screen
    person = ", ".join(f"{n} refused at ≥ {r.threshold:g}" for n, r in screen.rules.items())
    masked = "personal data replaced by placeholders" if checks.input.mask else "personal data kept"
    return "; ".join(parts) + f". Person's message: {person}, {masked}"


# -- chat model -----------------------------------------------------------------------------------------

def uses_chat_workers(settings: Settings, processes: int) -> bool:
    """Whether the chat model runs in worker processes: ENGINE=onnx with processes > 0 (CHAT_PROCESSES)."""
    from models.engines import canonical_engine

    return processes > 0 and canonical_engine(settings.engine) == "onnx"


def build_chat_model(settings: Settings, threads: int = 0, temperature: float | None = None,
                     max_new_tokens: int | None = None, processes: int = 0, wait: bool = True):
    """The configured chat engine (ENGINE, MODEL_ID, OPENAI_*...), as the app runs it; the bias probe and the
    energy bench use it too, so they measure whatever model a deployment is configured with.

    processes > 0 (the app passes CHAT_PROCESSES) runs ENGINE=onnx in that many worker processes
    (models/workers.py); with wait=False they load while the caller goes on, and it calls wait_ready()."""
    from models.chat import GenerationSettings
    from models.engines import load_chat_model

    gen = GenerationSettings(
        max_new_tokens=max_new_tokens or settings.max_new_tokens,
        temperature=settings.temperature if temperature is None else temperature,
        top_p=settings.top_p,
        repetition_penalty=settings.repetition_penalty,
        context_tokens=settings.context_tokens,
        system_prompt=settings.system_prompt,
    )
    spec = dict(
        engine=settings.engine, model_id=settings.model_id, gguf_file=settings.model_gguf_file,
        cache_dir=settings.model_cache_dir, quantize=settings.model_quantize, threads=threads,
        openai_base_url=settings.openai_base_url, openai_model=settings.openai_model,
        openai_api_key=settings.openai_api_key, openai_timeout_s=settings.openai_timeout_s,
    )
    if uses_chat_workers(settings, processes):
        from dataclasses import asdict

        from models.workers import ProcessChatEngine

        engine = ProcessChatEngine({**spec, "settings": asdict(gen)}, processes, gen)
        return engine.wait_ready() if wait else engine
    return load_chat_model(settings=gen, **spec)


# -- storage and moderators -----------------------------------------------------------------------------

def open_database(settings: Settings, migrate_schema: bool = True):
    from review.db import make_engine

    return make_engine(settings.database_url or None, settings.database_pool_size, migrate_schema=migrate_schema,
                       busy_timeout_s=settings.database_busy_timeout_s)


def build_sealer(settings: Settings):
    from review.crypto import Sealer
    from review.db import default_database_url

    return Sealer.from_settings(settings.review_encryption_key, settings.database_url or default_database_url())


def build_queue(settings: Settings, engine=None, sealer=None):
    """The review queue on DATABASE_URL, with its sealer, busy timeout and retries, as the app opens it."""
    from review.queue import ReviewQueue

    engine = engine if engine is not None else open_database(settings)
    sealer = sealer if sealer is not None else build_sealer(settings)
    return ReviewQueue(engine, sealer, claim_minutes=settings.claim_minutes, retries=settings.database_retries)


def build_auth(settings: Settings, engine):
    from review.auth import LoginPolicy, ModeratorAuth

    policy = LoginPolicy(
        max_failures=settings.login_max_failures,
        max_failures_per_ip=settings.login_max_failures_per_ip,
        lockout_seconds=settings.login_lockout_seconds,
        window_seconds=settings.login_window_minutes * 60,
    )
    return ModeratorAuth(engine, settings.moderator_session_hours * 3600, policy, settings.password_scrypt_n)


def build_console(settings: Settings, engine):
    """Accounts (MODERATORS / ADMINS synced in), the sealer for held replies, and the start-up retention purge."""
    from review.auth import parse_moderators
    from review.retention import purge

    # The sealer first: on PostgreSQL without REVIEW_ENCRYPTION_KEY the app must not start.
    sealer = build_sealer(settings)
    log.info("held replies' originals sealed with the key(s) from %s", sealer.source)
    auth = build_auth(settings, engine)
    changed = auth.bootstrap(parse_moderators(settings.moderators, "MODERATORS"), parse_moderators(settings.admins, "ADMINS"))
    if changed:
        log.info("accounts from MODERATORS/ADMINS added or updated: %s", ", ".join(changed))
    auth.purge_expired_sessions()
    if not auth.configured:
        log.warning("no moderator accounts (MODERATORS and ADMINS are empty, none in the database): the review tab is disabled")
    if settings.retention_days > 0:
        report = purge(engine, settings.retention_days, actor="retention")
        log.info("retention (RETENTION_DAYS=%g): %s", settings.retention_days, report.summary())
    return auth, sealer
