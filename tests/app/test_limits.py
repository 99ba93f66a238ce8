"""The chat rate limiter on its own: windows, the off switch, and bounded memory."""

from app.limits import ChatLimits, RateLimiter


def test_a_key_gets_its_limit_per_window_then_a_wait():
    now = [0.0]
    limiter = RateLimiter(2, 10, clock=lambda: now[0])
    assert limiter.hit("a") == 0 and limiter.hit("a") == 0
    assert limiter.hit("a") == 10  # until the first one ages out
    assert limiter.hit("b") == 0  # another key is not affected
    now[0] = 10.01
    assert limiter.hit("a") == 0


def test_zero_turns_a_limit_off():
    limiter = RateLimiter(0, 10)
    assert all(limiter.hit("a") == 0 for _ in range(1000))


def test_invented_keys_do_not_grow_memory_without_end():
    now = [0.0]
    limiter = RateLimiter(1, 1, max_keys=100, clock=lambda: now[0])
    for i in range(10_000):
        now[0] += 0.001
        limiter.hit(str(i))
    assert len(limiter._events) <= 100


def test_a_refused_message_does_not_use_up_the_address():
    limits = ChatLimits(per_session=1, per_ip=2, window_seconds=60)
    assert limits.check("s1", "ip") == 0
    assert limits.check("s1", "ip") > 0  # the session is over its limit; the address is not charged
    assert limits.check("s2", "ip") == 0
    assert limits.check("s3", "ip") > 0
