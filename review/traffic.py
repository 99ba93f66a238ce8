"""Counters of checked replies and messages per hour: the dashboard's held share and refusal share.

The review items tell what was held; these counters tell out of how many. The chat service adds one
count per checked reply and per checked message (app/service.py); each is one upsert per row, in one
transaction (INSERT ... ON CONFLICT DO UPDATE, on SQLite and PostgreSQL alike), so app processes
sharing a database add to the same rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from review.retry import retry_busy
from review.tables import TrafficCount, TrafficKind, utcnow

ALL = ""  # the reason that counts every checked text
STOPPED = "*"  # the reason that counts those held (replies) or refused (messages)


def _hour(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def reason_key(guard: str, category: str) -> str:
    return f"{guard}:{category}"[:120]


class Traffic:
    def __init__(self, engine: Engine, retries: int = 3):
        self.engine = engine
        self.retries = retries  # for @retry_busy

    @retry_busy
    def count(self, kind: TrafficKind, stopped: bool, reasons: Iterable[str] = (), at: datetime | None = None) -> None:
        """One checked text of `kind`; `stopped` if it was held or refused, for `reasons` ("guard:category")."""
        keys = [ALL] + ([STOPPED, *dict.fromkeys(r[:120] for r in reasons if r and r not in (ALL, STOPPED))] if stopped else [])
        hour = _hour(at or utcnow())
        rows = [{"hour": hour, "kind": TrafficKind(kind).value, "reason": key, "n": 1} for key in keys]
        dialect = self.engine.dialect.name
        insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}.get(dialect)
        if insert is None:
            raise RuntimeError(f"traffic counters need SQLite or PostgreSQL, not {dialect}")
        stmt = insert(TrafficCount).values(rows)
        stmt = stmt.on_conflict_do_update(index_elements=["hour", "kind", "reason"],
                                          set_={"n": TrafficCount.__table__.c.n + stmt.excluded.n})
        with Session(self.engine) as s:
            s.exec(stmt)
            s.commit()

    def summary(self, hours: int = 24, now: datetime | None = None) -> TrafficSummary:
        """The last `hours` hours (the current one included)."""
        end = _hour(now or utcnow())
        start = end - timedelta(hours=max(1, hours) - 1)
        out = TrafficSummary(start=start, hours=[start + timedelta(hours=i) for i in range(max(1, hours))])
        with Session(self.engine) as s:
            rows = s.exec(select(TrafficCount).where(TrafficCount.hour >= start)).all()
        for row in rows:
            hour = _hour(row.hour.replace(tzinfo=UTC) if row.hour.tzinfo is None else row.hour)
            side = out.replies if row.kind == TrafficKind.REPLY.value else out.messages
            if row.reason == ALL:
                side.checked += row.n
                side.checked_per_hour[hour] += row.n
            elif row.reason == STOPPED:
                side.stopped += row.n
                side.stopped_per_hour[hour] += row.n
            else:
                side.reasons[row.reason] += row.n
        return out


@dataclass
class Side:
    """Replies (stopped = held) or messages (stopped = refused) over the summary's hours."""

    checked: int = 0
    stopped: int = 0
    reasons: Counter = field(default_factory=Counter)  # "guard:category" -> how many were stopped for it
    checked_per_hour: Counter = field(default_factory=Counter)
    stopped_per_hour: Counter = field(default_factory=Counter)

    @property
    def share(self) -> float | None:
        return self.stopped / self.checked if self.checked else None

    def by_guard(self) -> Counter:
        """How many were stopped by each guard (a text stopped by two guards counts for both)."""
        guards: Counter = Counter()
        for reason, n in self.reasons.items():
            guards[reason.split(":", 1)[0]] += n
        return guards

    def share_per_hour(self, hours: list[datetime]) -> list[float | None]:
        return [self.stopped_per_hour[h] / self.checked_per_hour[h] if self.checked_per_hour[h] else None for h in hours]


@dataclass
class TrafficSummary:
    start: datetime
    hours: list[datetime]
    replies: Side = field(default_factory=Side)
    messages: Side = field(default_factory=Side)
