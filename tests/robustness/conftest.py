"""Fixtures for the robustness suite: the figures it counts, and one real app server, started offline."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.robustness.figures import FIGURES


@pytest.fixture(scope="session")
def figures():
    yield FIGURES
    FIGURES.save()


ROOT = Path(__file__).resolve().parents[2]

# The secrets the server is started with; test_server.py checks none of them reaches a log.
KEY = "Xk3vV4t1cQ0yqvQ5h1mX9bq0l7pV3r2mJ5n8w6s4u2E="
SECRETS = {"moderator password": "correct horse battery staple", "admin password": "an admin's long passphrase",
           "REVIEW_ENCRYPTION_KEY": KEY}


@pytest.fixture(scope="session")
def offline_server(tmp_path_factory):
    """One real app server with the real model, every non-loopback connection refused (tests/robustness/offline.py).

    Every reply is held (TOXICITY_THRESHOLD=0), so what a moderator releases is known; the chat limits
    are low so the tests can reach them; the hub is not told to stay offline, so an attempt to reach it
    would show in OFFLINE_LOG.
    """
    from tests.app.servers import AppServer

    class OfflineServer(AppServer):
        module = "tests.robustness.offline"

    workdir = tmp_path_factory.mktemp("offline")
    server = OfflineServer(
        workdir, OFFLINE_LOG=str(workdir / "refused.log"), HF_HUB_OFFLINE="0", TRANSFORMERS_OFFLINE="0",
        GRADIO_ANALYTICS_ENABLED="True", TOXICITY_THRESHOLD="0", MAX_NEW_TOKENS="12",
        CHAT_MESSAGES_PER_SESSION="2", CHAT_MESSAGES_PER_IP="4", CHAT_RATE_WINDOW_SECONDS="600",
        MAX_REQUEST_BYTES="300000", REVIEW_ENCRYPTION_KEY=KEY,
        # Every Python process the app starts (chat and PII workers) gets the same hook (offline.py).
        PYTHONPATH=os.pathsep.join([str(Path(__file__).parent / "offline_site"), str(ROOT)]),
    )
    server.refused_log = workdir / "refused.log"
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
