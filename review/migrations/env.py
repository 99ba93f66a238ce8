"""Alembic's entry point. The connection comes from review/migrate.py (the app, the tests, the CLI)."""

from alembic import context
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from review import tables  # noqa: F401  (registers the tables on SQLModel.metadata)

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through review/migrate.py (python -m review.migrate --help), not the alembic CLI")



def render_item(kind, obj, _autogen_context):
    """Write SQLModel's column types as the plain SQLAlchemy types they store, so a revision file
    does not break when sqlmodel's internals move."""
    if kind == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.impl.length!r})"
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    # SQLite cannot ALTER most things; batch mode copies the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
