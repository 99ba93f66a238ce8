"""The policy: run every guard, apply per-guard thresholds and actions, fail closed."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

from guardrails.base import Guard
from guardrails.types import Action, Finding, GuardResult, ScanContext, Verdict

log = logging.getLogger(__name__)

# When several guards fire, the strictest action wins.
_SEVERITY = {Action.ALLOW: 0, Action.REDACT: 1, Action.HOLD: 2}


@dataclass(frozen=True)
class CategoryRule:
    """One category's (toxicity category, PII entity type) own rule; threshold None = the guard's."""

    threshold: float | None
    action: Action


@dataclass(frozen=True)
class Rule:
    """A guard fires when any of its findings scores at or above its threshold.

    `categories` gives some categories their own action (and threshold): the PII guard holds a reply
    for a phone number but only records a name on its own (guardrails/pii.py, DEFAULT_ENTITY_ACTIONS).
    A finding whose action is `allow` is recorded in the verdict's results and never fires the guard.
    """

    threshold: float
    action: Action
    categories: Mapping[str, CategoryRule] = field(default_factory=dict)

    def for_category(self, category: str) -> tuple[float, Action]:
        own = self.categories.get(category)
        if own is None:
            return self.threshold, self.action
        return (self.threshold if own.threshold is None else own.threshold), own.action

    def actions(self) -> set[Action]:
        return {self.action, *(c.action for c in self.categories.values())}


class Policy:
    def __init__(self, guards: list[Guard], rules: dict[str, Rule], timeout_s: float = 10.0):
        missing = [g.name for g in guards if g.name not in rules]
        if missing:
            raise ValueError(f"no policy rule for guard(s): {', '.join(missing)}")
        for g in guards:
            if Action.REDACT in rules[g.name].actions() and type(g).redact is Guard.redact:
                raise ValueError(f"the {g.name} guard cannot redact; set its action to 'hold' or 'allow'")
        if sum(Action.REDACT in rules[g.name].actions() for g in guards) > 1:
            # Each guard's spans are offsets into the original text; two
            # redactions in turn would shift each other's offsets.
            raise ValueError("only one guard may use the 'redact' action")
        self.guards = guards
        self.rules = rules
        self.timeout_s = timeout_s
        # Threads live as long as the policy; a guard that hangs keeps its
        # thread but the reply is held once the timeout passes.
        self._pool = ThreadPoolExecutor(max_workers=max(4, 2 * len(guards)), thread_name_prefix="guard")

    def guard(self, name: str) -> Guard:
        """The guard registered under `name` (guards are looked up by name, never by position)."""
        for g in self.guards:
            if g.name == name:
                return g
        raise KeyError(f"no guard named {name!r} in this policy (has: {', '.join(g.name for g in self.guards)})")

    def check(self, text: str, context: ScanContext | None = None) -> Verdict:
        futures = [(g, self._submit(g, text, context)) for g in self.guards]
        results = [self._collect(g, fut) for g, fut in futures]

        action, reasons, fired, shown = Action.ALLOW, [], [], text
        for guard, result in zip(self.guards, results, strict=True):
            if result.error:
                action = Action.HOLD
                reasons.append(f"{guard.name}: guard failed ({result.error}); held for safety")
                fired.append(guard.name)
                continue
            rule = self.rules[guard.name]
            hits = _hits(rule, result.findings)
            if not hits:
                continue
            fired.append(guard.name)
            # The finding that decides: the strictest action, then the highest score.
            top, (limit, act) = max(hits, key=lambda h: (_SEVERITY[h[1][1]], h[0].score))
            reasons.append(f"{guard.name}: {top.category} {top.score:.2f} ≥ {limit:.2f} ({act.value})")
            redacted = [f for f, (_, a) in hits if a is Action.REDACT]
            if redacted:
                shown = guard.redact(text, redacted)
            if _SEVERITY[act] > _SEVERITY[action]:
                action = act
        if action is Action.HOLD:
            shown = ""
        elif action is Action.ALLOW:
            shown = text
        thresholds = {g.name: self.rules[g.name].threshold for g in self.guards}
        return Verdict(action=action, text=shown, results=results, reasons=reasons, fired=fired, thresholds=thresholds)

    def _submit(self, guard: Guard, text: str, context: ScanContext | None):
        if context is not None and getattr(guard, "uses_context", False):
            return self._pool.submit(guard.scan, text, context)
        return self._pool.submit(guard.scan, text)

    def _collect(self, guard: Guard, future) -> GuardResult:
        try:
            return future.result(timeout=self.timeout_s)
        except FutureTimeout:
            log.error("guard %s timed out after %.1fs", guard.name, self.timeout_s)
            return GuardResult(guard=guard.name, model=guard.model_name, error=f"timed out after {self.timeout_s:g}s")
        except Exception as exc:
            log.exception("guard %s raised", guard.name)
            return GuardResult(guard=guard.name, model=guard.model_name, error=f"{type(exc).__name__}: {exc}"[:300])


def _hits(rule: Rule, findings: list[Finding]) -> list[tuple[Finding, tuple[float, Action]]]:
    """Each finding at or above its threshold, with the threshold and action that apply to it."""
    out = []
    for f in findings:
        limit, act = rule.for_category(f.category)
        if f.score < limit:
            continue
        # A category set to 'allow' (a name on its own) is only recorded in the results: it neither fires
        # the guard nor gives a reason. A guard whose own rule is 'allow' still fires with an '(allow)'
        # reason, so an operator can watch what it would hold before switching it on.
        if act is Action.ALLOW and f.category in rule.categories:
            continue
        out.append((f, (limit, act)))
    return out
