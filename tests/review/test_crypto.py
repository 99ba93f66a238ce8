import logging
import stat

import pytest

from review.crypto import Sealer, SealError, generate_key


def test_seal_and_open():
    sealer = Sealer([generate_key()])
    token = sealer.seal("Her email is jane@example.com")
    assert "jane" not in token and token != sealer.seal("Her email is jane@example.com")  # random IV
    assert sealer.open(token) == "Her email is jane@example.com"


def test_the_wrong_key_or_altered_text_is_refused():
    token = Sealer([generate_key()]).seal("secret")
    with pytest.raises(SealError, match="wrong key"):
        Sealer([generate_key()]).open(token)
    sealer = Sealer([generate_key()])
    good = sealer.seal("secret")
    with pytest.raises(SealError):
        sealer.open(good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB"))


def test_key_rotation():
    old, new = generate_key(), generate_key()
    before = Sealer([old]).seal("original reply")
    rotating = Sealer.from_settings(f"{new},{old}", "postgresql://db/x")
    assert rotating.open(before) == "original reply"  # old data still opens
    rotated = rotating.rotate(before)
    assert Sealer([new]).open(rotated) == "original reply"  # and can be moved to the new key
    with pytest.raises(SealError):
        Sealer([old]).open(rotating.seal("new text"))  # new text uses the new key


def test_a_bad_key_is_a_clear_error():
    with pytest.raises(ValueError, match="not a Fernet key.*generate-key"):
        Sealer.from_settings("not-a-key", "sqlite:///x.db")


def test_no_key_on_sqlite_makes_a_private_key_file_once(tmp_path, caplog):
    db = tmp_path / "data" / "chat.db"
    with caplog.at_level(logging.WARNING):
        first = Sealer.from_settings("", f"sqlite:///{db}")
    key_file = tmp_path / "data" / "chat.db.key"
    assert key_file.exists() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "REVIEW_ENCRYPTION_KEY is not set" in caplog.text
    second = Sealer.from_settings("", f"sqlite:///{db}")  # a restart reads the same key
    assert second.open(first.seal("kept across restarts")) == "kept across restarts"


def test_no_key_elsewhere_refuses_to_start():
    with pytest.raises(RuntimeError, match="REVIEW_ENCRYPTION_KEY must be set"):
        Sealer.from_settings("", "postgresql+psycopg://app@db/chat")
    memory = Sealer.from_settings("", "sqlite://")
    assert memory.open(memory.seal("x")) == "x"


def test_processes_starting_together_share_one_key_file(tmp_path):
    import threading

    db = tmp_path / "chat.db"
    barrier, sealers = threading.Barrier(8), []

    def start():
        barrier.wait()
        sealers.append(Sealer.from_settings("", f"sqlite:///{db}"))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    token = sealers[0].seal("one key for all")
    assert len(sealers) == 8 and all(s.open(token) == "one key for all" for s in sealers)
    assert [p.name for p in tmp_path.iterdir()] == ["chat.db.key"]  # no temporary files left behind
