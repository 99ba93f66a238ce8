"""Every guard by name: how it is built from settings, its default rules, and which side it checks.

One entry per guard. `wiring.build` reads this table to load the guards once and make the two
policies: the output policy over the model's reply, and the input checks over the person's message.
Adding a guard means writing its module (a `Guard` subclass), one `register(...)` call here, and its
tests; nothing else looks guards up by position.

`settings` is whatever object carries the settings (wiring.settings.Settings in the app); the builders
only read attributes from it, so this module imports nothing from the app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from guardrails.base import Guard
from guardrails.input import INJECTION_REFUSAL, TOXIC_REFUSAL, mask_rule
from guardrails.policy import CategoryRule, Rule
from guardrails.types import Action


@dataclass(frozen=True)
class GuardSpec:
    name: str
    build: Callable[[Any], Guard]  # settings -> a loaded guard
    output_rule: Callable[[Any], Rule] | None = None  # None: the guard does not check replies
    input_rule: Callable[[Any], Rule] | None = None  # None: the guard does not screen messages
    # What a person is told when this guard stops their message (input side).
    refusal: str = ""
    # A guard that masks a message's spans before the model sees it (the PII guard with INPUT_PII=replace).
    input_mask: Callable[[Any], Rule | None] | None = None

    @property
    def checks(self) -> set[str]:
        return {side for side, rule in (("output", self.output_rule), ("input", self.input_rule or self.input_mask)) if rule}


REGISTRY: dict[str, GuardSpec] = {}


def register(spec: GuardSpec) -> GuardSpec:
    if spec.name in REGISTRY:
        raise ValueError(f"a guard named {spec.name!r} is already registered")
    REGISTRY[spec.name] = spec
    return spec


def spec(name: str) -> GuardSpec:
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"no guard named {name!r}; registered: {', '.join(REGISTRY)}") from None


# --- toxicity: detoxify, or the shipped offline model when detoxify's weights cannot load -----------------

def _build_toxicity(settings) -> Guard:
    from guardrails.toxicity import ToxicityGuard, load_toxicity_model

    model, fallback = load_toxicity_model(
        kind=settings.toxicity_model, variant=settings.detoxify_variant,
        checkpoint=settings.detoxify_checkpoint or None, config_dir=settings.detoxify_config_dir or None,
        weights_dir=settings.toxicity_weights or None, runtime=settings.toxicity_runtime,
        cache_dir=settings.model_cache_dir or None, threads=settings.toxicity_threads, quantize=settings.toxicity_quantize,
        detoxify_retry_hours=settings.detoxify_retry_hours,
        window_tokens=settings.toxicity_window_tokens, window_offset=settings.toxicity_window_offset,
    )
    guard = ToxicityGuard(model)
    guard.fallback_reason = fallback  # the app says so loudly in its log and the review tab
    return guard


register(GuardSpec(
    name="toxicity",
    build=_build_toxicity,
    output_rule=lambda s: Rule(s.toxicity_threshold, s.toxicity_action),
    # A message is only refused when it is clearly abusive; its score is always recorded.
    input_rule=lambda s: Rule(s.input_toxicity_threshold, Action.HOLD),
    refusal=TOXIC_REFUSAL,
))


# --- PII: presidio + spaCy; per entity type its own action (a name on its own is only recorded) ----------

def _build_pii(settings) -> Guard:
    from guardrails.pii import PIIGuard

    return PIIGuard(list(settings.pii_entities), settings.spacy_model or None, settings.spacy_matmul,
                    settings.spacy_blas_threads, private_names=settings.pii_private_names,
                    tie_threshold=settings.pii_threshold, tie_reach=settings.pii_tie_reach,
                    allow_example_values=settings.pii_allow_example_values, plain_markdown=settings.pii_plain_markdown,
                    context_matching=settings.pii_context_matching,
                    # Names need looking for only where one can change the decision; when PERSON itself
                    # holds or redacts (PII_ENTITY_ACTIONS), every name does.
                    lazy_names=settings.pii_lazy_names and pii_rule(settings).for_category("PERSON")[1] is Action.ALLOW)


def pii_rule(settings) -> Rule:
    """PII_ACTION for every entity type, except where DEFAULT_ENTITY_ACTIONS or PII_ENTITY_ACTIONS say otherwise."""
    from guardrails.pii_types import DEFAULT_ENTITY_ACTIONS  # not guardrails.pii: that loads presidio

    table = {k: Action(v) for k, v in DEFAULT_ENTITY_ACTIONS.items()}
    table.update({k.upper(): Action(v) for k, v in dict(settings.pii_entity_actions).items()})
    return Rule(settings.pii_threshold, settings.pii_action, {k: CategoryRule(None, a) for k, a in table.items()})


def input_mask_rule(settings) -> Rule:
    """INPUT_PII=replace: each span with action `redact` becomes a placeholder before the model and the database
    see the message (restored only in that person's own view); `allow` leaves it as written. A name on its own
    stays (INPUT_PII_NAMES=private): masking every name spaCy finds rewrote 60 of 365 ordinary AlpacaEval prompts,
    "Who is Larry Page?" and "a Bloody Mary" among them, so the model answered a question it was never asked
    (docs/eval/experiments/pii-input-names.md). A name tied to an identifier or a sensitive fact (PERSON_PRIVATE)
    is still masked, like every direct identifier."""
    return mask_rule(settings.pii_threshold, settings.input_pii_names)


register(GuardSpec(
    name="pii",
    build=_build_pii,
    output_rule=pii_rule,
    input_mask=lambda s: input_mask_rule(s) if s.input_pii == "replace" else None,
))


# --- injection: the person's message only ---------------------------------------------------------------

def _build_injection(settings) -> Guard:
    from guardrails.injection import InjectionGuard

    return InjectionGuard.from_settings(settings)


register(GuardSpec(
    name="injection",
    build=_build_injection,
    input_rule=lambda s: Rule(s.injection_threshold, Action.HOLD),
    refusal=INJECTION_REFUSAL,
))
