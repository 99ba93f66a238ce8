"""The policy: run every guard, apply per-guard thresholds and actions, fail closed."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from guardrails.base import Guard
from guardrails.types import Action, GuardResult, Verdict

log = logging.getLogger(__name__)

# When several guards fire, the strictest action wins.
_SEVERITY = {Action.ALLOW: 0, Action.REDACT: 1, Action.HOLD: 2}


@dataclass(frozen=True)
class Rule:
    """A guard fires when any of its findings scores at or above `threshold`."""

    threshold: float
    action: Action


class Policy:
    def __init__(self, guards: list[Guard], rules: dict[str, Rule], timeout_s: float = 10.0):
        missing = [g.name for g in guards if g.name not in rules]
        if missing:
            raise ValueError(f"no policy rule for guard(s): {', '.join(missing)}")
        for g in guards:
            if rules[g.name].action is Action.REDACT and type(g).redact is Guard.redact:
                raise ValueError(f"the {g.name} guard cannot redact; set its action to 'hold' or 'allow'")
        if sum(rules[g.name].action is Action.REDACT for g in guards) > 1:
            # Each guard's spans are offsets into the original text; two
            # redactions in turn would shift each other's offsets.
            raise ValueError("only one guard may use the 'redact' action")
        self.guards = guards
        self.rules = rules
        self.timeout_s = timeout_s
        # Threads live as long as the policy; a guard that hangs keeps its
        # thread but the reply is held once the timeout passes.
        self._pool = ThreadPoolExecutor(max_workers=max(4, 2 * len(guards)), thread_name_prefix="guard")

    def check(self, text: str) -> Verdict:
        futures = [(g, self._pool.submit(g.scan, text)) for g in self.guards]
        results = [self._collect(g, fut) for g, fut in futures]

        action, reasons, fired, shown = Action.ALLOW, [], [], text
        for guard, result in zip(self.guards, results):
            if result.error:
                action = Action.HOLD
                reasons.append(f"{guard.name}: guard failed ({result.error}); held for safety")
                fired.append(guard.name)
                continue
            rule = self.rules[guard.name]
            hits = [f for f in result.findings if f.score >= rule.threshold]
            if not hits:
                continue
            fired.append(guard.name)
            top = max(hits, key=lambda f: f.score)
            reasons.append(f"{guard.name}: {top.category} {top.score:.2f} ≥ {rule.threshold:.2f} ({rule.action.value})")
            if rule.action is Action.REDACT:
                shown = guard.redact(text, hits)
            if _SEVERITY[rule.action] > _SEVERITY[action]:
                action = rule.action
        if action is Action.HOLD:
            shown = ""
        elif action is Action.ALLOW:
            shown = text
        thresholds = {g.name: self.rules[g.name].threshold for g in self.guards}
        return Verdict(action=action, text=shown, results=results, reasons=reasons, fired=fired, thresholds=thresholds)

    def _collect(self, guard: Guard, future) -> GuardResult:
        try:
            return future.result(timeout=self.timeout_s)
        except FutureTimeout:
            log.error("guard %s timed out after %.1fs", guard.name, self.timeout_s)
            return GuardResult(guard=guard.name, model=guard.model_name, error=f"timed out after {self.timeout_s:g}s")
        except Exception as exc:
            log.exception("guard %s raised", guard.name)
            return GuardResult(guard=guard.name, model=guard.model_name, error=f"{type(exc).__name__}: {exc}"[:300])
