import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.ui import AppInfo, build_ui
from guardrails.types import Action
from review.auth import ModeratorAuth
from review.db import make_engine
from wiring.settings import Settings, documented_variables

ROOT = Path(__file__).resolve().parents[2]
INFO = AppInfo("chat", "alt-profanity-check", "detoxify could not load", "presidio", "toxicity: 0.5 hold")


def test_defaults_are_valid_and_typed():
    s = Settings.from_env({})
    assert s.toxicity_threshold == 0.5
    assert s.pii_action is Action.HOLD
    assert s.moderators == ""  # no default password


@pytest.mark.parametrize("env, message", [
    ({"TOXICITY_THRESHOLD": "high"}, "TOXICITY_THRESHOLD must be a float"),
    ({"PII_ACTION": "delete"}, "PII_ACTION must be one of allow, redact, hold"),
    ({"TOXICITY_ACTION": "redact"}, "TOXICITY_ACTION cannot be 'redact'"),
    ({"MAX_NEW_TOKENS": "1.5"}, "MAX_NEW_TOKENS must be an int"),
    ({"DATABASE_POOL_SIZE": "0"}, "DATABASE_POOL_SIZE must be at least 1"),
    ({"QUEUE_MAX_SIZE": "-1"}, "QUEUE_MAX_SIZE must be 0"),
])
def test_bad_settings_fail_with_a_clear_message(env, message):
    with pytest.raises(ValueError, match=message):
        Settings.from_env(env)


@pytest.mark.slow
def test_app_refuses_to_start_on_a_bad_setting_without_a_traceback():
    out = subprocess.run([sys.executable, "-m", "app"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "PII_ACTION": "delete", "HF_HUB_OFFLINE": "1"})
    assert out.returncode == 2
    assert "cannot start: PII_ACTION must be one of allow, redact, hold" in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.slow
def test_app_refuses_to_start_on_an_unreachable_database_without_a_traceback():
    out = subprocess.run([sys.executable, "-m", "app"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "DATABASE_URL": "postgresql://chat:hunter2@127.0.0.1:1/chat"})
    assert out.returncode == 2
    assert "cannot start: cannot open the database postgresql+psycopg://chat:***@127.0.0.1:1/chat" in out.stderr
    assert "Check DATABASE_URL" in out.stderr
    assert "Traceback" not in out.stderr and "hunter2" not in out.stderr


def test_every_setting_is_documented_in_the_configuration_page_and_help(capsys):
    from app.main import main  # what `python -m app --help` runs (app/__main__.py), here in this process

    readme = (ROOT / "docs" / "configuration.md").read_text()
    assert main(["--help"]) == 0
    help_text = capsys.readouterr().out
    for name, _default, _meaning in documented_variables():
        assert f"`{name}`" in readme, f"{name} missing from docs/configuration.md's table"
        assert name in help_text


def _auth(tmp_path, moderators=None) -> ModeratorAuth:
    auth = ModeratorAuth(make_engine(f"sqlite:///{tmp_path / 'accounts.db'}"), scrypt_n=1024)
    auth.bootstrap(moderators or {})
    return auth


def _api_names(demo) -> set[str]:
    return {d.get("api_name") for d in demo.config["dependencies"] if d.get("api_name")}


def test_without_moderators_the_review_tab_explains_and_offers_no_admin_endpoints(tmp_path):
    demo = build_ui(None, None, _auth(tmp_path), INFO)
    config = json.dumps(demo.config, default=str)
    assert "Review is not configured" in config and "MODERATORS" in config
    assert not _api_names(demo) & {"login", "approve", "reject", "queue", "item"}


def test_with_moderators_the_review_endpoints_exist(tmp_path):
    demo = build_ui(None, None, _auth(tmp_path, {"alice": "pw"}), INFO)
    assert {"login", "approve", "reject", "queue", "item", "chat", "poll"} <= _api_names(demo)


def test_fallback_toxicity_model_is_announced_loudly(tmp_path):
    # To moderators once signed in (app/console/signin.py), not in the page before sign-in (issue 22).
    from app.console.signin import models_banner

    config = json.dumps(build_ui(None, None, _auth(tmp_path, {"alice": "pw"}), INFO).config, default=str)
    assert "alt-profanity-check (FALLBACK)" in models_banner(INFO) and "FALLBACK" not in config


@pytest.mark.parametrize("env, message", [
    ({"PASSWORD_SCRYPT_N": "1000"}, "PASSWORD_SCRYPT_N must be a power of two"),
    ({"LOGIN_LOCKOUT_SECONDS": "-1"}, "LOGIN_LOCKOUT_SECONDS must be 0 or more"),
    ({"RETENTION_DAYS": "soon"}, "RETENTION_DAYS must be a float"),
])
def test_bad_console_settings_fail_with_a_clear_message(env, message):
    with pytest.raises(ValueError, match=message):
        Settings.from_env(env)


def test_console_start_up_syncs_accounts_and_purges(tmp_path):
    from review import audit
    from wiring.build import build_console

    db = tmp_path / "c.db"
    settings = Settings.from_env({"DATABASE_URL": f"sqlite:///{db}", "MODERATORS": "alice:pw", "ADMINS": "root:rootpw",
                                  "PASSWORD_SCRYPT_N": "1024"})
    engine = make_engine(settings.database_url)
    auth, sealer = build_console(settings, engine)
    assert auth.principal(auth.login("root", "rootpw")).is_admin and auth.login("alice", "pw")
    assert sealer.open(sealer.seal("x")) == "x" and (tmp_path / "c.db.key").exists()
    assert [e.action for e in audit.browse(engine, action="purged")] == ["purged"]
    with pytest.raises(RuntimeError, match="REVIEW_ENCRYPTION_KEY must be set"):
        build_console(Settings.from_env({"DATABASE_URL": "postgresql+psycopg://x@nowhere/db"}), engine)
