"""Import presidio without transformers and torch, which the PII guard never uses.

presidio_analyzer's package imports its Transformers NLP engine and Hugging Face recognizer, and spaCy's
thinc imports torch, each inside try/except ImportError. Marking the two modules absent for that import
only (when nothing has imported them yet) takes about 10 s off the app's start on this machine:
`import presidio_analyzer, presidio_anonymizer, spacy` took 13.7 and 16.8 s, and 3.3 and 3.1 s so.
They import normally afterwards (sys.modules is restored), so a guard that does need torch still gets
it. The spaCy pipeline the guard loads is a CNN that needs neither.
"""

from __future__ import annotations

import contextlib
import sys

HEAVY = ("transformers", "torch")


@contextlib.contextmanager
def without_transformers():
    """Within this block, `import transformers` and `import torch` raise ImportError unless already imported."""
    blocked = [name for name in HEAVY if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # makes `import name` raise ImportError
    try:
        yield
    finally:
        for name in blocked:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]


def import_presidio() -> None:
    with without_transformers():
        import presidio_analyzer  # noqa: F401
        import presidio_anonymizer  # noqa: F401
