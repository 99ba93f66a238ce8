"""The audit log: who did what to which item, when. Append-only.

`record(session, ...)` adds an event to the caller's transaction, so an action and its audit entry
commit (or roll back) together. There is deliberately no function that changes or deletes an event,
and the database refuses UPDATE and DELETE on the table (triggers: see review/tables.py
install_append_only).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from review.tables import AuditEvent, install_append_only, utcnow  # noqa: F401  (re-exported for migrations)

log = logging.getLogger(__name__)

ACTIONS = frozenset({
    "flagged", "viewed", "claimed", "released_claim", "decided", "edited", "exported", "original_revealed",
    "login_success", "login_failure", "logout",
    "user_added", "user_disabled", "user_enabled", "password_reset",
    "purged",
    "reported",  # a person reported a reply they were shown (app/service.py ChatService.report)
})

# A detail key that looks like it holds a secret is stored as "[redacted]", whatever the caller passed.
_SECRET_KEY = re.compile(r"pass|secret|token|key|hash|salt|credential", re.IGNORECASE)
REDACTED = "[redacted]"


def _clean(detail: dict) -> dict:
    def scrub(value):
        if isinstance(value, dict):
            return {k: (REDACTED if _SECRET_KEY.search(str(k)) else scrub(v)) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [scrub(v) for v in value]
        return value

    scrubbed = scrub(detail)
    # JSON round trip: datetimes and other objects become strings now, not an error at commit time.
    return json.loads(json.dumps(scrubbed, default=str))


def record(session: Session, actor: str, action: str, item_id: int | None = None, **detail) -> AuditEvent:
    """Add an event to `session`'s transaction; the caller commits."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; one of {', '.join(sorted(ACTIONS))}")
    event = AuditEvent(actor=(actor or "?")[:100], action=action, item_id=item_id, detail=_clean(detail))
    session.add(event)
    return event


def record_now(engine: Engine, actor: str, action: str, item_id: int | None = None, **detail) -> AuditEvent:
    """Record an event in its own transaction."""
    with Session(engine) as s:
        event = record(s, actor, action, item_id, **detail)
        s.commit()
        s.refresh(event)
        return event


def browse(engine: Engine, actor: str | None = None, action: str | None = None, item_id: int | None = None,
           since: datetime | None = None, until: datetime | None = None, limit: int | None = 100,
           offset: int = 0, newest_first: bool = True) -> list[AuditEvent]:
    with Session(engine) as s:
        q = select(AuditEvent)
        if actor is not None:
            q = q.where(AuditEvent.actor == actor)
        if action is not None:
            q = q.where(AuditEvent.action == action)
        if item_id is not None:
            q = q.where(AuditEvent.item_id == item_id)
        if since is not None:
            q = q.where(AuditEvent.at >= since)
        if until is not None:
            q = q.where(AuditEvent.at < until)
        order = (AuditEvent.at.desc(), AuditEvent.id.desc()) if newest_first else (AuditEvent.at, AuditEvent.id)
        q = q.order_by(*order).offset(offset)
        if limit is not None:
            q = q.limit(limit)
        return list(s.exec(q).all())
