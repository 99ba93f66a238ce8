"""Tables: conversations and their messages, review items, and moderators' decisions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import Enum

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

# Named constraints, so a migration can drop or alter one by name (SQLite's batch mode needs it).
# Set before any table is defined; "ix" keeps SQLAlchemy's default index names.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


class ItemStatus(str, Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class MessageStatus(str, Enum):
    SHOWN = "shown"  # passed the guards (possibly redacted) and was shown
    HELD = "held"  # waiting for a moderator
    RELEASED = "released"  # approved by a moderator and shown
    REFUSED = "refused"  # rejected by a moderator; the person saw a refusal


class Conversation(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    created_at: datetime = Field(default_factory=utcnow)


class Message(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(foreign_key="conversation.id", index=True, max_length=32)
    role: str = Field(max_length=16)  # user | assistant
    content: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=MessageStatus.SHOWN.value, max_length=16)
    scores: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))  # input guards' scores
    created_at: datetime = Field(default_factory=utcnow)


class ReviewItem(SQLModel, table=True):
    # The console's default view is "pending, oldest first"; its filters are status with date,
    # score, guard or category. The second index also covers counts by guard and category, and the
    # last two cover the dashboard's per-day and per-guard counts, so those are read from the index
    # alone. Measured by bench/review_queue.py at 100,000 items.
    __table_args__ = (
        Index("ix_item_status_created", "status", "created_at"),
        Index("ix_item_status_score", "status", "top_score", "guards", "categories"),
        Index("ix_item_created_guards", "created_at", "guards"),
        Index("ix_item_decided", "decided_at", "guards", "status", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(foreign_key="conversation.id", index=True, max_length=32)
    message_id: int = Field(foreign_key="message.id")
    user_message: str = Field(sa_column=Column(Text, nullable=False))
    # What moderators see by default: the reply with personal data replaced by [ENTITY] placeholders.
    reply: str = Field(sa_column=Column(Text, nullable=False))
    # The reply as generated, encrypted (review/crypto.py); opened only on an audited reveal or release.
    sealed_reply: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    guards: str = Field(max_length=200)  # comma-separated names of the guards that fired
    categories: str = Field(default="", max_length=400)  # comma-separated categories at or above their threshold
    top_score: float = Field(default=0.0)  # highest score among the guards that fired
    reasons: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    results: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # GuardResult.to_dict()s
    status: str = Field(default=ItemStatus.PENDING.value, index=True, max_length=16)
    claimed_by: str | None = Field(default=None, max_length=100)
    claim_expires_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)
    decided_at: datetime | None = None


class Decision(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="reviewitem.id", index=True, unique=True)
    moderator: str = Field(max_length=100)
    outcome: str = Field(max_length=16)  # approved | rejected
    reason_code: str = Field(default="", max_length=40)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # Set when the moderator edited the reply before approving: what the person was shown instead.
    edited_reply: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    decided_at: datetime = Field(default_factory=utcnow)


# -- moderator console: accounts, sessions, sign-in attempts, audit log ------------------
# (appended here so that parallel edits to the tables above merge cleanly)

from sqlalchemy import event  # noqa: E402


class Role(str, Enum):
    MODERATOR = "moderator"  # reviews held replies
    ADMIN = "admin"  # also manages accounts, exports, reveals originals


class User(SQLModel, table=True):
    __tablename__ = "users"  # "user" is a reserved word in PostgreSQL

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True, index=True)
    role: str = Field(default=Role.MODERATOR.value, max_length=16)
    password_hash: str = Field(max_length=300)  # self-describing: see review/users.py hash_password
    disabled: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None


class UserSession(SQLModel, table=True):
    """A signed-in moderator. Only the token's SHA-256 is stored, so a copy of the database signs no one in."""

    __tablename__ = "user_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="users.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)


class LoginAttempt(SQLModel, table=True):
    """Recent sign-in attempts, for the per-name and per-address rate limits (pruned after the window)."""

    __tablename__ = "login_attempt"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    name: str = Field(max_length=100, index=True)
    ip: str = Field(default="", max_length=64, index=True)
    ok: bool = Field(default=False)


class AuditEvent(SQLModel, table=True):
    """Who did what, when. Append-only: the database itself refuses UPDATE and DELETE (see below)."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=100, index=True)
    action: str = Field(max_length=32, index=True)
    item_id: int | None = Field(default=None, index=True)  # no foreign key: events outlive purged items
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


_APPEND_ONLY_MESSAGE = "the audit log is append-only"

_APPEND_ONLY_DDL = {
    "sqlite": [
        f"CREATE TRIGGER IF NOT EXISTS auditevent_no_update BEFORE UPDATE ON auditevent "
        f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY_MESSAGE}'); END",
        f"CREATE TRIGGER IF NOT EXISTS auditevent_no_delete BEFORE DELETE ON auditevent "
        f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY_MESSAGE}'); END",
    ],
    "postgresql": [
        # No '%' anywhere: drivers with pyformat parameters would read it as a placeholder.
        "CREATE OR REPLACE FUNCTION auditevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION USING MESSAGE = '{_APPEND_ONLY_MESSAGE}: ' || TG_OP || ' refused'; END $$",
        "DROP TRIGGER IF EXISTS auditevent_no_change ON auditevent",
        "CREATE TRIGGER auditevent_no_change BEFORE UPDATE OR DELETE ON auditevent "
        "FOR EACH ROW EXECUTE FUNCTION auditevent_append_only()",
        "DROP TRIGGER IF EXISTS auditevent_no_truncate ON auditevent",
        "CREATE TRIGGER auditevent_no_truncate BEFORE TRUNCATE ON auditevent "
        "FOR EACH STATEMENT EXECUTE FUNCTION auditevent_append_only()",
    ],
}


def install_append_only(connection) -> bool:
    """Make the database refuse UPDATE/DELETE on auditevent. Idempotent; False on a dialect we have no DDL for.

    Runs after create_all (the DDL event below); a migration that creates the table must call it too.
    """
    statements = _APPEND_ONLY_DDL.get(connection.dialect.name)
    if statements is None:
        return False
    for sql in statements:
        connection.exec_driver_sql(sql)
    return True


event.listen(AuditEvent.__table__, "after_create", lambda _table, connection, **_kw: install_append_only(connection))


# -- traffic: how many replies and messages were checked, and how many stopped ------------------


class TrafficKind(str, Enum):
    REPLY = "reply"  # a model's reply through the output guards
    MESSAGE = "message"  # a person's message through the input checks


class TrafficCount(SQLModel, table=True):
    """Counts per hour of everything the guards checked, not only what they stopped, so the dashboard
    can show the share of replies held and of messages refused (review/traffic.py).

    One row per (hour, kind, reason): reason "" counts every checked text, "*" those held or refused,
    "guard:category" (e.g. "pii:PHONE_NUMBER") each reason one was stopped for. No text is stored.
    """

    __tablename__ = "traffic_count"

    hour: datetime = Field(primary_key=True)  # UTC, truncated to the hour
    kind: str = Field(primary_key=True, max_length=16)
    reason: str = Field(primary_key=True, max_length=120)
    n: int = Field(default=0)
