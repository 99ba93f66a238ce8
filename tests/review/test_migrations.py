"""Schema migrations on SQLite and PostgreSQL: new databases, databases from before migrations, and
the check that review/tables.py and review/migrations/ agree."""

import threading
import uuid

import pytest
from sqlalchemy import Column, MetaData, String, create_engine, inspect, text

from review import migrate
from review.db import make_engine
from review.queue import ReviewQueue
from review.tables import SQLModel
from tests.review.legacy_schema import legacy_statements


def test_a_new_database_is_created_at_head_and_matches_tables_py(database_url):
    """Fails when someone changes review/tables.py without a revision: run `make migration m='...'`."""
    engine = make_engine(database_url)
    assert migrate.current(engine) == migrate.head()
    assert migrate.differences(engine) == [], "review/tables.py and the migrations disagree: run make migration m='what changed'"
    engine.dispose()


def test_the_check_sees_a_column_the_migrations_lack(database_url):
    engine = make_engine(database_url)
    changed = MetaData(naming_convention=SQLModel.metadata.naming_convention)
    for table in SQLModel.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["reviewitem"].append_column(Column("priority", String(8)))
    [diff] = migrate.differences(engine, changed)
    assert diff[0] == "add_column" and diff[3].name == "priority"
    engine.dispose()


def test_the_migrations_have_one_head():
    assert migrate.head() is not None  # raises if two revisions both claim to follow the same one


def _legacy_database(url: str, statements: list[str]) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def test_a_database_made_before_migrations_is_adopted_with_its_data(database_url):
    dialect = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    when = "'2026-01-01 00:00:00.000000'"
    _legacy_database(database_url, legacy_statements(dialect) + [
        f"INSERT INTO conversation (id, created_at) VALUES ('c1', {when})",
        f"INSERT INTO message (conversation_id, role, content, status, created_at) VALUES ('c1', 'assistant', 'held reply', 'held', {when})",
        "INSERT INTO reviewitem (conversation_id, message_id, user_message, reply, guards, reasons, results, status, created_at) "
        f"VALUES ('c1', 1, 'q', 'held reply', 'pii', '[]', '[]', 'pending', {when})",
    ])
    engine = make_engine(database_url)
    assert migrate.current(engine) == migrate.head()
    assert migrate.differences(engine) == []
    queue = ReviewQueue(engine)
    [item] = queue.pending()
    assert item.reply == "held reply"
    queue.decide(item.id, "alice", approve=True)  # and it works as a database of today
    assert [o.status for o in queue.outcomes("c1", [item.id])] == ["approved"]
    engine.dispose()


def test_a_database_from_before_migrations_that_differs_is_refused_untouched(database_url):
    dialect = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    statements = [s.replace("scores JSON, ", "") for s in legacy_statements(dialect)]  # message lacks a column
    _legacy_database(database_url, statements)
    with pytest.raises(migrate.SchemaError, match=r"table message has columns .* expected .*scores"):
        make_engine(database_url)
    engine = create_engine(database_url)
    assert "alembic_version" not in inspect(engine).get_table_names()
    engine.dispose()


def test_processes_starting_together_on_a_new_database_migrate_it_once(database_url):
    barrier = threading.Barrier(4)
    engines, errors = [], []

    def start():
        barrier.wait()
        try:
            engines.append(make_engine(database_url))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(engines) == 4
    with engines[0].connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    assert migrate.current(engines[0]) == migrate.head()
    for engine in engines:
        engine.dispose()


def test_an_unreachable_server_is_a_clear_error():
    expected = r"cannot open the database postgresql\+psycopg://u:\*\*\*@127.0.0.1:1/x \(.*refused.*\)\. Check DATABASE_URL"
    with pytest.raises(RuntimeError, match=expected) as error:
        make_engine("postgresql://u:secret@127.0.0.1:1/x")
    assert "secret" not in str(error.value)
    with pytest.raises(RuntimeError, match="DATABASE_URL is not a database URL"):
        make_engine("not a url")


def test_a_user_who_may_not_create_tables_gets_a_clear_error(postgres):
    """PostgreSQL 15 no longer lets every user create tables in schema public."""
    admin = create_engine(postgres.new_database(), isolation_level="AUTOCOMMIT")
    role = f"reader_{uuid.uuid4().hex[:8]}"  # roles belong to the whole server
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
    url = admin.url.set(username=role).render_as_string(hide_password=False)
    admin.dispose()
    with pytest.raises(RuntimeError, match=r"cannot bring the database .* to the current schema \(permission denied.*CREATE on schema public"):
        make_engine(url)
    with pytest.raises(RuntimeError, match="DATABASE_URL names a database this app cannot use"):
        make_engine("nosuchdb://host/x")
