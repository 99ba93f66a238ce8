"""Shared fixtures: real models loaded once per run, real SQLite files, a real PostgreSQL server, real app servers."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import pytest

from guardrails.pii import PIIGuard
from guardrails.policy import Policy, Rule
from guardrails.toxicity import ToxicityGuard
from guardrails.types import Action
from review.db import make_engine
from review.queue import ReviewQueue


@pytest.fixture(scope="session")
def pii_guard() -> PIIGuard:
    return PIIGuard()


@pytest.fixture(scope="session")
def toxicity_guard() -> ToxicityGuard:
    """The shipped offline model: what runs wherever detoxify's weights cannot be downloaded."""
    from guardrails.toxicity_minilm import MiniLMToxicityModel

    return ToxicityGuard(MiniLMToxicityModel())


ROOT = Path(__file__).resolve().parents[1]

# What each marker (pytest.ini) needs, found from what a test uses, so that most tests are sorted
# without a decorator in each file; a test that starts a fresh Python process loading the models (a
# command line, an import check) carries @pytest.mark.slow by hand. `make test-fast` leaves out
# browser, postgres, llama and slow.
BROWSER_FIXTURES = {"page", "browser", "chromium", "console_page", "moderator_page"}
SERVER_FIXTURES = {"servers", "offline_server", "two_servers"}
SERVER_MODULES = {"test_sigkill_app.py"}  # starts its own app process


def pytest_collection_modifyitems(config, items):
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        params = getattr(getattr(item, "callspec", None), "params", {})
        module = Path(str(item.fspath)).name
        if "browser" in module or used & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
        if "postgres" in used or "postgresql" in params.values():
            item.add_marker(pytest.mark.postgres)
        if "llama_server" in used:
            item.add_marker(pytest.mark.llama)
        if used & SERVER_FIXTURES or module in SERVER_MODULES:
            item.add_marker(pytest.mark.slow)  # real app processes, each loading every model


def model_cache_dir() -> str:
    """The app's default model cache (what `python -m app` in the tests uses too), so the embedded
    model is converted to ONNX once per machine, not once per run or per server."""
    from models.engines import default_cache_dir

    folder = Path(default_cache_dir())
    return str(folder if folder.is_absolute() else ROOT / folder)


@pytest.fixture(scope="session")
def chat_model():
    """The default engine (ONNX Runtime GenAI) on the embedded model, greedy so a test sees the same reply every run."""
    from models.chat import GenerationSettings
    from models.engines import load_chat_model

    return load_chat_model(settings=GenerationSettings(temperature=0.0, max_new_tokens=48), cache_dir=model_cache_dir())


def default_pii_rule() -> Rule:
    """The PII rule the app runs by default: per entity type (a name on its own is only recorded)."""
    from guardrails.registry import pii_rule
    from wiring.settings import Settings

    return pii_rule(Settings.from_env({}))


def make_policy(tox, pii, tox_rule: Rule | None = None, pii_rule: Rule | None = None, timeout_s=10.0) -> Policy:
    """The two output guards with the app's default rules, or the rules a test gives."""
    rules = {"toxicity": tox_rule or Rule(0.5, Action.HOLD), "pii": pii_rule or default_pii_rule()}
    return Policy([tox, pii], rules, timeout_s=timeout_s)


@pytest.fixture
def policy(toxicity_guard, pii_guard) -> Policy:
    return make_policy(toxicity_guard, pii_guard)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "review.db"


@pytest.fixture
def engine(db_path):
    return make_engine(f"sqlite:///{db_path}")


@pytest.fixture
def queue(engine) -> ReviewQueue:
    return ReviewQueue(engine)


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL server for the whole run (tests/postgres.py). If it cannot start, the
    tests that need it fail with the reason: they are never skipped."""
    from tests.postgres import PostgresServer, PostgresUnavailable

    server = PostgresServer()
    try:
        server.start()
    except PostgresUnavailable as exc:
        server.stop()
        pytest.fail(f"PostgreSQL test server did not start: {exc}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """A new empty database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'review.db'}"
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture(scope="session")
def servers(tmp_path_factory):
    """Two real app servers with the real embedded model, started in parallel.

    `default`: the shipped policy. `strict`: TOXICITY_THRESHOLD=0, so every
    reply is held, which makes the review flow deterministic.
    """
    from tests.app.servers import AppServer

    workdir = tmp_path_factory.mktemp("servers")
    started = {
        "default": AppServer(workdir),
        "strict": AppServer(workdir, TOXICITY_THRESHOLD="0"),
    }
    try:
        for server in started.values():
            server.wait_ready()
        yield started
    finally:
        for server in started.values():
            server.stop()
