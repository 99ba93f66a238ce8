"""Moderator sign-in: accounts from the MODERATORS variable, sessions held on the server."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time


class NotAuthorized(Exception):
    """The caller is not a signed-in moderator."""


def parse_moderators(spec: str) -> dict[str, str]:
    """'alice:pw1,bob:pw2' -> {'alice': 'pw1', 'bob': 'pw2'}. Passwords may contain ':' but not ','."""
    accounts = {}
    for entry in (spec or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        name, sep, password = entry.partition(":")
        if not sep or not name.strip() or not password:
            raise ValueError("MODERATORS must look like 'name:password,name2:password2' (no empty names or passwords)")
        accounts[name.strip()] = password
    return accounts


def _digest(text: str) -> bytes:
    # Compare fixed-length digests so the comparison time says nothing about length.
    return hashlib.sha256(text.encode("utf-8")).digest()


class ModeratorAuth:
    def __init__(self, accounts: dict[str, str], session_seconds: float = 8 * 3600):
        self._accounts = {name: _digest(pw) for name, pw in accounts.items()}
        self._sessions: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self.session_seconds = session_seconds

    @property
    def configured(self) -> bool:
        return bool(self._accounts)

    def login(self, name: str, password: str) -> str | None:
        """A session token for a correct name and password, else None."""
        expected = self._accounts.get(name or "")
        # Unknown names still pay for a comparison, so timing does not reveal which names exist.
        ok = hmac.compare_digest(expected or _digest("\0unknown"), _digest(password or ""))
        if not (ok and expected is not None):
            return None
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[token] = (name, time.monotonic() + self.session_seconds)
        return token

    def moderator(self, token: str | None) -> str:
        """The moderator's name for a live session token; raises NotAuthorized otherwise."""
        if not token or not isinstance(token, str):
            raise NotAuthorized("sign in as a moderator first")
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                raise NotAuthorized("sign in as a moderator first")
            name, expires = session
            if time.monotonic() > expires:
                del self._sessions[token]
                raise NotAuthorized("your moderator session has expired; sign in again")
            return name

    def logout(self, token: str | None) -> None:
        with self._lock:
            self._sessions.pop(token or "", None)
