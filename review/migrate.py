"""Schema migrations (Alembic): the app upgrades its database to the newest revision on start.

    python -m review.migrate upgrade            # DATABASE_URL (or the default SQLite file) to head
    python -m review.migrate revision "message" # new revision from the difference between tables.py and head
    python -m review.migrate check              # exit 1 if tables.py and the migrations disagree
    python -m review.migrate stamp REVISION     # mark a database as being at REVISION without changing it
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from review import tables  # noqa: F401  (registers the tables on SQLModel.metadata)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The revision that matches the tables `SQLModel.metadata.create_all` made before migrations existed.
BASELINE = "0001"
# Any constant: the PostgreSQL advisory lock that lets one process at a time migrate.
_PG_LOCK_KEY = 7_860_001


class SchemaError(RuntimeError):
    """The database's tables are not something this app can safely migrate."""


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise SchemaError(f"the migrations have {len(heads)} heads {heads}; merge them (alembic merge) into one")
    return heads[0]


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the database to head: new databases are created, pre-migration ones stamped first.

    One process at a time (a PostgreSQL advisory lock, or a lock file beside a SQLite file), so app
    processes started together on one database do not both create the tables.
    """
    with _migration_lock(engine) as conn:
        names = set(inspect(conn).get_table_names())
        ours = names & set(SQLModel.metadata.tables)
        if "alembic_version" not in names and ours:
            _check_matches_baseline(conn)
            command.stamp(alembic_config(conn), BASELINE)
        command.upgrade(alembic_config(conn), "head")


def differences(engine: Engine, metadata=SQLModel.metadata) -> list:
    """What autogenerate would write: [] when tables.py and the database (at head) agree."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": conn.dialect.name == "sqlite"})
        return compare_metadata(ctx, metadata)


@contextlib.contextmanager
def _migration_lock(engine: Engine):
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:  # DDL is transactional here: a failed migration leaves nothing behind
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
            yield conn
        return
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:":
        with engine.begin() as conn:
            yield conn
        return
    with open(f"{path}.migrate-lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with engine.begin() as conn:
                yield conn
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _columns(conn: Connection, names) -> dict[str, set[str]]:
    insp = inspect(conn)
    return {t: {c["name"] for c in insp.get_columns(t)} for t in names}


def _check_matches_baseline(conn: Connection) -> None:
    """A database made by create_all before migrations existed must hold exactly the baseline's tables
    and columns; anything else is not stamped blindly."""
    scratch = create_engine("sqlite://")
    with scratch.begin() as sconn:
        command.upgrade(alembic_config(sconn), BASELINE)
        expected = _columns(sconn, set(inspect(sconn).get_table_names()) - {"alembic_version"})
    scratch.dispose()
    found = _columns(conn, set(inspect(conn).get_table_names()) & set(expected))
    problems = [f"table {t} is missing" for t in sorted(set(expected) - set(found))]
    for t in sorted(found):
        if found[t] != expected[t]:
            problems.append(f"table {t} has columns {sorted(found[t])}, expected {sorted(expected[t])}")
    if problems:
        raise SchemaError(
            "the database has tables from before schema migrations, but they do not match the first "
            f"revision ({BASELINE}): " + "; ".join(problems) + ". Back it up and bring it to a known revision by hand "
            "(python -m review.migrate stamp REVISION), or point DATABASE_URL at a new database."
        )


def new_revision(message: str) -> Path | None:
    """Autogenerate a revision from tables.py against a scratch SQLite database at head.

    Returns the new file, or None when tables.py already matches the migrations.
    """
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/scratch.db")
        upgrade(engine)
        if not differences(engine):
            engine.dispose()
            return None
        number = len(list(ScriptDirectory.from_config(alembic_config()).walk_revisions())) + 1
        with engine.begin() as conn:
            script = command.revision(alembic_config(conn), message=message, autogenerate=True, rev_id=f"{number:04d}")
        engine.dispose()
    return Path(script.path)


def main(argv: list[str] | None = None) -> int:
    from review.db import make_engine  # here: review.db imports this module

    parser = argparse.ArgumentParser(prog="python -m review.migrate", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("upgrade", help="upgrade DATABASE_URL to head")
    rev = sub.add_parser("revision", help="write a new revision for the changes in review/tables.py")
    rev.add_argument("message")
    sub.add_parser("check", help="exit 1 if review/tables.py and the migrations disagree")
    stamp = sub.add_parser("stamp", help="mark DATABASE_URL as being at REVISION, changing nothing else")
    stamp.add_argument("revision")
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL") or None
    try:
        if args.cmd == "upgrade":
            engine = make_engine(url)
            print(f"{engine.url.render_as_string(hide_password=True)} is at revision {current(engine)}")
        elif args.cmd == "revision":
            path = new_revision(args.message)
            if path is None:
                print("review/tables.py already matches the migrations: no revision written", file=sys.stderr)
                return 1
            print(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}; read it before committing")
        elif args.cmd == "check":
            with tempfile.TemporaryDirectory() as tmp:
                engine = create_engine(f"sqlite:///{tmp}/scratch.db")
                upgrade(engine)
                diff = differences(engine)
                engine.dispose()
            if diff:
                print("review/tables.py and the migrations disagree; run: make migration m='what changed'", file=sys.stderr)
                for d in diff:
                    print(f"  {d}", file=sys.stderr)
                return 1
            print(f"tables.py matches the migrations (head {head()})")
        elif args.cmd == "stamp":
            engine = make_engine(url, migrate_schema=False)
            with engine.begin() as conn:
                command.stamp(alembic_config(conn), args.revision)
            print(f"stamped {engine.url.render_as_string(hide_password=True)} at {args.revision}")
    except (SchemaError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
