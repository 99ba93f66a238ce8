"""The one interface every guard implements."""

from __future__ import annotations

from abc import ABC, abstractmethod

from guardrails.types import Finding, GuardResult


class Guard(ABC):
    """Text in, a GuardResult out. Thresholds live in the policy, not here."""

    name: str = "guard"
    # True for a guard whose scan(text, context) takes a ScanContext; the Policy passes it only to those.
    uses_context: bool = False

    @property
    @abstractmethod
    def model_name(self) -> str:
        """Which model backs this guard, for logs, the review tab and the model card."""

    @abstractmethod
    def scan(self, text: str) -> GuardResult:
        """Score `text`. May raise; the policy turns an exception into a hold."""

    def risks(self, texts: list[str]) -> list[float]:
        """The risk score of each text; guards with batched models override this for speed."""
        return [self.scan(t).risk for t in texts]

    def redact(self, text: str, findings: list[Finding]) -> str:
        """Return `text` with `findings` masked. Guards without spans cannot redact."""
        raise NotImplementedError(f"the {self.name} guard has no spans to redact; use hold or allow")
