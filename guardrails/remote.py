"""A guard served by a worker process: the same Guard interface, its work done on another core.

Why (PII_PROCESS): presidio and spaCy take about 2.7 s to load here, and the app's own process spends
about 3 s importing gradio; in one process those add up under Python's GIL, in two they overlap. Once
running, the worker's scans use the second core instead of taking turns with the app's Python.

The worker is any command that speaks this protocol on its stdin and stdout, one JSON object per line
(the app's is `python -m wiring.guard_worker pii`, which builds the guard from the settings it is sent):
- it reads {"settings": {...}} first, then prints {"ready": {"model": ...}} or {"failed": "why"};
- then it answers {"id": n, "op": "scan" | "redact" | "risks", ...} with {"id": n, "result": ...} or
  {"id": n, "error": "why"}, in any order, several at once.
Fail closed: a worker that fails to start, dies, answers with an error or takes longer than CALL_TIMEOUT_S
makes the call raise, and the policy holds the reply ("guard failed"). The next call starts a new worker.
A worker ends when its stdin closes, so none outlives the app.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import subprocess
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict

from guardrails.base import Guard
from guardrails.types import Finding, GuardResult, ScanContext

log = logging.getLogger(__name__)
START_TIMEOUT_S = 600.0  # a first start may export or download models; later starts take seconds
CALL_TIMEOUT_S = 120.0  # frees the caller's thread if a worker hangs; the policy's own timeout holds the reply first


class GuardWorkerError(RuntimeError):
    """The worker could not start, died, or failed on a call."""


class _Run:
    """One worker process and what belongs to it: the calls waiting for its answers, whether it is ready."""

    def __init__(self, proc: subprocess.Popen):
        self.proc = proc
        self.pending: dict[int, Future] = {}
        self.ready = threading.Event()
        self.failure = ""
        self.model = ""


class RemoteGuard(Guard):
    def __init__(self, name: str, command: list[str], settings: dict, uses_context: bool = False,
                 env: dict[str, str] | None = None, cwd: str | None = None):
        self.name = name
        self.uses_context = uses_context
        self._command, self._settings, self._env, self._cwd = command, settings, env, cwd
        self._ids = itertools.count()
        self._lock = threading.Lock()  # one writer on stdin; the worker and its pending calls swap under it
        self._model = ""
        self._start()

    # -- the worker ---------------------------------------------------------------------------------------

    def _start(self) -> None:
        proc = subprocess.Popen(self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=self._env,
                                cwd=self._cwd, text=True, encoding="utf-8", bufsize=1)
        self._run = run = _Run(proc)
        proc.stdin.write(json.dumps({"settings": self._settings}) + "\n")
        proc.stdin.flush()
        threading.Thread(target=self._read, args=(run,), name=f"{self.name}-worker-reader", daemon=True).start()

    def _read(self, run: _Run) -> None:
        for line in run.proc.stdout:
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                continue
            if "ready" in message:
                run.model = self._model = message["ready"].get("model", "")
                run.ready.set()
            elif "failed" in message:
                run.failure = message["failed"]
            else:
                with self._lock:
                    future = run.pending.pop(message.get("id"), None)
                if future is not None:
                    if "error" in message:
                        future.set_exception(GuardWorkerError(message["error"]))
                    else:
                        future.set_result(message.get("result"))
        code = run.proc.wait()
        run.failure = run.failure or f"the {self.name} guard's worker process ended (exit {code})"
        run.ready.set()  # wake anyone waiting for a start that will not come
        with self._lock:
            gone = list(run.pending.values())
            run.pending.clear()
        for future in gone:
            future.set_exception(GuardWorkerError(run.failure))
        if gone:
            log.error("%s: %d check(s) failed", run.failure, len(gone))

    def wait_ready(self, timeout: float = START_TIMEOUT_S) -> RemoteGuard:
        """Block until the worker has built its guard; raises GuardWorkerError with the worker's reason."""
        run = self._run
        if not run.ready.wait(timeout):
            raise GuardWorkerError(f"the {self.name} guard's worker did not start within {timeout:g}s")
        if run.proc.poll() is not None or not run.model:
            raise GuardWorkerError(run.failure or f"the {self.name} guard's worker process ended")
        return self

    def close(self) -> None:
        proc = self._run.proc
        try:
            proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()

    @property
    def pid(self) -> int:
        return self._run.proc.pid

    def _call(self, op: str, **payload):
        with self._lock:
            dead = self._run.proc.poll() is not None
        if dead:  # it died since the last call: start a new one for this call and the later ones
            log.warning("starting the %s guard's worker again: %s", self.name, self._run.failure or "it ended")
            with self._lock:
                if self._run.proc.poll() is not None:
                    self._start()
        self.wait_ready()
        run, future = self._run, Future()
        with self._lock:
            number = next(self._ids)
            run.pending[number] = future
            try:
                run.proc.stdin.write(json.dumps({"id": number, "op": op, **payload}) + "\n")
                run.proc.stdin.flush()
            except (BrokenPipeError, OSError, ValueError) as exc:
                run.pending.pop(number, None)
                raise GuardWorkerError(f"the {self.name} guard's worker is gone ({exc})") from None
        try:
            return future.result(timeout=CALL_TIMEOUT_S)
        except FutureTimeout:
            with self._lock:
                run.pending.pop(number, None)
            raise GuardWorkerError(f"the {self.name} guard's worker did not answer within {CALL_TIMEOUT_S:g}s") from None

    # -- the Guard interface ------------------------------------------------------------------------------

    @property
    def model_name(self) -> str:
        return self._model or f"{self.name} (worker process starting)"

    def scan(self, text: str, context: ScanContext | None = None) -> GuardResult:
        return GuardResult.from_dict(self._call("scan", text=text, context=asdict(context) if context else None))

    def risks(self, texts: list[str]) -> list[float]:
        return list(self._call("risks", texts=texts))

    def redact(self, text: str, findings: list[Finding]) -> str:
        return self._call("redact", text=text, findings=[f.to_dict() for f in findings])


def worker_env(root: str) -> dict[str, str]:
    """The process environment with `root` first on PYTHONPATH, so `python -m ...` finds the project."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH", "")]))}
