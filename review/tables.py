"""Tables: conversations and their messages, review items, and moderators' decisions."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from enum import Enum

from sqlalchemy import JSON, Column, Text
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
    return datetime.now(timezone.utc)


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
    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(foreign_key="conversation.id", index=True, max_length=32)
    message_id: int = Field(foreign_key="message.id")
    user_message: str = Field(sa_column=Column(Text, nullable=False))
    reply: str = Field(sa_column=Column(Text, nullable=False))
    guards: str = Field(max_length=200)  # comma-separated names of the guards that fired
    reasons: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    results: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # GuardResult.to_dict()s
    status: str = Field(default=ItemStatus.PENDING.value, index=True, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    decided_at: datetime | None = None


class Decision(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="reviewitem.id", index=True, unique=True)
    moderator: str = Field(max_length=100)
    outcome: str = Field(max_length=16)  # approved | rejected
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    decided_at: datetime = Field(default_factory=utcnow)
