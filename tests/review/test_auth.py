import statistics
import time
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from review import audit
from review.auth import Forbidden, LoginPolicy, ModeratorAuth, NotAuthorized, Principal, parse_moderators
from review.db import make_engine
from review.tables import LoginAttempt, User, UserSession
from review.users import Users, verify_password

FAST_N = 2**10  # cheap hashes keep the tests quick; the timing test uses the real cost


def make_auth(engine, moderators=None, admins=None, **kw) -> ModeratorAuth:
    auth = ModeratorAuth(engine, scrypt_n=FAST_N, **kw)
    auth.bootstrap(moderators or {}, admins or {})
    return auth


def test_parse_moderators():
    assert parse_moderators("alice:pw1, bob:p:w:2") == {"alice": "pw1", "bob": "p:w:2"}
    assert parse_moderators("") == {}
    for bad in ("alice", "alice:", ":pw"):
        with pytest.raises(ValueError, match="MODERATORS"):
            parse_moderators(bad)
    with pytest.raises(ValueError, match="ADMINS"):
        parse_moderators("root", "ADMINS")


def test_bootstrap_stores_hashes_not_passwords(engine):
    make_auth(engine, {"alice": "correct horse"}, {"root": "admin secret"})
    with Session(engine) as s:
        users = {u.name: u for u in s.exec(select(User)).all()}
    assert {n: u.role for n, u in users.items()} == {"alice": "moderator", "root": "admin"}
    assert users["alice"].password_hash.startswith("scrypt$n=1024,r=8,p=1$")
    assert "correct horse" not in users["alice"].password_hash
    assert verify_password("correct horse", users["alice"].password_hash)
    added = [e.detail for e in audit.browse(engine, action="user_added")]
    assert sorted(d["name"] for d in added) == ["alice", "root"]


def test_bootstrap_follows_the_environment_on_restart(engine):
    make_auth(engine, {"alice": "old password"})
    token = make_auth(engine, {"alice": "old password"}).login("alice", "old password")
    auth = make_auth(engine, admins={"alice": "new password"})  # password and role changed in the env
    assert auth.login("alice", "old password") is None
    assert auth.principal(auth.login("alice", "new password")) == Principal("alice", "admin")
    with pytest.raises(NotAuthorized):  # a changed password ends the old sessions
        auth.principal(token)
    with pytest.raises(ValueError, match="both MODERATORS and ADMINS"):
        make_auth(engine, {"bob": "x"}, {"bob": "y"})


def test_only_the_right_password_signs_in(engine):
    auth = make_auth(engine, {"alice": "correct horse"})
    assert auth.login("alice", "wrong") is None
    assert auth.login("alice", "correct horse ") is None
    assert auth.login("mallory", "correct horse") is None
    assert auth.login("", "") is None
    token = auth.login("alice", "correct horse")
    assert token and auth.moderator(token) == "alice"
    assert auth.principal(token) == Principal("alice", "moderator")


def test_actions_need_a_live_session(engine):
    auth = make_auth(engine, {"alice": "pw"}, session_seconds=60)
    for forged in (None, "", "guess", 123):
        with pytest.raises(NotAuthorized):
            auth.moderator(forged)
    token = auth.login("alice", "pw")
    auth.logout(token)
    with pytest.raises(NotAuthorized):
        auth.moderator(token)


def test_sessions_expire(engine):
    auth = make_auth(engine, {"alice": "pw"}, session_seconds=-1)
    token = auth.login("alice", "pw")
    with pytest.raises(NotAuthorized, match="expired"):
        auth.moderator(token)


def test_session_tokens_are_not_stored(engine):
    token = make_auth(engine, {"alice": "pw"}).login("alice", "pw")
    with Session(engine) as s:
        [stored] = s.exec(select(UserSession)).all()
    assert stored.token_hash != token and token not in stored.token_hash and len(stored.token_hash) == 64


def test_a_session_works_in_another_process_on_the_same_database(database_url, engine):
    token = make_auth(engine, {"alice": "pw"}).login("alice", "pw")
    other = ModeratorAuth(make_engine(database_url), scrypt_n=FAST_N)  # as a second app process would
    assert other.moderator(token) == "alice"
    other.logout(token)
    with pytest.raises(NotAuthorized):
        make_auth(engine).moderator(token)


def test_no_accounts_means_not_configured(engine):
    auth = make_auth(engine)
    assert not auth.configured
    assert auth.login("admin", "admin") is None
    Users(engine, FAST_N, 8).add("carol", "moderator", "a long password", actor="test")
    assert auth.configured  # accounts made with the CLI count too
    Users(engine, FAST_N, 8).disable("carol", actor="test")
    assert not auth.configured


def test_roles(engine):
    auth = make_auth(engine, {"alice": "pw"}, {"root": "rootpw"})
    mod, admin = auth.login("alice", "pw"), auth.login("root", "rootpw")
    assert auth.require(mod) == Principal("alice", "moderator")
    assert auth.require(admin, "moderator").is_admin  # admin includes moderator
    assert auth.require(admin, "admin").name == "root"
    with pytest.raises(Forbidden, match="admin role"):
        auth.require(mod, "admin")
    with pytest.raises(NotAuthorized):  # Forbidden is a NotAuthorized too, so a UI catching that refuses both
        auth.require("forged", "moderator")
    with pytest.raises(ValueError):
        auth.require(admin, "superuser")


def test_disabled_accounts_cannot_sign_in_and_their_sessions_end(engine):
    auth = make_auth(engine, {"alice": "pw", "bob": "pw2"})
    alice, bob = auth.login("alice", "pw"), auth.login("bob", "pw2")
    Users(engine, FAST_N).disable("alice", actor="root")
    with pytest.raises(NotAuthorized):
        auth.moderator(alice)
    assert auth.login("alice", "pw") is None
    assert auth.moderator(bob) == "bob"  # others are untouched
    [failure] = audit.browse(engine, actor="alice", action="login_failure")
    assert failure.detail["reason"] == "disabled"
    Users(engine, FAST_N).enable("alice", actor="root")
    assert auth.login("alice", "pw")


def test_a_session_ends_when_the_account_is_disabled_behind_its_back(engine):
    """Even if the sessions table was not cleared (another tool flipped the flag), the check refuses."""
    auth = make_auth(engine, {"alice": "pw"})
    token = auth.login("alice", "pw")
    with Session(engine) as s:
        user = s.exec(select(User).where(User.name == "alice")).one()
        user.disabled = True
        s.add(user)
        s.commit()
    with pytest.raises(NotAuthorized, match="disabled"):
        auth.moderator(token)


def test_sign_ins_and_outs_are_audited_without_secrets(engine):
    auth = make_auth(engine, {"alice": "s3cret-pass"})
    token = auth.login("alice", "s3cret-pass", ip="10.0.0.7")
    auth.login("alice", "wrong-guess", ip="10.0.0.7")
    auth.login("nobody", "whatever", ip="10.0.0.8")
    auth.logout(token)
    events = audit.browse(engine, newest_first=False)
    assert [(e.actor, e.action) for e in events if e.action != "user_added"] == [
        ("alice", "login_success"), ("alice", "login_failure"), ("nobody", "login_failure"), ("alice", "logout")]
    assert events[1].detail["ip"] == "10.0.0.7"
    assert [e.detail.get("reason") for e in events if e.action == "login_failure"] == ["wrong_password", "unknown_name"]
    everything = repr([(e.actor, e.detail) for e in events])
    for secret in ("s3cret-pass", "wrong-guess", "whatever", token):
        assert secret not in everything


def test_last_sign_in_is_recorded(engine):
    auth = make_auth(engine, {"alice": "pw"})
    assert Users(engine).get("alice").last_login_at is None
    auth.login("alice", "pw")
    assert Users(engine).get("alice").last_login_at is not None


def test_repeated_failures_lock_the_name_then_it_recovers(engine):
    auth = make_auth(engine, {"alice": "pw"}, policy=LoginPolicy(max_failures=3, max_failures_per_ip=100, lockout_seconds=1.0))
    for _ in range(3):
        assert auth.attempt("alice", "guess", ip="10.0.0.1").token is None
    locked = auth.attempt("alice", "pw", ip="10.0.0.2")  # even the right password, from elsewhere
    assert locked.token is None and 0 < locked.retry_after <= 1.0 and "Too many" in locked.message
    assert auth.attempt("bob", "x").retry_after == 0  # other names are not affected
    time.sleep(1.1)
    assert auth.login("alice", "pw", ip="10.0.0.2")
    assert auth.attempt("alice", "guess").retry_after == 0  # a success clears the count


def test_the_lockout_doubles_with_each_further_failure(engine):
    auth = make_auth(engine, {"alice": "pw"}, policy=LoginPolicy(max_failures=2, lockout_seconds=30.0))
    now = audit.utcnow()
    with Session(engine) as s:  # failures spread over time, as an attacker pacing himself would leave them
        for minutes in (50, 40, 30, 20):
            s.add(LoginAttempt(at=now - timedelta(minutes=minutes, seconds=-1), name="alice", ip="", ok=False))
        s.commit()
    # 4 failures, limit 2: 30 s * 2**2 = 120 s from the last failure (20 min ago): free again
    assert auth.attempt("alice", "wrong").retry_after == 0
    # 5 failures now, the last just now: 30 s * 2**3 = 240 s
    assert 230 < auth.attempt("alice", "pw").retry_after <= 240


def test_unknown_names_are_locked_out_like_known_ones(engine):
    """Otherwise the lockout itself would tell which names exist."""
    auth = make_auth(engine, {"alice": "pw"}, policy=LoginPolicy(max_failures=2))
    for name in ("alice", "nobody"):
        auth.login(name, "x")
        auth.login(name, "x")
        assert auth.attempt(name, "x").retry_after > 0


def test_one_address_trying_many_names_is_locked_out(engine):
    auth = make_auth(engine, {"alice": "pw"}, policy=LoginPolicy(max_failures=5, max_failures_per_ip=4))
    for i in range(4):
        assert auth.attempt(f"user{i}", "x", ip="203.0.113.9").retry_after == 0
    assert auth.attempt("alice", "pw", ip="203.0.113.9").retry_after > 0
    assert auth.login("alice", "pw", ip="198.51.100.1")  # from another address the account still works
    assert [e.detail["reason"] for e in audit.browse(engine, action="login_failure")][0] == "rate_limited"


def test_old_attempts_are_pruned(engine):
    auth = make_auth(engine, {"alice": "pw"}, policy=LoginPolicy(window_seconds=60))
    with Session(engine) as s:
        s.add(LoginAttempt(at=audit.utcnow() - timedelta(hours=2), name="alice", ip="", ok=False))
        s.commit()
    auth.login("alice", "pw")
    with Session(engine) as s:
        assert len(s.exec(select(LoginAttempt)).all()) == 1  # only the new success


def test_a_sign_in_upgrades_an_old_hash_cost(engine):
    make_auth(engine, {"alice": "pw"})  # n=1024
    stronger = ModeratorAuth(engine, scrypt_n=2**11)
    assert stronger.login("alice", "pw")
    assert Users(engine).get("alice").password_hash.startswith("scrypt$n=2048,")


def test_unknown_names_cost_as_much_time_as_known_ones(engine):
    """With the real KDF cost: an unknown name must not answer faster (that would reveal which names exist).

    A shortcut would make unknown names ~1000x faster, so a loose bound on the median ratio is enough
    on a noisy shared machine.
    """
    auth = ModeratorAuth(engine, policy=LoginPolicy(max_failures=10**6, max_failures_per_ip=10**6))  # default cost
    auth.bootstrap({"alice": "the real password"})

    def median_seconds(name):
        times = []
        for _ in range(5):
            start = time.perf_counter()
            assert auth.login(name, "a wrong password") is None
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    known, unknown = median_seconds("alice"), median_seconds("nobody-by-this-name")
    assert unknown / known > 0.5, (known, unknown)


def test_processes_starting_together_bootstrap_the_same_accounts(database_url, engine):
    """Two app processes on one database start at once: both must come up, with one account each name."""
    import threading

    barrier, errors = threading.Barrier(4), []

    def start():
        auth = ModeratorAuth(make_engine(database_url), scrypt_n=FAST_N)
        barrier.wait()
        try:
            auth.bootstrap({"alice": "pw", "bob": "pw2"})
        except Exception as exc:  # pragma: no cover - the failure being tested for
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [u.name for u in Users(engine).list()] == ["alice", "bob"]
    assert make_auth(engine).login("bob", "pw2")


def test_a_limit_of_zero_turns_that_check_off(engine):
    auth = make_auth(engine, {"alice": "pw"}, policy=LoginPolicy(max_failures=0, max_failures_per_ip=0))
    for _ in range(30):
        auth.login("alice", "guess", ip="10.0.0.1")
    assert auth.login("alice", "pw", ip="10.0.0.1")
