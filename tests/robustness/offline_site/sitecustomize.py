"""Imported by every Python process started with this folder on PYTHONPATH (tests/robustness/offline.py):
the app's worker processes refuse outside connections as its own process does."""

import os

if os.environ.get("OFFLINE_LOG"):
    from tests.robustness.offline import install

    install()
