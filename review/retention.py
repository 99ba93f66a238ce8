"""Retention: delete what moderators saw once it is old enough.

    python -m review.retention [--days N] [--dry-run]     # N defaults to RETENTION_DAYS

For every item decided more than N days ago, in one transaction:
- the review item goes (the held reply, the person's message, guard results, and any sealed original
  stored on it);
- its Decision row goes too: who decided what and when stays in the audit log (`decided` events
  carry no message text), and the `purged` event records how many of each outcome were removed;
- the held assistant message keeps its row (the conversation's shape) but its text is replaced by
  PURGED_TEXT.
Pending items are never purged. The audit log itself is append-only and is not purged (it holds no
message text).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from review import audit
from review.tables import Decision, ItemStatus, Message, ReviewItem, utcnow

PURGED_TEXT = "[deleted by the retention policy]"
BATCH = 500  # ids per IN (...) list


@dataclass
class PurgeReport:
    days: float
    cutoff: datetime
    items: int = 0
    decisions: int = 0
    messages: int = 0
    outcomes: dict = field(default_factory=dict)
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would purge" if self.dry_run else "purged"
        per = ", ".join(f"{n} {o}" for o, n in sorted(self.outcomes.items())) or "none"
        return (f"{verb} {self.items} items decided before {self.cutoff:%Y-%m-%d %H:%M} UTC ({per}); "
                f"{self.decisions} decisions, {self.messages} message texts")


def purge(engine: Engine, days: float, actor: str = "retention", dry_run: bool = False, now: datetime | None = None) -> PurgeReport:
    if days < 0:
        raise ValueError(f"retention days must be 0 or more, not {days}")
    cutoff = (now or utcnow()) - timedelta(days=days)
    report = PurgeReport(days=days, cutoff=cutoff, dry_run=dry_run)
    with Session(engine) as s:
        rows = s.exec(select(ReviewItem.id, ReviewItem.message_id, ReviewItem.status).where(
            ReviewItem.status != ItemStatus.PENDING.value, ReviewItem.decided_at.is_not(None), ReviewItem.decided_at < cutoff,
        )).all()
        report.items = len(rows)
        for _, _, status in rows:
            report.outcomes[status] = report.outcomes.get(status, 0) + 1
        item_ids = [r[0] for r in rows]
        message_ids = [r[1] for r in rows]
        for start in range(0, len(item_ids), BATCH):
            ids, mids = item_ids[start:start + BATCH], message_ids[start:start + BATCH]
            if dry_run:
                report.decisions += len(s.exec(select(Decision.id).where(Decision.item_id.in_(ids))).all())
                report.messages += len(mids)
                continue
            report.decisions += s.exec(delete(Decision).where(Decision.item_id.in_(ids))).rowcount
            s.exec(delete(ReviewItem).where(ReviewItem.id.in_(ids)))
            report.messages += s.exec(update(Message).where(Message.id.in_(mids)).values(content=PURGED_TEXT)).rowcount
        if dry_run:
            return report
        audit.record(s, actor, "purged", days=days, cutoff=cutoff.isoformat(), items=report.items,
                     decisions=report.decisions, messages=report.messages, outcomes=report.outcomes)
        s.commit()
    return report


def main(argv: list[str] | None = None) -> int:
    from review.users import cli_actor
    from wiring.build import open_database
    from wiring.settings import Settings

    parser = argparse.ArgumentParser(prog="python -m review.retention", description="Purge decided items older than N days (uses DATABASE_URL).")
    parser.add_argument("--days", type=float, default=None, help="default: RETENTION_DAYS")
    parser.add_argument("--dry-run", action="store_true", help="count what would go; change nothing")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        days = args.days if args.days is not None else settings.retention_days
        if days <= 0 and args.days is None:
            print("RETENTION_DAYS is 0 (keep everything); pass --days N to purge anyway", file=sys.stderr)
            return 2
        report = purge(open_database(settings), days, cli_actor(), args.dry_run)
    except (ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
