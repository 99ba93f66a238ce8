"""`python -m app`: the guard worker processes (PII_PROCESS) start first, so that presidio and spaCy
load on the other core while this process imports gradio (docs/performance.md, "The whole app")."""

import sys

from wiring.build import start_guard_workers
from wiring.settings import Settings

started = {}
if not {"-h", "--help"} & set(sys.argv[1:]):
    try:
        started = start_guard_workers(Settings.from_env())
    except ValueError:
        pass  # a bad setting: main() reports it in its own words

from app.main import main  # noqa: E402  (after the workers start: this import loads gradio)

sys.exit(main(started_guards=started))
