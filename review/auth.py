"""Moderator sign-in against the accounts table, with roles, rate limits and sessions in the database.

Sessions live in the database (table user_session, only the token's SHA-256 stored) rather than in
memory, so two app processes on one database accept each other's sign-ins, disabling an account
ends its sessions everywhere at once, and a restart does not sign everyone out. It costs one indexed
query per moderator action. Sign-in attempts are kept in the database for the same reason: the rate
limits hold across processes.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from review import audit
from review.tables import LoginAttempt, Role, User, UserSession, utcnow
from review.users import DEFAULT_SCRYPT_N, check_name, hash_password, needs_rehash, verify_password

log = logging.getLogger(__name__)

ROLE_RANK = {Role.MODERATOR.value: 1, Role.ADMIN.value: 2}


class NotAuthorized(Exception):
    """The caller is not signed in (no session, expired, signed out, or the account was disabled)."""


class Forbidden(NotAuthorized):
    """Signed in, but the account's role does not allow this."""


@dataclass(frozen=True)
class Principal:
    name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value


@dataclass(frozen=True)
class LoginPolicy:
    """After `max_failures` failed sign-ins for one name (or `max_failures_per_ip` from one address) within
    `window_seconds`, further attempts are refused for `lockout_seconds`, doubling with each further failure
    (capped at the window). A success clears the name's count; an address's count only ages out.
    A limit of 0 turns that check off."""

    max_failures: int = 5
    max_failures_per_ip: int = 20
    lockout_seconds: float = 30.0
    window_seconds: float = 3600.0


@dataclass(frozen=True)
class LoginResult:
    token: str | None
    retry_after: float = 0.0  # seconds, when refused by the rate limit

    @property
    def message(self) -> str:
        if self.token:
            return "Signed in."
        if self.retry_after > 0:
            return f"Too many failed sign-ins; try again in {int(self.retry_after) + 1} s."
        return "Wrong name or password."


def parse_moderators(spec: str, variable: str = "MODERATORS") -> dict[str, str]:
    """'alice:pw1,bob:pw2' -> {'alice': 'pw1', 'bob': 'pw2'}. Passwords may contain ':' but not ','."""
    accounts = {}
    for entry in (spec or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        name, sep, password = entry.partition(":")
        if not sep or not name.strip() or not password:
            raise ValueError(f"{variable} must look like 'name:password,name2:password2' (no empty names or passwords)")
        accounts[name.strip()] = password
    return accounts


def _storable(text) -> str:
    """What a sign-in form may send, made storable: no control characters (PostgreSQL refuses NUL), no lone surrogates."""
    if not isinstance(text, str):
        return ""
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cs"))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _as_utc(value: datetime) -> datetime:
    # SQLite hands datetimes back without a zone; we store UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class ModeratorAuth:
    def __init__(self, engine: Engine, session_seconds: float = 8 * 3600, policy: LoginPolicy = LoginPolicy(),
                 scrypt_n: int = DEFAULT_SCRYPT_N):
        self.engine = engine
        self.session_seconds = session_seconds
        self.policy = policy
        self.scrypt_n = scrypt_n
        # Unknown names are checked against this, so they cost one KDF run like known ones.
        self._dummy_hash = hash_password(secrets.token_hex(16), scrypt_n)

    # -- accounts from the environment -----------------------------------------------

    def bootstrap(self, moderators: dict[str, str] | None = None, admins: dict[str, str] | None = None) -> list[str]:
        """Sync MODERATORS / ADMINS into the accounts table; returns the names added or changed.

        The variables are authoritative for the names they list: a missing account is created, the
        role is set, a changed password replaces the stored one. An account disabled with the CLI
        stays disabled.
        """
        moderators, admins = moderators or {}, admins or {}
        both = set(moderators) & set(admins)
        if both:
            raise ValueError(f"{', '.join(sorted(both))} listed in both MODERATORS and ADMINS; list each name once")
        wanted = {**{n: (p, Role.MODERATOR.value) for n, p in moderators.items()},
                  **{n: (p, Role.ADMIN.value) for n, p in admins.items()}}
        try:
            return self._sync(wanted)
        except IntegrityError:
            # Another app process on this database created the same account a moment ago: sync against it.
            return self._sync(wanted)

    def _sync(self, wanted: dict[str, tuple[str, str]]) -> list[str]:
        changed = []
        with Session(self.engine) as s:
            for name, (password, role) in wanted.items():
                name = check_name(name)
                user = s.exec(select(User).where(User.name == name)).first()
                if user is None:
                    s.add(User(name=name, role=role, password_hash=hash_password(password, self.scrypt_n)))
                    audit.record(s, "bootstrap", "user_added", name=name, role=role)
                    changed.append(name)
                    continue
                if user.role != role:
                    user.role = role
                    changed.append(name)
                if not verify_password(password, user.password_hash):
                    user.password_hash = hash_password(password, self.scrypt_n)
                    s.exec(delete(UserSession).where(UserSession.user_id == user.id))
                    audit.record(s, "bootstrap", "password_reset", name=name)
                    changed.append(name)
                if user.disabled:
                    log.warning("account %s from the environment is disabled in the database; it stays disabled "
                                "(python -m review.users enable %s)", name, name)
                s.add(user)
            s.commit()
        return changed

    @property
    def configured(self) -> bool:
        """True when at least one enabled account exists."""
        with Session(self.engine) as s:
            return s.exec(select(func.count()).select_from(User).where(User.disabled == False)).one() > 0  # noqa: E712

    # -- sign-in ---------------------------------------------------------------------

    def _retry_after(self, s: Session, name: str, ip: str, now: datetime) -> float:
        """Seconds until this name and address may try again (0 = now)."""
        p = self.policy
        window_start = now - timedelta(seconds=p.window_seconds)
        last_ok = s.exec(select(func.max(LoginAttempt.at)).where(LoginAttempt.name == name, LoginAttempt.ok == True)).one()  # noqa: E712
        since = max(window_start, _as_utc(last_ok)) if last_ok else window_start
        checks = []  # a limit of 0 turns that check off
        if p.max_failures > 0:
            checks.append((LoginAttempt.name == name, since, p.max_failures))
        if ip and p.max_failures_per_ip > 0:
            checks.append((LoginAttempt.ip == ip, window_start, p.max_failures_per_ip))
        wait = 0.0
        for where, start, limit in checks:
            failures, last = s.exec(
                select(func.count(), func.max(LoginAttempt.at)).where(where, LoginAttempt.ok == False, LoginAttempt.at > start)  # noqa: E712
            ).one()
            if failures >= limit and last is not None:
                lock = min(p.lockout_seconds * 2 ** (failures - limit), p.window_seconds)
                wait = max(wait, (_as_utc(last) + timedelta(seconds=lock) - now).total_seconds())
        return max(wait, 0.0)

    def attempt(self, name: str, password: str, ip: str | None = None) -> LoginResult:
        """Sign in: a session token for a correct name and password of an enabled account."""
        name, ip, now = _storable(name).strip()[:100], _storable(ip)[:64], utcnow()
        # A lone surrogate cannot be hashed; as "?" it matches no real password (those are typed text).
        password = (password if isinstance(password, str) else "").encode("utf-8", "replace").decode("utf-8")
        with Session(self.engine) as s:
            retry = self._retry_after(s, name, ip, now)
            if retry > 0:
                # Not counted as a failure (that would lengthen the owner's lockout), but audited.
                audit.record(s, name or "?", "login_failure", ip=ip, reason="rate_limited")
                s.commit()
                return LoginResult(None, retry)
            user = s.exec(select(User).where(User.name == name)).first() if name else None
            # Always one KDF run, so an unknown name takes as long as a known one.
            ok = verify_password(password or "", user.password_hash if user else self._dummy_hash)
            s.exec(delete(LoginAttempt).where(LoginAttempt.at < now - timedelta(seconds=self.policy.window_seconds)))
            if not (ok and user is not None and not user.disabled):
                reason = "unknown_name" if user is None else "disabled" if user.disabled and ok else "wrong_password"
                s.add(LoginAttempt(at=now, name=name, ip=ip, ok=False))
                audit.record(s, name or "?", "login_failure", ip=ip, reason=reason)
                s.commit()
                return LoginResult(None)
            token = secrets.token_urlsafe(32)
            s.add(UserSession(token_hash=_token_hash(token), user_id=user.id, created_at=now,
                              expires_at=now + timedelta(seconds=self.session_seconds)))
            s.add(LoginAttempt(at=now, name=name, ip=ip, ok=True))
            user.last_login_at = now
            if needs_rehash(user.password_hash, self.scrypt_n):
                user.password_hash = hash_password(password, self.scrypt_n)
            s.add(user)
            audit.record(s, user.name, "login_success", ip=ip)
            s.commit()
            return LoginResult(token)

    def login(self, name: str, password: str, ip: str | None = None) -> str | None:
        """A session token for a correct name and password, else None (wrong, unknown, disabled or rate-limited)."""
        return self.attempt(name, password, ip).token

    # -- sessions --------------------------------------------------------------------

    def principal(self, token: str | None) -> Principal:
        """Who holds this live session token; raises NotAuthorized otherwise."""
        if not token or not isinstance(token, str):
            raise NotAuthorized("sign in as a moderator first")
        key = _token_hash(token)
        with Session(self.engine) as s:
            row = s.exec(select(UserSession, User).join(User, User.id == UserSession.user_id)
                         .where(UserSession.token_hash == key)).first()
            if row is None:
                raise NotAuthorized("sign in as a moderator first")
            session, user = row
            problem = None
            if _as_utc(session.expires_at) <= utcnow():
                problem = "your moderator session has expired; sign in again"
            elif user.disabled:
                problem = "this account has been disabled; ask an admin"
            if problem:
                s.delete(session)
                s.commit()
                raise NotAuthorized(problem)
            return Principal(user.name, user.role)

    def moderator(self, token: str | None) -> str:
        """The signed-in name for a live session token; raises NotAuthorized otherwise."""
        return self.principal(token).name

    def require(self, token: str | None, role: str = Role.MODERATOR.value) -> Principal:
        """The principal if its role is at least `role` (admin > moderator); NotAuthorized / Forbidden otherwise."""
        if role not in ROLE_RANK:
            raise ValueError(f"unknown role {role!r}")
        who = self.principal(token)
        if ROLE_RANK.get(who.role, 0) < ROLE_RANK[role]:
            raise Forbidden(f"this needs the {role} role; {who.name} is a {who.role}")
        return who

    def logout(self, token: str | None) -> None:
        if not token or not isinstance(token, str):
            return
        with Session(self.engine) as s:
            row = s.exec(select(UserSession, User).join(User, User.id == UserSession.user_id)
                         .where(UserSession.token_hash == _token_hash(token))).first()
            if row is None:
                return
            session, user = row
            s.delete(session)
            audit.record(s, user.name, "logout")
            s.commit()

    def purge_expired_sessions(self) -> int:
        with Session(self.engine) as s:
            n = s.exec(delete(UserSession).where(UserSession.expires_at <= utcnow())).rowcount
            s.commit()
            return n
