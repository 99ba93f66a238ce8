"""Moderator accounts: password hashing, the account service, and its command line.

    python -m review.users add NAME --role moderator|admin [--password-stdin]
    python -m review.users list | disable NAME | enable NAME | reset-password NAME [--password-stdin]

The CLI opens the same database as the app (DATABASE_URL).
"""

from __future__ import annotations

import argparse
import base64
import getpass
import hashlib
import hmac
import os
import re
import sys

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from review import audit
from review.tables import Role, User, UserSession

# scrypt, stdlib (OpenSSL). n=2**15, r=8, p=1 uses 32 MiB and about 0.1-0.15 s per hash on our CPUs
# (the OWASP minimum is n=2**17 with r=8 for ~0.3 s; n is configurable: PASSWORD_SCRYPT_N). The
# parameters are stored in every hash, so raising n later still verifies old hashes, and a sign-in
# re-hashes with the new parameters.
DEFAULT_SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
KEY_BYTES = 32
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")


class UserError(ValueError):
    """A request about accounts that cannot be done; the message says why and what to do."""


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    # maxmem: scrypt needs 128*r*n bytes; OpenSSL's default cap (32 MiB) is too tight for n=2**15.
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=KEY_BYTES,
                          maxmem=256 * r * n + 2**20)


def hash_password(password: str, n: int = DEFAULT_SCRYPT_N) -> str:
    """'scrypt$n=32768,r=8,p=1$<salt b64>$<hash b64>': algorithm, parameters, per-user salt and hash."""
    if n < 2 or n & (n - 1):
        raise ValueError(f"the scrypt cost n must be a power of two, not {n}")
    salt = os.urandom(SALT_BYTES)
    return f"scrypt$n={n},r={SCRYPT_R},p={SCRYPT_P}${_b64(salt)}${_b64(_scrypt(password, salt, n, SCRYPT_R, SCRYPT_P))}"


def _parse(encoded: str) -> tuple[dict[str, int], bytes, bytes]:
    algo, params, salt, digest = encoded.split("$")
    if algo != "scrypt":
        raise ValueError(f"unknown password hash algorithm {algo!r}")
    values = {k: int(v) for k, v in (kv.split("=") for kv in params.split(","))}
    return values, _unb64(salt), _unb64(digest)


def verify_password(password: str, encoded: str) -> bool:
    try:
        params, salt, digest = _parse(encoded)
    except ValueError:
        return False
    actual = _scrypt(password or "", salt, params["n"], params["r"], params["p"])
    return hmac.compare_digest(actual, digest)


def needs_rehash(encoded: str, n: int = DEFAULT_SCRYPT_N) -> bool:
    try:
        params, _, _ = _parse(encoded)
    except ValueError:
        return True
    return (params["n"], params["r"], params["p"]) != (n, SCRYPT_R, SCRYPT_P)


def check_role(role: str) -> str:
    try:
        return Role(role).value
    except ValueError:
        raise UserError(f"role must be one of {', '.join(r.value for r in Role)}, not {role!r}") from None


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not NAME_RE.match(name):
        raise UserError(f"{name[:40]!r} is not a valid account name: use 1-100 letters, digits, '.', '_', '@' or '-', "
                        "starting with a letter or digit")
    return name


class Users:
    """Account management. Every change writes its audit event in the same transaction."""

    def __init__(self, engine: Engine, scrypt_n: int = DEFAULT_SCRYPT_N, min_password_chars: int = 12):
        self.engine = engine
        self.scrypt_n = scrypt_n
        self.min_password_chars = min_password_chars

    def _check_password(self, password: str) -> None:
        if len(password or "") < self.min_password_chars:
            raise UserError(f"the password must have at least {self.min_password_chars} characters (PASSWORD_MIN_CHARS)")

    def add(self, name: str, role: str, password: str, actor: str) -> User:
        name, role = check_name(name), check_role(role)
        self._check_password(password)
        with Session(self.engine) as s:
            if s.exec(select(User).where(User.name == name)).first() is not None:
                raise UserError(f"an account named {name!r} already exists; use reset-password or enable")
            user = User(name=name, role=role, password_hash=hash_password(password, self.scrypt_n))
            s.add(user)
            audit.record(s, actor, "user_added", name=name, role=role)
            try:
                s.commit()
            except IntegrityError:  # created by someone else since the check above
                raise UserError(f"an account named {name!r} already exists; use reset-password or enable") from None
            s.refresh(user)
            return user

    def get(self, name: str) -> User | None:
        with Session(self.engine) as s:
            return s.exec(select(User).where(User.name == (name or "").strip())).first()

    def list(self) -> list[User]:
        with Session(self.engine) as s:
            return list(s.exec(select(User).order_by(User.name)).all())

    def _existing(self, s: Session, name: str) -> User:
        user = s.exec(select(User).where(User.name == (name or "").strip())).first()
        if user is None:
            raise UserError(f"no account named {name!r}; `python -m review.users list` shows them")
        return user

    def set_disabled(self, name: str, disabled: bool, actor: str) -> User:
        """Disabling also ends the account's live sessions, in every app process (they live in the database)."""
        with Session(self.engine) as s:
            user = self._existing(s, name)
            user.disabled = disabled
            s.add(user)
            if disabled:
                s.exec(delete(UserSession).where(UserSession.user_id == user.id))
            audit.record(s, actor, "user_disabled" if disabled else "user_enabled", name=user.name)
            s.commit()
            s.refresh(user)
            return user

    def disable(self, name: str, actor: str) -> User:
        return self.set_disabled(name, True, actor)

    def enable(self, name: str, actor: str) -> User:
        return self.set_disabled(name, False, actor)

    def reset_password(self, name: str, password: str, actor: str) -> User:
        """A new password also ends the account's live sessions."""
        self._check_password(password)
        with Session(self.engine) as s:
            user = self._existing(s, name)
            user.password_hash = hash_password(password, self.scrypt_n)
            s.add(user)
            s.exec(delete(UserSession).where(UserSession.user_id == user.id))
            audit.record(s, actor, "password_reset", name=user.name)
            s.commit()
            s.refresh(user)
            return user


# -- command line ----------------------------------------------------------------------


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Repeat it: ") != first:
        raise UserError("the two passwords differ; nothing was changed")
    return first


def cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name (some containers)
        return "cli"


def main(argv: list[str] | None = None) -> int:
    from wiring.build import open_database
    from wiring.settings import Settings

    parser = argparse.ArgumentParser(prog="python -m review.users", description="Manage moderator accounts (uses DATABASE_URL).")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="create an account")
    add.add_argument("name")
    add.add_argument("--role", choices=[r.value for r in Role], default=Role.MODERATOR.value)
    add.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    sub.add_parser("list", help="list accounts")
    for command in ("disable", "enable"):
        sub.add_parser(command, help=f"{command} an account").add_argument("name")
    reset = sub.add_parser("reset-password", help="set a new password (ends the account's sessions)")
    reset.add_argument("name")
    reset.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    args = parser.parse_args(argv)

    try:
        settings = Settings.from_env()
        users = Users(open_database(settings), settings.password_scrypt_n, settings.password_min_chars)
        actor = cli_actor()
        if args.command == "add":
            user = users.add(args.name, args.role, _read_password(args.password_stdin), actor)
            print(f"added {user.name} ({user.role})")
        elif args.command == "list":
            print(f"{'name':<24} {'role':<10} {'status':<9} {'created (UTC)':<20} last sign-in (UTC)")
            for u in users.list():
                last = u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "never"
                print(f"{u.name:<24} {u.role:<10} {'disabled' if u.disabled else 'active':<9} "
                      f"{u.created_at.strftime('%Y-%m-%d %H:%M'):<20} {last}")
        elif args.command in ("disable", "enable"):
            user = users.set_disabled(args.name, args.command == "disable", actor)
            print(f"{user.name} is now {'disabled (its sessions ended)' if user.disabled else 'enabled'}")
        elif args.command == "reset-password":
            user = users.reset_password(args.name, _read_password(args.password_stdin), actor)
            print(f"new password set for {user.name} (its sessions ended)")
    except (UserError, ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, EOFError):
        print("\ncancelled; nothing was changed", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
