"""Abuse limits on the chat: messages per browser session and per client address, and request size.

Kept in the process's memory: a limit is a brake on one process's CPU (a reply costs seconds of
it), so it need not be shared between processes behind a load balancer.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque


class RateLimiter:
    """At most `limit` events per key within any `window_seconds`; a limit of 0 turns it off."""

    def __init__(self, limit: int, window_seconds: float, max_keys: int = 100_000, clock=time.monotonic):
        self.limit, self.window = limit, window_seconds
        self.max_keys = max_keys  # an attacker inventing keys (new sessions) cannot grow memory without end
        self._clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float:
        """Count one event for `key`; 0 if allowed, else the seconds until the next one would be."""
        if self.limit <= 0:
            return 0.0
        now = self._clock()
        with self._lock:
            events = self._events.get(key)
            if events is None:
                if len(self._events) >= self.max_keys:
                    self._forget_idle(now)
                events = self._events[key] = deque()
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return min(max(events[0] + self.window - now, 0.001), self.window)
            events.append(now)
            return 0.0

    def _forget_idle(self, now: float) -> None:
        idle = [k for k, ev in self._events.items() if not ev or ev[-1] <= now - self.window]
        for k in idle:
            del self._events[k]
        if len(self._events) >= self.max_keys:  # all busy: drop the oldest half rather than refuse everyone
            for k in sorted(self._events, key=lambda k: self._events[k][-1])[: self.max_keys // 2]:
                del self._events[k]


class ChatLimits:
    """Both chat limits; a message is refused when either is reached (a refused one is not counted)."""

    def __init__(self, per_session: int, per_ip: int, window_seconds: float):
        self.session = RateLimiter(per_session, window_seconds)
        self.ip = RateLimiter(per_ip, window_seconds)

    def check(self, session_key: str | None, ip: str | None) -> float:
        wait = self.session.hit(f"s:{session_key}") if session_key else 0.0
        if wait:
            return wait
        return self.ip.hit(f"ip:{ip}") if ip else 0.0


def too_fast_message(wait: float) -> str:
    return (f"You are sending messages faster than this service allows. Please wait {int(wait) + 1} s and send "
            "it again (your text is still in the box).")


class BodyLimit:
    """ASGI middleware: refuse a request body over `max_bytes` with 413 before the app reads it.

    A declared Content-Length is checked up front. A chunked body (no length) is read here, at most
    `max_bytes` of it, and handed on only if it fits; the server's HTTP parser enforces a declared length.
    """

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or self.max_bytes <= 0:
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            if not length.isdigit() or int(length) > self.max_bytes:
                return await self._refuse(send)
            return await self.app(scope, receive, send)
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                return await self._refuse(send)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the disconnect, as the server would say it

        await self.app(scope, replay, send)

    async def _refuse(self, send):
        body = json.dumps({"error": f"Request too large: the limit is {self.max_bytes:,} bytes (MAX_REQUEST_BYTES)."}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
