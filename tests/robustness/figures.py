"""The robustness figures: counted by the tests as they run, printed by `python -m tests.robustness`.

A fault counts as survived only when the test that injected it got past all its assertions, so a
failing test shows up as injected > survived. Items lost and unauthorized successes are counted by
the tests before they assert them to be 0.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections import Counter

FILE_VARIABLE = "ROBUSTNESS_FIGURES"  # where the counts go, one JSON file per run


class Figures:
    def __init__(self):
        self.inputs: Counter = Counter()  # what was generated -> how many
        self.faults_injected: Counter = Counter()
        self.faults_survived: Counter = Counter()
        self.items_checked: Counter = Counter()  # acknowledged items and decisions looked for afterwards
        self.items_lost: Counter = Counter()
        self.unauthorized_tried: Counter = Counter()
        self.unauthorized_succeeded: Counter = Counter()
        self._lock = threading.Lock()

    def input(self, what: str, n: int = 1) -> None:
        with self._lock:
            self.inputs[what] += n

    @contextlib.contextmanager
    def fault(self, what: str, n: int = 1):
        with self._lock:
            self.faults_injected[what] += n
        yield
        with self._lock:
            self.faults_survived[what] += n

    def lost(self, what: str, checked: int, lost: int) -> None:
        with self._lock:
            self.items_checked[what] += checked
            self.items_lost[what] += lost

    def unauthorized(self, what: str, tried: int, succeeded: int) -> None:
        with self._lock:
            self.unauthorized_tried[what] += tried
            self.unauthorized_succeeded[what] += succeeded

    def to_dict(self) -> dict:
        return {k: dict(v) for k, v in vars(self).items() if isinstance(v, Counter)}

    def save(self) -> None:
        path = os.environ.get(FILE_VARIABLE)
        if path:
            with open(path, "w") as f:
                json.dump(self.to_dict(), f, indent=1)


FIGURES = Figures()


def scale() -> float:
    """ROBUSTNESS_SCALE=1 (make robustness) runs the full 10,000+ generated inputs; the ordinary test
    run uses a tenth so the whole suite stays quick."""
    return float(os.environ.get("ROBUSTNESS_SCALE", "0.1"))


def examples(full: int) -> int:
    return max(5, int(full * scale()))
