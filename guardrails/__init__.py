"""Guards that check text before a person sees it, and the policy that combines them."""

from guardrails.types import Action, Finding, GuardResult, Verdict

__all__ = ["Action", "Finding", "GuardResult", "Verdict"]
