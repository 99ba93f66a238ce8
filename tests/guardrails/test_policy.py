import time

import pytest

from guardrails.base import Guard
from guardrails.policy import Policy, Rule
from guardrails.types import Action, GuardResult
from tests.conftest import make_policy


class CrashingGuard(Guard):
    """Fault injection: a guard whose model raises. A real model cannot be made to crash on demand."""

    name = "pii"
    model_name = "crashes-on-purpose"

    def scan(self, text):
        raise RuntimeError("model exploded")


class HangingGuard(Guard):
    """Fault injection: a guard that takes far longer than the policy allows."""

    name = "pii"
    model_name = "hangs-on-purpose"

    def scan(self, text):
        time.sleep(3)
        return GuardResult(guard=self.name, model=self.model_name)


def test_clean_reply_is_allowed_unchanged(policy):
    verdict = policy.check("The capital of France is Paris.")
    assert verdict.action is Action.ALLOW
    assert verdict.text == "The capital of France is Paris."
    assert verdict.fired == [] and verdict.reasons == []
    assert {r.guard for r in verdict.results} == {"toxicity", "pii"}


def test_toxic_reply_is_held_with_reason(policy):
    verdict = policy.check("Shut up, you stupid fucking moron.")
    assert verdict.held and verdict.text == ""
    assert verdict.fired == ["toxicity"]
    assert verdict.reasons[0].startswith("toxicity: toxicity ")


def test_pii_reply_is_held_by_default(policy):
    verdict = policy.check("Her email is anna.lee@mailbox.org.")
    assert verdict.held and verdict.fired == ["pii"]


def test_pii_redact_action_shows_placeholders(toxicity_guard, pii_guard):
    policy = make_policy(toxicity_guard, pii_guard, pii_rule=Rule(0.5, Action.REDACT))
    verdict = policy.check("Her email is anna.lee@mailbox.org.")
    assert verdict.action is Action.REDACT
    assert verdict.text == "Her email is [EMAIL_ADDRESS]."


def test_allow_action_records_but_shows(toxicity_guard, pii_guard):
    policy = make_policy(toxicity_guard, pii_guard, pii_rule=Rule(0.5, Action.ALLOW))
    verdict = policy.check("Her email is anna.lee@mailbox.org.")
    assert verdict.action is Action.ALLOW and verdict.fired == ["pii"]
    assert verdict.text == "Her email is anna.lee@mailbox.org."


def test_threshold_is_respected(toxicity_guard, pii_guard):
    # presidio scores a bare phone number 0.4 without context words
    text = "Call 212-555-2199."
    assert make_policy(toxicity_guard, pii_guard, pii_rule=Rule(0.3, Action.HOLD)).check(text).held
    assert not make_policy(toxicity_guard, pii_guard, pii_rule=Rule(0.9, Action.HOLD)).check(text).held


def test_a_guard_that_raises_holds_the_reply(toxicity_guard):
    policy = make_policy(toxicity_guard, CrashingGuard())
    verdict = policy.check("The capital of France is Paris.")
    assert verdict.held
    assert "guard failed (RuntimeError: model exploded)" in verdict.reasons[0]
    assert next(r for r in verdict.results if r.guard == "pii").error


def test_a_guard_that_times_out_holds_the_reply(toxicity_guard):
    policy = make_policy(toxicity_guard, HangingGuard(), timeout_s=0.3)
    started = time.perf_counter()
    verdict = policy.check("The capital of France is Paris.")
    assert time.perf_counter() - started < 2.5
    assert verdict.held and "timed out" in verdict.reasons[0]


def test_policy_refuses_configurations_it_cannot_honour(toxicity_guard, pii_guard):
    with pytest.raises(ValueError, match="cannot redact"):
        make_policy(toxicity_guard, pii_guard, tox_rule=Rule(0.5, Action.REDACT))
    with pytest.raises(ValueError, match="no policy rule"):
        Policy([toxicity_guard], {})


class SpanGuard(Guard):
    """A guard that reports fixed spans, so per-category rules are tested on known findings."""

    name = "pii"
    model_name = "fixed-spans"
    uses_context = True

    def __init__(self):
        self.seen_context = None

    def scan(self, text, context=None):
        from guardrails.types import Finding

        self.seen_context = context
        findings = [Finding("PERSON", 0.85, 0, 4)]
        if "@" in text:
            at = text.index("@")
            findings.append(Finding("EMAIL_ADDRESS", 1.0, at - 3, at + 12))
        return GuardResult(guard=self.name, model=self.model_name, findings=findings)

    def redact(self, text, findings):
        for f in sorted(findings, key=lambda f: f.start, reverse=True):
            text = text[: f.start] + f"[{f.category}]" + text[f.end:]
        return text


def _span_policy(toxicity_guard, **categories):
    from guardrails.policy import CategoryRule

    rule = Rule(0.5, Action.HOLD, {k: CategoryRule(None, Action(v)) for k, v in categories.items()})
    return make_policy(toxicity_guard, SpanGuard(), pii_rule=rule)


def test_a_category_set_to_allow_is_recorded_but_does_not_fire(toxicity_guard):
    verdict = _span_policy(toxicity_guard, PERSON="allow").check("Anna wrote the report.")
    assert verdict.action is Action.ALLOW and verdict.fired == [] and verdict.reasons == []
    pii = next(r for r in verdict.results if r.guard == "pii")
    assert [f.category for f in pii.findings] == ["PERSON"]


def test_other_categories_keep_the_guards_action(toxicity_guard):
    verdict = _span_policy(toxicity_guard, PERSON="allow").check("Anna: ann@example.org is her mail.")
    assert verdict.held and verdict.fired == ["pii"]
    assert verdict.reasons[0].startswith("pii: EMAIL_ADDRESS 1.00")


def test_per_category_redact_masks_only_that_category(toxicity_guard):
    verdict = _span_policy(toxicity_guard, PERSON="allow", EMAIL_ADDRESS="redact").check("Anna: ann@example.org is hers")
    assert verdict.action is Action.REDACT
    assert verdict.text.startswith("Anna: ") and "[EMAIL_ADDRESS]" in verdict.text


def test_a_category_threshold_overrides_the_guards(toxicity_guard):
    from guardrails.policy import CategoryRule

    strict = Rule(0.5, Action.HOLD, {"PERSON": CategoryRule(0.9, Action.HOLD)})
    assert not make_policy(toxicity_guard, SpanGuard(), pii_rule=strict).check("Anna wrote it.").held
    assert make_policy(toxicity_guard, SpanGuard(), pii_rule=Rule(0.5, Action.HOLD)).check("Anna wrote it.").held


def test_the_context_reaches_only_guards_that_take_it(toxicity_guard):
    from guardrails.types import ScanContext

    guard = SpanGuard()
    policy = make_policy(toxicity_guard, guard)
    policy.check("Anna wrote it.", ScanContext(prompt="Who wrote it, Anna?"))
    assert guard.seen_context == ScanContext(prompt="Who wrote it, Anna?")
    assert policy.guard("pii") is guard
    with pytest.raises(KeyError, match="no guard named 'nope'"):
        policy.guard("nope")
