import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from review import audit
from review.auth import ModeratorAuth
from review.db import make_engine
from review.users import UserError, Users, hash_password, needs_rehash, verify_password
from review.users import main as users_main

ROOT = Path(__file__).resolve().parents[2]


def test_hashes_are_salted_and_self_describing():
    a, b = hash_password("same password", n=1024), hash_password("same password", n=1024)
    assert a != b  # a fresh salt each time
    algo, params, salt, digest = a.split("$")
    assert (algo, params) == ("scrypt", "n=1024,r=8,p=1") and salt and digest
    assert verify_password("same password", a) and verify_password("same password", b)
    assert not verify_password("same passwor", a)
    assert not verify_password("same password", "md5$whatever")  # a foreign or broken hash never matches
    assert needs_rehash(a, n=2048) and not needs_rehash(a, n=1024)
    with pytest.raises(ValueError, match="power of two"):
        hash_password("x", n=1000)


def test_account_lifecycle_is_audited(engine):
    users = Users(engine, scrypt_n=1024, min_password_chars=10)
    users.add("alice", "admin", "first password", actor="root")
    with pytest.raises(UserError, match="already exists"):
        users.add("alice", "moderator", "other password", actor="root")
    with pytest.raises(UserError, match="at least 10"):
        users.add("bob", "moderator", "short", actor="root")
    with pytest.raises(UserError, match="role must be one of"):
        users.add("bob", "owner", "long enough pw", actor="root")
    with pytest.raises(UserError, match="not a valid account name"):
        users.add("bob smith", "moderator", "long enough pw", actor="root")
    with pytest.raises(UserError, match="no account named"):
        users.disable("ghost", actor="root")
    users.disable("alice", actor="root")
    assert users.get("alice").disabled
    users.enable("alice", actor="root")
    users.reset_password("alice", "second password", actor="root")
    assert verify_password("second password", users.get("alice").password_hash)
    assert [u.name for u in users.list()] == ["alice"]
    events = audit.browse(engine, actor="root", newest_first=False)
    assert [e.action for e in events] == ["user_added", "user_disabled", "user_enabled", "password_reset"]
    assert "second password" not in repr([e.detail for e in events])


def _cli(database_url, monkeypatch, capsys, *args, stdin=""):
    """The CLI in this process (python -m costs ~20 s of imports per call on a busy machine)."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PASSWORD_SCRYPT_N", "1024")
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    rc = users_main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.mark.slow
def test_cli_runs_as_a_module(database_url):
    env = {**os.environ, "DATABASE_URL": database_url, "PASSWORD_SCRYPT_N": "1024", "HF_HUB_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-m", "review.users", "add", "alice", "--role", "admin", "--password-stdin"],
                         cwd=ROOT, env=env, input="a long password\n", capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and "added alice (admin)" in out.stdout, out.stderr


def test_cli(database_url, monkeypatch, capsys):
    rc, out, _ = _cli(database_url, monkeypatch, capsys, "add", "alice", "--role", "admin", "--password-stdin", stdin="a long password\n")
    assert rc == 0 and "added alice (admin)" in out
    rc, _, err = _cli(database_url, monkeypatch, capsys, "add", "alice", "--password-stdin", stdin="a long password\n")
    assert rc == 2 and "already exists" in err
    rc, _, err = _cli(database_url, monkeypatch, capsys, "add", "bob", "--password-stdin", stdin="short\n")
    assert rc == 2 and "at least 12 characters" in err
    assert _cli(database_url, monkeypatch, capsys, "disable", "alice")[0] == 0
    listing = _cli(database_url, monkeypatch, capsys, "list")[1]
    assert "alice" in listing and "admin" in listing and "disabled" in listing and "bob" not in listing
    assert _cli(database_url, monkeypatch, capsys, "enable", "alice")[0] == 0
    assert _cli(database_url, monkeypatch, capsys, "reset-password", "alice", "--password-stdin", stdin="another long one\n")[0] == 0
    rc, _, err = _cli(database_url, monkeypatch, capsys, "disable", "ghost")
    assert rc == 2 and "no account named 'ghost'" in err
    # The app's sign-in sees what the CLI did.
    engine = make_engine(database_url)
    auth = ModeratorAuth(engine, scrypt_n=1024)
    assert auth.login("alice", "a long password") is None
    assert auth.principal(auth.login("alice", "another long one")).role == "admin"
    assert [e.action for e in audit.browse(engine, newest_first=False)][:4] == ["user_added", "user_disabled", "user_enabled", "password_reset"]
    assert all(e.actor.startswith("cli") for e in audit.browse(engine, action="user_added"))


def test_cli_prompts_twice_and_refuses_a_mismatch(database_url, monkeypatch, capsys):
    answers = iter(["first long password", "second long password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))  # stands in for a terminal
    rc, _, err = _cli(database_url, monkeypatch, capsys, "add", "alice")
    assert rc == 2 and "differ" in err
    assert Users(make_engine(database_url)).get("alice") is None
