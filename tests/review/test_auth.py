import pytest

from review.auth import ModeratorAuth, NotAuthorized, parse_moderators


def test_parse_moderators():
    assert parse_moderators("alice:pw1, bob:p:w:2") == {"alice": "pw1", "bob": "p:w:2"}
    assert parse_moderators("") == {}
    for bad in ("alice", "alice:", ":pw"):
        with pytest.raises(ValueError, match="MODERATORS"):
            parse_moderators(bad)


def test_only_the_right_password_signs_in():
    auth = ModeratorAuth({"alice": "correct horse"})
    assert auth.login("alice", "wrong") is None
    assert auth.login("alice", "correct horse ") is None
    assert auth.login("mallory", "correct horse") is None
    assert auth.login("", "") is None
    token = auth.login("alice", "correct horse")
    assert token and auth.moderator(token) == "alice"


def test_actions_need_a_live_session():
    auth = ModeratorAuth({"alice": "pw"}, session_seconds=60)
    for forged in (None, "", "guess", 123):
        with pytest.raises(NotAuthorized):
            auth.moderator(forged)
    token = auth.login("alice", "pw")
    auth.logout(token)
    with pytest.raises(NotAuthorized):
        auth.moderator(token)


def test_sessions_expire():
    auth = ModeratorAuth({"alice": "pw"}, session_seconds=-1)
    token = auth.login("alice", "pw")
    with pytest.raises(NotAuthorized, match="expired"):
        auth.moderator(token)


def test_no_accounts_means_not_configured():
    assert not ModeratorAuth({}).configured
    assert ModeratorAuth({}).login("admin", "admin") is None
