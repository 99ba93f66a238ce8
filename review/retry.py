"""Writes that meet a locked or full database: retried while it is busy, then a clear error.

SQLite waits up to its busy timeout for another writer's lock, PostgreSQL up to lock_timeout (both
DATABASE_BUSY_TIMEOUT_S); when that runs out the whole transaction is run again a few times
(DATABASE_RETRIES), with a short growing pause. Each try is one transaction that either committed or
left nothing behind, so a retry cannot write twice and a failure loses only what was never
acknowledged. A full disk is not retried: it will not clear in a second.
"""

from __future__ import annotations

import functools
import logging
import time

from sqlalchemy.exc import DBAPIError, OperationalError

log = logging.getLogger(__name__)

# SQLite's messages; PostgreSQL's SQLSTATEs: lock_not_available, serialization_failure, deadlock_detected.
_BUSY_TEXT = ("database is locked", "database table is locked", "database is busy")
_BUSY_STATES = {"55P03", "40001", "40P01"}
_FULL_TEXT = ("database or disk is full", "no space left on device")
_FULL_STATES = {"53100"}


class StorageError(RuntimeError):
    """The database could not store this; the message says so in words a person can act on."""


class DatabaseBusy(StorageError):
    pass


class StorageFull(StorageError):
    pass


def classify(exc: BaseException) -> type[StorageError] | None:
    if not isinstance(exc, (OperationalError, DBAPIError)):
        return None
    orig = getattr(exc, "orig", exc)
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    text = str(orig).lower()
    if state in _FULL_STATES or any(t in text for t in _FULL_TEXT):
        return StorageFull
    if state in _BUSY_STATES or any(t in text for t in _BUSY_TEXT):
        return DatabaseBusy
    return None


def retry_busy(method):
    """For ReviewQueue write methods: `self.retries` more tries when the database is busy."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        tries = 1 + max(0, getattr(self, "retries", 0))
        for attempt in range(1, tries + 1):
            try:
                return method(self, *args, **kwargs)
            except (OperationalError, DBAPIError) as exc:
                kind = classify(exc)
                if kind is StorageFull:
                    log.error("%s: the database's disk is full (%s)", method.__name__, " ".join(str(exc.orig).split()))
                    raise StorageFull("The database is full, so this could not be stored. Nothing was lost that "
                                      "you were told is saved; please tell the operator.") from exc
                if kind is not DatabaseBusy:
                    raise
                if attempt == tries:
                    log.error("%s: database still busy after %d tries", method.__name__, tries)
                    raise DatabaseBusy(f"The database is busy (still locked after {tries} tries), so this was not "
                                       "stored. Please try again in a moment.") from exc
                log.warning("%s: database busy, try %d of %d", method.__name__, attempt, tries)
                time.sleep(min(0.05 * 2 ** attempt, 1.0))

    return wrapper
