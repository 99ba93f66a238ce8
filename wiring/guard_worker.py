"""`python -m wiring.guard_worker NAME`: one registered guard served over stdin/stdout (PII_PROCESS).

The app starts it through guardrails/remote.py (RemoteGuard), which documents the protocol. The guard is
built from the settings the app sends, by the same registry as in the app's process, so it is the same
guard; only where it runs differs. Calls run in threads (the Policy checks several texts at once), and the
worker ends when its stdin closes.
"""

from __future__ import annotations

import gc
import json
import logging
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from guardrails.registry import spec
from guardrails.types import Finding, ScanContext
from wiring.settings import Settings

THREADS = 4  # as many checks at once as the app's policies submit to one guard
WARM_UP = "Hi, I'm Anna Smith from Berlin; call me on 030 1234567 or write to anna.smith@mailbox.org."


def handle(guard, message: dict):
    op = message.get("op")
    if op == "scan":
        context = message.get("context")
        if context is not None and getattr(guard, "uses_context", False):
            return guard.scan(message["text"], ScanContext(**context)).to_dict()
        return guard.scan(message["text"]).to_dict()
    if op == "redact":
        return guard.redact(message["text"], [Finding(**f) for f in message["findings"]])
    if op == "risks":
        return [float(r) for r in guard.risks(message["texts"])]
    raise ValueError(f"unknown operation {op!r}")


def serve(name: str, requests, out) -> int:
    lock = threading.Lock()

    def send(message: dict) -> None:
        with lock:
            out.write(json.dumps(message) + "\n")
            out.flush()

    first = requests.readline()
    try:
        settings = Settings.model_validate(json.loads(first)["settings"])
        guard = spec(name).build(settings)
    except Exception as exc:  # the app reports it and refuses to start (or holds the replies)
        send({"failed": f"the {name} guard could not be built in its worker: {type(exc).__name__}: {exc}"[:500]})
        return 1
    # As in the app (app/main.py, freeze_startup_objects): the models' objects are left out of later
    # garbage collections, which would otherwise pause every check for a third of a second.
    gc.collect()
    gc.freeze()
    send({"ready": {"model": guard.model_name}})
    # One check before the first real one: spaCy's first call costs about 130 ms here. It runs while the
    # app builds its UI, so the first person's reply does not wait for it.
    try:
        handle(guard, {"op": "scan", "text": WARM_UP, "context": {"prompt": "", "every_name": True}})
    except Exception:
        logging.getLogger(__name__).exception("%s worker: the warm-up check failed", name)

    def run(message: dict) -> None:
        try:
            send({"id": message.get("id"), "result": handle(guard, message)})
        except Exception as exc:
            logging.getLogger(__name__).exception("%s worker: %s failed", name, message.get("op"))
            send({"id": message.get("id"), "error": f"{type(exc).__name__}: {exc}"[:300]})

    with ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix=f"{name}-check") as pool:
        for line in requests:
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                continue
            pool.submit(run, message)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m wiring.guard_worker GUARD_NAME (started by the app; see guardrails/remote.py)",
              file=sys.stderr)
        return 2
    out = sys.stdout
    sys.stdout = sys.stderr  # whatever a library prints goes to the log, never into the answers
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s %(levelname)s {argv[0]}-worker %(name)s: %(message)s")
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    return serve(argv[0], sys.stdin, out)


if __name__ == "__main__":
    sys.exit(main())
