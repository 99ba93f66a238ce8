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
    verdict = policy.check("Her email is jane.doe@example.com.")
    assert verdict.held and verdict.fired == ["pii"]


def test_pii_redact_action_shows_placeholders(toxicity_guard, pii_guard):
    policy = make_policy(toxicity_guard, pii_guard, pii_rule=Rule(0.5, Action.REDACT))
    verdict = policy.check("Her email is jane.doe@example.com.")
    assert verdict.action is Action.REDACT
    assert verdict.text == "Her email is [EMAIL_ADDRESS]."


def test_allow_action_records_but_shows(toxicity_guard, pii_guard):
    policy = make_policy(toxicity_guard, pii_guard, pii_rule=Rule(0.5, Action.ALLOW))
    verdict = policy.check("Her email is jane.doe@example.com.")
    assert verdict.action is Action.ALLOW and verdict.fired == ["pii"]
    assert verdict.text == "Her email is jane.doe@example.com."


def test_threshold_is_respected(toxicity_guard, pii_guard):
    # presidio scores a bare phone number 0.4 without context words
    text = "Call 212-555-0199."
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
