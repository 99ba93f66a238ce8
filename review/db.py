"""Database engine: SQLite (one file, WAL) by default, any SQLAlchemy URL otherwise."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, create_engine

from review import tables  # noqa: F401  (registers the tables on SQLModel.metadata)


def default_database_url() -> str:
    """`/data` where it exists (Hugging Face Spaces persistent storage, our Docker image), else ./data."""
    base = Path("/data") if Path("/data").is_dir() and os.access("/data", os.W_OK) else Path("data")
    return f"sqlite:///{base / 'guarded_chat.db'}"


def make_engine(url: str | None = None) -> Engine:
    url = url or default_database_url()
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")  # readers don't block the writer
            cur.execute("PRAGMA synchronous=NORMAL")  # durable at each WAL checkpoint; safe with WAL
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

    else:
        engine = create_engine(url, pool_pre_ping=True)
    SQLModel.metadata.create_all(engine)
    return engine
