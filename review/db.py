"""Database engine: SQLite (one file, WAL) by default, PostgreSQL (or any SQLAlchemy URL) via DATABASE_URL."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlmodel import create_engine

from review import migrate


def default_database_url() -> str:
    """`/data` where it exists (Hugging Face Spaces persistent storage, our Docker image), else ./data."""
    base = Path("/data") if Path("/data").is_dir() and os.access("/data", os.W_OK) else Path("data")
    return f"sqlite:///{base / 'guarded_chat.db'}"


def make_engine(url: str | None = None, pool_size: int = 8, migrate_schema: bool = True,
                busy_timeout_s: float = 30.0) -> Engine:
    """An engine for `url`, its schema upgraded to the newest migration (see review/migrate.py).

    `pool_size` caps the connections one process keeps to a server database; database calls are
    short, so a thread beyond the cap waits (up to 30 s) for a free connection. `busy_timeout_s` is how
    long one call waits on another writer's lock (review/retry.py retries after that).
    """
    url = url or default_database_url()
    url = _normalize(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout_s})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")  # readers don't block the writer
            cur.execute("PRAGMA synchronous=NORMAL")  # durable at each WAL checkpoint; safe with WAL
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

    else:
        try:
            engine = create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=0, pool_timeout=30,
                                   connect_args=_lock_timeout(url, busy_timeout_s))
        except (ArgumentError, ImportError) as exc:
            raise RuntimeError(f"DATABASE_URL names a database this app cannot use ({exc}); use sqlite:///FILE or postgresql://...") from None
    if migrate_schema:
        where = engine.url.render_as_string(hide_password=True)
        try:
            migrate.upgrade(engine)
        except OperationalError as exc:
            engine.dispose()
            raise RuntimeError(f"cannot open the database {where} ({_one_line(exc)}). "
                               "Check DATABASE_URL and that the database server is running.") from None
        except DBAPIError as exc:
            engine.dispose()
            raise RuntimeError(f"cannot bring the database {where} to the current schema ({_one_line(exc)}). "
                               "The user in DATABASE_URL must be allowed to create and alter tables "
                               "(on PostgreSQL 15 and later: own the database, or have CREATE on schema public).") from None
    return engine


def _lock_timeout(url: str, seconds: float) -> dict:
    """PostgreSQL waits for a lock without end unless told; make it give up like SQLite's busy timeout."""
    if make_url(url).get_backend_name() != "postgresql":
        return {}
    return {"options": f"-c lock_timeout={int(seconds * 1000)}"}


def _one_line(exc: DBAPIError) -> str:
    return " ".join(str(exc.orig).split())


def _normalize(url: str) -> str:
    """postgresql:// and postgres:// (what hosting services hand out) mean psycopg 3, the driver we ship."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise RuntimeError(f"DATABASE_URL is not a database URL: {url!r} (e.g. postgresql://user:pw@host/db)") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)
