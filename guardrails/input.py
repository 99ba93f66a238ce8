"""Checks on the person's message before it reaches the model: injection, toxicity, personal data."""

from __future__ import annotations

from dataclasses import dataclass, field

from guardrails.base import Guard
from guardrails.vault import Vault

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


class InputGuards:
    def __init__(self, injection: Guard | None, toxicity: Guard | None, pii: Guard | None,
                 injection_threshold: float = 0.5, toxicity_threshold: float = 0.5, pii_threshold: float = 0.5):
        self.injection, self.toxicity, self.pii = injection, toxicity, pii
        self.injection_threshold = injection_threshold
        self.toxicity_threshold = toxicity_threshold
        self.pii_threshold = pii_threshold

    def check(self, text: str, vault: Vault) -> InputVerdict:
        """Raises if a guard fails; the caller refuses the message then (fail closed)."""
        verdict = InputVerdict(text=text)
        if self.pii is not None:
            found = [f for f in self.pii.scan(text).findings if f.score >= self.pii_threshold]
            if found:
                verdict.text = vault.mask(text, found)
                verdict.reasons.append("pii: " + ", ".join(sorted({f.category for f in found})) + " replaced by placeholders")
        # Scored on the masked text, so scores and logs never hold the raw personal data.
        refusals = []
        if self.toxicity is not None:
            verdict.scores["toxicity"] = score = self.toxicity.scan(verdict.text).risk
            if score >= self.toxicity_threshold:
                refusals.append(TOXIC_REFUSAL)
                verdict.reasons.append(f"toxicity {score:.2f} ≥ {self.toxicity_threshold:.2f}")
        if self.injection is not None:
            verdict.scores["injection"] = score = self.injection.scan(verdict.text).risk
            if score >= self.injection_threshold:
                refusals.append(INJECTION_REFUSAL)
                verdict.reasons.append(f"injection {score:.2f} ≥ {self.injection_threshold:.2f}")
        # Abuse is named first: it is the more certain of the two when both fire.
        verdict.refusal = refusals[0] if refusals else None
        return verdict
