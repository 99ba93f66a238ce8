"""The vocabulary shared by guards, the policy and the review queue."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum


class Action(str, Enum):
    """What the policy does with a reply when a guard fires."""

    ALLOW = "allow"  # show it anyway; the finding is only recorded
    REDACT = "redact"  # show it with the flagged spans replaced
    HOLD = "hold"  # show nothing; send it to the review queue


@dataclass(frozen=True)
class Finding:
    """One reason a guard gives: a toxicity category or a PII span."""

    category: str
    score: float
    start: int | None = None  # character offsets, for spans
    end: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class GuardResult:
    """What one guard says about one text.

    Every guard returns this same shape (as in llm-guard's scanners), so the
    policy treats them alike. `error` is set when the guard could not decide;
    the policy holds such a reply (fail closed).
    """

    guard: str
    model: str
    scores: dict[str, float] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None

    @property
    def risk(self) -> float:
        return max(self.scores.values(), default=0.0)

    @classmethod
    def from_dict(cls, data: dict) -> GuardResult:
        """The inverse of to_dict (a guard in a worker process sends its results this way)."""
        return cls(guard=data["guard"], model=data["model"], scores=dict(data.get("scores") or {}),
                   findings=[Finding(**f) for f in data.get("findings") or []], error=data.get("error"))

    def to_dict(self) -> dict:
        return {
            "guard": self.guard,
            "model": self.model,
            "scores": self.scores,
            "findings": [f.to_dict() for f in self.findings],
            "error": self.error,
        }


@dataclass(frozen=True)
class ScanContext:
    """What a guard may know besides the text: the person's message the reply answers, as they wrote it
    (kept in memory only). The PII guard uses it: a name the person wrote themselves is not leaked.

    `every_name`: the caller uses every name found, not only those that change a decision (the input
    mask replaces each one with a placeholder; `evaluate pii` scores finding them), so a PII guard that
    looks for names only where they matter (PIIGuard(lazy_names=True)) looks for all of them.

    `own_message`: the text is the person's own message (the input mask), so a name they give as their
    own ("I'm Maria Gonzalez") is private (rule 3 of guardrails/recognizers/private_person.py)."""

    prompt: str = ""
    every_name: bool = False
    own_message: bool = False


@dataclass
class Verdict:
    """The policy's decision about one text."""

    action: Action
    text: str  # what may be shown: the original, or the redacted text
    results: list[GuardResult]
    reasons: list[str]  # human-readable, e.g. "toxicity: insult 0.91 ≥ 0.50"
    fired: list[str] = field(default_factory=list)  # names of guards that fired
    thresholds: dict[str, float] = field(default_factory=dict)  # per guard, as applied

    @property
    def held(self) -> bool:
        return self.action is Action.HOLD
