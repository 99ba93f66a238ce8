"""Generation in worker processes (CHAT_PROCESSES), so that replies use every core.

Why: ONNX Runtime GenAI's Python binding holds the GIL while it computes a token, so replies generated
by threads of one process take turns on one core. Measured here (2 cores, 128 greedy tokens, the
embedded model): one stream 68 tokens/s; two or four threads of one process 71-73 tokens/s together;
two processes side by side 76 tokens/s each. docs/eval/experiments/engine-onnx.md has the app's figures.

Each worker is `python -m models.workers`: it loads the configured engine once (load_chat_model, the
same code the app would run in process) and serves any number of replies at once, each in its own
thread. The app's process talks to it through the worker's stdin and stdout, one JSON object per line;
the worker's own stdout is moved to stderr first, so nothing a library prints can break a message. A
reply goes to the worker with the fewest replies running. Fail closed: a worker that dies, answers with
an error or goes quiet for PIECE_TIMEOUT_S makes the reply raise ModelError (the chat service then holds
back what was not yet checked), and the worker is started again for the next replies. A worker ends
when its stdin closes, so none outlives the app.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from models.chat import PIECE_TIMEOUT_S, GenerationSettings, ModelError

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
LOAD_TIMEOUT_S = 1800.0  # a first start converts the model (minutes on a slow machine); later starts take a second


class _Worker:
    """One worker process, the replies it is running, and the thread that reads its answers."""

    def __init__(self, spec: dict, number: int):
        self.number = number
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))}
        self.proc = subprocess.Popen([sys.executable, "-m", "models.workers"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     cwd=os.getcwd(), env=env, text=True, encoding="utf-8", bufsize=1)
        self.replies: dict[int, queue.Queue] = {}
        self.lock = threading.Lock()  # one writer at a time on stdin; replies added and removed under it
        self.ready = threading.Event()
        self.name = ""
        self.failure = ""
        self.send({"load": spec})
        self.reader = threading.Thread(target=self._read, name=f"chat-worker-{number}", daemon=True)
        self.reader.start()

    def send(self, message: dict) -> bool:
        try:
            with self.lock:
                self.proc.stdin.write(json.dumps(message) + "\n")
                self.proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError, ValueError):  # the worker is gone; its reader reports it
            return False

    def _read(self) -> None:
        for line in self.proc.stdout:
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                continue
            if "ready" in message:
                self.name = message["ready"]
                self.ready.set()
            elif "failed" in message:
                self.failure = message["failed"]
            else:
                with self.lock:
                    answers = self.replies.get(message.get("id"))
                if answers is not None:
                    answers.put(message)
        code = self.proc.wait()
        self.failure = self.failure or f"the chat worker process ended (exit code {code})"
        self.ready.set()  # wake whoever waits for it to load
        with self.lock:
            waiting, self.replies = list(self.replies.values()), {}
        for answers in waiting:
            answers.put({"error": self.failure})

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None and not self.failure

    def stop(self) -> None:
        try:
            self.proc.stdin.close()  # the worker ends when its input ends
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class ProcessChatEngine:
    """The ChatEngine protocol (models/chat.py) over `processes` worker processes running the engine `spec`
    names (the keyword arguments of load_chat_model). The constructor starts them and returns at once;
    wait_ready() waits until every one has loaded the model, so the app loads its guards meanwhile."""

    def __init__(self, spec: dict, processes: int, settings: GenerationSettings):
        self.settings = settings
        self.name = ""
        self._pool = {"spec": spec, "workers": [_Worker(spec, i) for i in range(processes)], "lock": threading.Lock(),
                      "ids": itertools.count()}

    def wait_ready(self, timeout_s: float = LOAD_TIMEOUT_S) -> ProcessChatEngine:
        for worker in self._pool["workers"]:
            if not worker.ready.wait(timeout_s):
                self.close()
                raise RuntimeError(f"the chat model did not load in its worker process within {timeout_s:g} s")
            if worker.failure:
                self.close()
                raise RuntimeError(worker.failure)
        self.name = self._pool["workers"][0].name
        return self

    def close(self) -> None:
        for worker in self._pool["workers"]:
            worker.stop()

    def with_settings(self, settings: GenerationSettings) -> ProcessChatEngine:
        other = object.__new__(ProcessChatEngine)
        other.__dict__.update(self.__dict__)
        other.settings = settings
        return other

    def _worker(self) -> _Worker:
        """The live worker with the fewest replies running; a dead one is replaced (its next replies wait
        for the new one to load)."""
        pool = self._pool
        with pool["lock"]:
            for i, worker in enumerate(pool["workers"]):
                if not worker.alive and worker.ready.is_set():
                    log.warning("chat worker %d: %s; starting it again", worker.number, worker.failure)
                    worker.stop()
                    pool["workers"][i] = _Worker(pool["spec"], worker.number)
            worker = min(pool["workers"], key=lambda w: (not w.ready.is_set(), len(w.replies)))
        if not worker.ready.wait(PIECE_TIMEOUT_S) or worker.failure:
            raise ModelError(f"no chat worker process is running ({worker.failure or 'it did not load in time'})")
        return worker

    def stream(self, history: list[dict], stop: threading.Event | None = None, *, seed: int | None = None) -> Iterator[str]:
        stop = stop or threading.Event()
        worker = self._worker()
        reply, answers, finished = next(self._pool["ids"]), queue.Queue(), False
        with worker.lock:
            worker.replies[reply] = answers
        try:
            request = {"id": reply, "history": [{"role": m["role"], "content": m["content"]} for m in history],
                       "settings": dataclasses.asdict(self.settings), "seed": seed}
            if not worker.send(request):
                raise ModelError(f"the chat worker process is gone ({worker.failure or 'its input is closed'})")
            while not stop.is_set():
                try:
                    message = answers.get(timeout=PIECE_TIMEOUT_S)
                except queue.Empty as exc:
                    raise ModelError(f"the model stopped responding (nothing for {PIECE_TIMEOUT_S:g} s)") from exc
                if "error" in message:
                    finished = True
                    raise ModelError(f"the model failed while generating: {message['error']}")
                if message.get("done"):
                    finished = True
                    return
                yield message["piece"]
        finally:
            stop.set()
            if not finished:
                worker.send({"id": reply, "stop": True})  # the worker ends that reply at its next token
            with worker.lock:
                worker.replies.pop(reply, None)

    def reply(self, history: list[dict], *, seed: int | None = None) -> str:
        return "".join(self.stream(history, seed=seed))


# -- the worker process ----------------------------------------------------------------------------------

def serve(lines, write) -> None:
    """Read requests from `lines`, write answers with `write(dict)`: the worker's loop (a function, so it
    reads as what the protocol is)."""
    from models.engines import load_chat_model

    first = json.loads(next(lines))
    spec = dict(first["load"])
    spec["settings"] = GenerationSettings(**spec["settings"])
    try:
        model = load_chat_model(**spec)
    except Exception as exc:  # the app's start-up message names the reason
        write({"failed": f"{type(exc).__name__}: {exc}" if not isinstance(exc, (RuntimeError, ValueError)) else str(exc)})
        return
    write({"ready": model.name})
    stops: dict[int, threading.Event] = {}

    def generate(reply: int, history: list[dict], settings: dict, seed: int | None, stop: threading.Event) -> None:
        try:
            for piece in model.with_settings(GenerationSettings(**settings)).stream(history, stop, seed=seed):
                write({"id": reply, "piece": piece})
            write({"id": reply, "done": True})
        except Exception as exc:  # ModelError or anything else: the app side fails closed
            write({"id": reply, "error": str(exc) if isinstance(exc, ModelError) else f"{type(exc).__name__}: {exc}"})
        finally:
            stops.pop(reply, None)

    for line in lines:
        message = json.loads(line)
        if message.get("stop"):
            stop = stops.get(message["id"])
            if stop is not None:
                stop.set()
            continue
        stop = stops[message["id"]] = threading.Event()
        threading.Thread(target=generate, args=(message["id"], message["history"], message["settings"],
                                                message.get("seed"), stop), daemon=True).start()
    for stop in list(stops.values()):  # the app is gone: stop what is running
        stop.set()


def main() -> int:
    # The answers go to a copy of stdout; stdout itself (fd 1, which native libraries print to) goes to stderr.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the app's terminal ends the app; the worker follows when its stdin closes
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s chat-worker: %(message)s")
    lock = threading.Lock()

    def write(message: dict) -> None:
        with lock:
            try:
                channel.write(json.dumps(message) + "\n")
                channel.flush()
            except (BrokenPipeError, OSError, ValueError):  # the app is gone; the loop ends when stdin closes
                pass

    serve(iter(sys.stdin.readline, ""), write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
