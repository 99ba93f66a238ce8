"""Encryption at rest for held replies' original text: Fernet (AES-128-CBC + HMAC-SHA256) from `cryptography`.

REVIEW_ENCRYPTION_KEY holds one or more Fernet keys, comma-separated, newest first: new text is sealed
with the first, and any of them opens (MultiFernet), so a key is rotated by prepending a new one,
re-sealing (Sealer.rotate), then dropping the old one.

With no key set:
- SQLite file: a key is generated once into `<database file>.key` (mode 0600) next to the database,
  with a loud warning. That keeps a copy of the database file alone unreadable, but not a copy of the
  whole folder; set the variable (a secret) for real protection.
- SQLite in memory: a throwaway key for this process (nothing outlives it anyway).
- Any other database: start-up fails; the key must come from the environment.

    python -m review.crypto generate-key     # prints a new key
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
import sys
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

log = logging.getLogger(__name__)


class SealError(Exception):
    """A sealed text could not be opened: wrong key, or the data was altered."""


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


def _fernet(key: str, source: str) -> Fernet:
    try:
        return Fernet(key.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise ValueError(f"{source} holds a key that is not a Fernet key (32 url-safe base64-encoded bytes); "
                         "make one with: python -m review.crypto generate-key") from None


class Sealer:
    def __init__(self, keys: list[str], source: str = "REVIEW_ENCRYPTION_KEY"):
        keys = [k for k in keys if k.strip()]
        if not keys:
            raise ValueError(f"{source} holds no key")
        self.source = source  # where the keys came from, for logs (never the keys themselves)
        self._fernet = MultiFernet([_fernet(k, source) for k in keys])

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeEncodeError, AttributeError):
            raise SealError(f"cannot open this sealed text with the key(s) from {self.source}: wrong key, "
                            "or the stored data was altered") from None

    def rotate(self, token: str) -> str:
        """Re-seal with the newest key (for re-encrypting stored text after a key change)."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise SealError(f"cannot re-seal: none of the keys from {self.source} opens this text") from None

    @classmethod
    def from_settings(cls, key_spec: str, database_url: str) -> Sealer:
        if key_spec and key_spec.strip():
            return cls(key_spec.split(","), "REVIEW_ENCRYPTION_KEY")
        if not database_url.startswith("sqlite"):
            raise RuntimeError("REVIEW_ENCRYPTION_KEY must be set when DATABASE_URL is not SQLite (held replies are "
                               "stored encrypted); make a key with: python -m review.crypto generate-key")
        path = database_url.split("///", 1)[-1] if "///" in database_url else ""
        if not path or path == ":memory:":
            log.warning("REVIEW_ENCRYPTION_KEY is not set and the database is in memory: using a throwaway key")
            return cls([generate_key()], "a throwaway key")
        return cls([_key_file(Path(path + ".key"))], f"key file {path}.key")


def _key_file(path: Path) -> str:
    """Read the key file next to the database, creating it (0600) on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write a private temporary file, then link it into place: the link is atomic and fails if
        # another process got there first, so no one ever reads a half-written key.
        tmp = path.with_name(f"{path.name}.{secrets.token_hex(8)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(generate_key() + "\n")
        try:
            os.link(tmp, path)
            created = True
        except FileExistsError:  # another process made it first: use theirs
            created = False
        finally:
            tmp.unlink()
        if created:
            log.warning("!" * 72)
            log.warning("REVIEW_ENCRYPTION_KEY is not set: generated a key into %s (mode 0600).", path)
            log.warning("Anyone with that file can read held replies; keep it apart from database backups,")
            log.warning("or set REVIEW_ENCRYPTION_KEY (a secret) to its content and delete the file.")
            log.warning("!" * 72)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("key file %s is readable by other users (mode %o); chmod 600 it", path, mode)
    else:
        log.warning("REVIEW_ENCRYPTION_KEY is not set: using the key file %s", path)
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"the key file {path} is empty; restore it from a backup or set REVIEW_ENCRYPTION_KEY")
    return key


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv != ["generate-key"]:
        print("usage: python -m review.crypto generate-key", file=sys.stderr)
        return 2
    print(generate_key())
    return 0


if __name__ == "__main__":
    sys.exit(main())
