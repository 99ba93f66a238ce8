"""Checks on the person's message before it reaches the model: personal data masked, then abuse and
injection screened.

Both steps run through a `Policy`, as the reply's checks do: guards in parallel, a timeout, and a guard
that fails or times out stops the message (fail closed). The guards, their rules and refusals come from
guardrails/registry.py; wiring/build.py puts them together from settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from guardrails.base import Guard
from guardrails.pii_types import DIRECT_IDENTIFIERS
from guardrails.policy import CategoryRule, Policy, Rule
from guardrails.types import Action, ScanContext
from guardrails.vault import Vault

CHECK_FAILED = "Sorry, your message could not be checked just now, so it was not sent to the model. Please try again."
INJECTION_REFUSAL = (
    "I can't follow that request: it looks like an attempt to override my instructions. "
    "Please ask your question directly."
)
TOXIC_REFUSAL = "I'd rather not respond to that. Please rephrase your message without abusive language."


@dataclass
class InputVerdict:
    text: str  # what the model and the database get: personal data replaced by placeholders
    refusal: str | None = None  # set when the message is answered with a refusal instead of the model
    scores: dict[str, float] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    refused_by: str | None = None  # the guard whose refusal was given ("error" when a check failed)
    masked: list[str] = field(default_factory=list)  # the kinds of personal data replaced by placeholders


class InputChecks:
    def __init__(self, screen: Policy, refusals: dict[str, str], mask: Policy | None = None):
        """`screen`: the guards that may refuse a message, in the order their refusal is preferred when
        several fire (abuse first: it is the more certain of the two). `mask`: a policy with one guard
        whose spans become placeholders (the PII guard), or None to pass personal data through; a
        finding is masked at its category's threshold unless its category's action is `allow`."""
        self.screen, self.refusals, self.mask = screen, refusals, mask
        # A mask that replaces names on their own needs every name found, not only those that change a decision.
        self.every_name = mask is not None and any(
            rule.for_category("PERSON")[1] is not Action.ALLOW for rule in mask.rules.values())

    @property
    def guard_names(self) -> list[str]:
        return [g.name for g in self.screen.guards]

    def check(self, text: str, vault: Vault) -> InputVerdict:
        verdict = InputVerdict(text=text)
        if self.mask is not None:
            masked = self.mask.check(text, ScanContext(every_name=self.every_name, own_message=True))
            if any(r.error for r in masked.results):
                return self._failed(verdict, masked.reasons)
            found = [f for r in masked.results for f in to_mask(self.mask.rules[r.guard], r.findings)]
            if found:
                verdict.text = vault.mask(text, found)
                verdict.masked = sorted({f.category for f in found})
                verdict.reasons.append("pii: " + ", ".join(verdict.masked) + " replaced by placeholders")
        # Screened on the person's own words, not the masked text: the guards were trained and measured on raw
        # text, and the mask replaces every name-like word, German nouns included ("vergiss alles" can become
        # "[PERSON_1]"), which hid payloads (deepset val recall 0.846 on raw text, 0.731 masked; the diary
        # docs/eval/experiments/injection-ordinary-prompts.md). Scores and reasons hold no text, so nothing raw is
        # logged or stored; the model and the database still get only the masked text.
        screened = self.screen.check(text)
        verdict.scores = {r.guard: r.risk for r in screened.results if not r.error}
        verdict.reasons += screened.reasons
        if any(r.error for r in screened.results):
            return self._failed(verdict, [])
        for name in self.guard_names:
            if name in screened.fired:
                verdict.refusal, verdict.refused_by = self.refusals.get(name) or CHECK_FAILED, name
                break
        return verdict

    @staticmethod
    def _failed(verdict: InputVerdict, reasons: list[str]) -> InputVerdict:
        verdict.reasons += reasons
        verdict.refusal, verdict.refused_by = CHECK_FAILED, "error"
        return verdict


def mask_rule(threshold: float, names: str = "private") -> Rule:
    """The mask's rule: every type is masked (`redact`) at `threshold`; with names="private" (INPUT_PII_NAMES) a
    name on its own is left as written (`allow`), "all" masks every name."""
    return Rule(threshold, Action.REDACT, {} if names == "all" else {"PERSON": CategoryRule(None, Action.ALLOW)})


def masks(rule: Rule, finding) -> bool:
    threshold, action = rule.for_category(finding.category)
    return finding.score >= threshold and action is not Action.ALLOW


def to_mask(rule: Rule, findings: list) -> list:
    """The findings of one guard's scan of a message that become placeholders under the mask's `rule`."""
    if any(masks(rule, f) and f.category in DIRECT_IDENTIFIERS for f in findings):
        # A message with an identifier in it: a name there may be whose it is ("I'm Jane Roe, my card is ..."),
        # so every finding goes, names on their own included.
        return [f for f in findings if f.score >= rule.for_category(f.category)[0]]
    return [f for f in findings if masks(rule, f)]  # a private person's name goes alone: "Star Wars" beside it stays


def InputGuards(injection: Guard | None, toxicity: Guard | None, pii: Guard | None, injection_threshold: float = 0.5,
                toxicity_threshold: float = 0.5, pii_threshold: float = 0.5, timeout_s: float = 10.0,
                mask_names: str = "private") -> InputChecks:
    """Input checks from loaded guards and plain thresholds (tests and benchmarks; the app uses wiring.build).
    `mask_names` as INPUT_PII_NAMES: "private" leaves a name on its own as written, "all" masks every name."""
    screen = [(g, t, r) for g, t, r in ((toxicity, toxicity_threshold, TOXIC_REFUSAL),
                                        (injection, injection_threshold, INJECTION_REFUSAL)) if g is not None]
    policy = Policy([g for g, _, _ in screen], {g.name: Rule(t, Action.HOLD) for g, t, _ in screen}, timeout_s=timeout_s)
    mask = Policy([pii], {pii.name: mask_rule(pii_threshold, mask_names)}, timeout_s=timeout_s) if pii is not None else None
    return InputChecks(policy, {g.name: r for g, _, r in screen}, mask)
