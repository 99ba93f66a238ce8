"""The review queue service: plain functions over the database, no UI.

Every state change is one conditional UPDATE (`... WHERE status = 'pending' AND <not claimed by
someone else>`), so two moderators, two app processes or two databases' worth of workers racing
on one item cannot both win. Each change writes its audit entry in the same transaction.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from guardrails.types import Verdict
from review import audit
from review.redaction import redact_spans
from review.retry import retry_busy
from review.tables import (
    Conversation,
    Decision,
    ItemStatus,
    Message,
    MessageStatus,
    ReviewItem,
    utcnow,
)
from review.traffic import Traffic

SYSTEM = "system"  # the actor for entries the app writes by itself
USER_REPORT = "user_report"  # the `guards` of an item a person reported: a reply that slipped through
SORTS = {
    "oldest": (ReviewItem.created_at, ReviewItem.id),
    "newest": (ReviewItem.created_at.desc(), ReviewItem.id.desc()),
    "highest score": (ReviewItem.top_score.desc(), ReviewItem.id),
    "lowest score": (ReviewItem.top_score, ReviewItem.id),
}


class AlreadyDecided(Exception):
    """Another moderator decided this item first (or it does not exist)."""


class Claimed(Exception):
    """Another moderator holds a live claim on this item."""


@dataclass(frozen=True)
class Outcome:
    item_id: int
    status: str
    reply: str  # what the person is shown: the original, or the moderator's edited version


@dataclass(frozen=True)
class ItemFilter:
    """What the console's filters select. None means "any"."""

    status: str | None = ItemStatus.PENDING.value
    guard: str | None = None
    category: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    min_score: float | None = None
    max_score: float | None = None
    text: str | None = None  # substring of the person's message or the (redacted) reply

    def where(self, dialect: str = "sqlite") -> list:
        c = []
        if self.status:
            c.append(ReviewItem.status == self.status)
        if self.guard:
            c.append(ReviewItem.guards.contains(self.guard))
        if self.category:
            c.append(ReviewItem.categories.contains(self.category))
        if self.since:
            c.append(ReviewItem.created_at >= self.since)
        if self.until:
            c.append(ReviewItem.created_at < self.until)
        if self.min_score is not None:
            c.append(ReviewItem.top_score >= self.min_score)
        if self.max_score is not None:
            c.append(ReviewItem.top_score <= self.max_score)
        if self.text:
            like = f"%{_escape_like(self.text)}%"
            c.append(or_(_like(ReviewItem.reply, like, dialect), _like(ReviewItem.user_message, like, dialect)))
        return c


@dataclass(frozen=True)
class Page:
    items: list[ReviewItem]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass
class Dashboard:
    pending: int = 0
    oldest_pending: datetime | None = None
    flags_per_day: dict[str, Counter] = field(default_factory=dict)  # day -> guard -> count
    decisions: Counter = field(default_factory=Counter)  # outcome -> count
    hours_to_decision: list[float] = field(default_factory=list)
    approved_share: dict[str, tuple[int, int]] = field(default_factory=dict)  # guard -> (approved, decided)


class ReviewQueue:
    def __init__(self, engine: Engine, sealer=None, claim_minutes: float = 15.0, retries: int = 3):
        """`sealer` (review.crypto.Sealer) encrypts the original of each held reply; without one the
        original is not kept at all and an approval releases the redacted text. `retries`: more tries
        for a write that found the database locked (review/retry.py)."""
        self.engine = engine
        self.sealer = sealer
        self.claim_minutes = claim_minutes
        self.retries = retries
        self.traffic = Traffic(engine, retries)  # checked replies and messages per hour, for the held share

    # -- the chat side -------------------------------------------------------------

    @retry_busy
    def start_conversation(self) -> str:
        with Session(self.engine) as s:
            conv = Conversation()
            s.add(conv)
            s.commit()
            return conv.id

    @retry_busy
    def record(self, conversation_id: str, role: str, content: str, status: MessageStatus = MessageStatus.SHOWN,
               scores: dict | None = None) -> int:
        with Session(self.engine) as s:
            msg = Message(conversation_id=conversation_id, role=role, content=content, status=status.value, scores=scores)
            s.add(msg)
            s.commit()
            return msg.id

    @retry_busy
    def hold(self, conversation_id: str, user_message: str, reply: str, verdict: Verdict) -> int:
        """Store a held reply and its review item in one transaction; returns the item id.

        Only the redacted reply is stored in clear; the original is sealed (encrypted).
        """
        results = [{**r.to_dict(), "threshold": verdict.thresholds.get(r.guard)} for r in verdict.results]
        redacted = redact_spans(reply, results)
        fired = [r for r in results if r["guard"] in verdict.fired]
        categories = sorted({cat for r in fired for cat, score in r["scores"].items() if score >= (r.get("threshold") or 0.0)})
        top = max((max(r["scores"].values(), default=0.0) for r in fired), default=0.0)
        with Session(self.engine) as s:
            msg = Message(conversation_id=conversation_id, role="assistant", content=redacted, status=MessageStatus.HELD.value)
            s.add(msg)
            s.flush()
            item = ReviewItem(
                conversation_id=conversation_id,
                message_id=msg.id,
                user_message=user_message,
                reply=redacted,
                sealed_reply=self.sealer.seal(reply) if self.sealer else None,
                guards=",".join(verdict.fired) or ("error" if any(r.error for r in verdict.results) else ""),
                categories=",".join(categories),
                top_score=round(float(top), 4),
                reasons=list(verdict.reasons),
                results=results,
            )
            s.add(item)
            s.flush()
            audit.record(s, SYSTEM, "flagged", item_id=item.id, guards=item.guards, categories=item.categories, top_score=item.top_score)
            s.commit()
            return item.id

    def report(self, conversation_id: str, message_id: int, user_message: str, reply: str, reason: str = "") -> int:
        """A person reports a reply they were shown; it becomes a pending item (guards="user_report").

        `reply` is the text as shown (it passed the guards, so the PII the guard found is already a
        placeholder). Deciding the item changes nothing in the person's chat: approved means the reply
        was fine, rejected that the guards missed something (a label for learning from reviews).
        """
        reason = " ".join((reason or "").split())[:500]
        with Session(self.engine) as s:
            msg = s.get(Message, message_id)
            if msg is None or msg.conversation_id != conversation_id or msg.role != "assistant":
                raise KeyError(f"no reply {message_id} in this conversation")
            item = ReviewItem(
                conversation_id=conversation_id,
                message_id=message_id,
                user_message=user_message,
                reply=reply,
                guards=USER_REPORT,
                categories=USER_REPORT,
                top_score=0.0,
                reasons=[f"reported by the person chatting: {reason}" if reason else "reported by the person chatting"],
                results=[],
            )
            s.add(item)
            s.flush()
            audit.record(s, SYSTEM, "reported", item_id=item.id)
            s.commit()
            return item.id

    def outcomes(self, conversation_id: str, item_ids: list[int]) -> list[Outcome]:
        """Decided items among `item_ids` that belong to this conversation, with the text to show."""
        if not item_ids:
            return []
        with Session(self.engine) as s:
            rows = s.exec(
                select(ReviewItem, Decision)
                .join(Decision, Decision.item_id == ReviewItem.id)
                .where(
                    ReviewItem.id.in_(item_ids),
                    ReviewItem.conversation_id == conversation_id,
                    ReviewItem.status != ItemStatus.PENDING.value,
                )
            ).all()
            return [Outcome(item.id, item.status, self._released_text(item, d)) for item, d in rows]

    def _released_text(self, item: ReviewItem, decision: Decision) -> str:
        if decision.edited_reply is not None:
            return decision.edited_reply
        if item.sealed_reply and self.sealer:
            return self.sealer.open(item.sealed_reply)
        return item.reply

    # -- the moderator side: reading -----------------------------------------------

    def search(self, where: ItemFilter = ItemFilter(), sort: str = "oldest", page: int = 1, page_size: int = 50) -> Page:
        page, page_size = max(1, int(page)), max(1, min(int(page_size), 500))
        conditions = where.where(self.engine.dialect.name)
        with Session(self.engine) as s:
            total = s.exec(select(func.count()).select_from(ReviewItem).where(*conditions)).one()
            q = select(ReviewItem).where(*conditions).order_by(*SORTS.get(sort, SORTS["oldest"]))
            items = list(s.exec(q.offset((page - 1) * page_size).limit(page_size)).all())
        return Page(items, total, page, page_size)

    def pending(self, limit: int = 50, offset: int = 0) -> list[ReviewItem]:
        with Session(self.engine) as s:
            q = (
                select(ReviewItem)
                .where(ReviewItem.status == ItemStatus.PENDING.value)
                .order_by(ReviewItem.created_at, ReviewItem.id)
                .offset(offset)
                .limit(limit)
            )
            return list(s.exec(q).all())

    def count(self, status: ItemStatus = ItemStatus.PENDING) -> int:
        with Session(self.engine) as s:
            return s.exec(select(func.count()).select_from(ReviewItem).where(ReviewItem.status == status.value)).one()

    def get(self, item_id: int) -> ReviewItem | None:
        with Session(self.engine) as s:
            return s.get(ReviewItem, item_id)

    def view(self, item_id: int, moderator: str) -> ReviewItem | None:
        """The item, with a `viewed` audit entry."""
        with Session(self.engine) as s:
            item = s.get(ReviewItem, item_id)
            if item is not None:
                audit.record(s, moderator, "viewed", item_id=item_id)
                s.commit()
                s.refresh(item)
            return item

    def reveal(self, item_id: int, moderator: str, why: str = "") -> str:
        """The original (unredacted) reply: an explicit, audited action."""
        with Session(self.engine) as s:
            item = s.get(ReviewItem, item_id)
            if item is None:
                raise KeyError(f"no item {item_id}")
            if not (item.sealed_reply and self.sealer):
                raise LookupError(f"item {item_id} has no stored original (it was purged, or held without encryption)")
            original = self.sealer.open(item.sealed_reply)
            audit.record(s, moderator, "original_revealed", item_id=item_id, why=why[:500])
            s.commit()
            return original

    def decisions(self, item_id: int | None = None) -> list[Decision]:
        with Session(self.engine) as s:
            q = select(Decision).order_by(Decision.decided_at)
            if item_id is not None:
                q = q.where(Decision.item_id == item_id)
            return list(s.exec(q).all())

    # -- the moderator side: claims and decisions ------------------------------------

    def _free_for(self, moderator: str, now: datetime):
        """SQL condition: nobody else holds a live claim."""
        return or_(ReviewItem.claimed_by.is_(None), ReviewItem.claimed_by == moderator, ReviewItem.claim_expires_at < now)

    @retry_busy
    def claim(self, item_id: int, moderator: str) -> datetime:
        """Claim a pending item for `claim_minutes`; returns when the claim expires. Raises Claimed/AlreadyDecided."""
        now = utcnow()
        until = now + timedelta(minutes=self.claim_minutes)
        with Session(self.engine) as s:
            changed = s.exec(
                update(ReviewItem)
                .where(ReviewItem.id == item_id, ReviewItem.status == ItemStatus.PENDING.value, self._free_for(moderator, now))
                .values(claimed_by=moderator, claim_expires_at=until)
            ).rowcount
            if changed != 1:
                s.rollback()
                self._why_not(item_id, moderator)
            audit.record(s, moderator, "claimed", item_id=item_id, until=until.isoformat())
            s.commit()
        return until

    @retry_busy
    def release_claim(self, item_id: int, moderator: str) -> bool:
        with Session(self.engine) as s:
            changed = s.exec(
                update(ReviewItem)
                .where(ReviewItem.id == item_id, ReviewItem.claimed_by == moderator)
                .values(claimed_by=None, claim_expires_at=None)
            ).rowcount
            if changed:
                audit.record(s, moderator, "released_claim", item_id=item_id)
            s.commit()
            return bool(changed)

    @retry_busy
    def decide(self, item_id: int, moderator: str, approve: bool, note: str = "", reason_code: str = "",
               edited_reply: str | None = None) -> Decision:
        """Approve or reject a pending item. Exactly one decision per item wins.

        `edited_reply` (approve only) is released instead of the original: the moderator's redaction.
        Raises AlreadyDecided, or Claimed when another moderator holds a live claim.
        """
        if edited_reply is not None and not approve:
            raise ValueError("only an approval can release an edited reply")
        if edited_reply is not None and not edited_reply.strip():
            raise ValueError("the edited reply is empty; reject the item instead")
        outcome = ItemStatus.APPROVED if approve else ItemStatus.REJECTED
        now = utcnow()
        reported = edited_reply is not None and getattr(self.get(item_id), "guards", None) == USER_REPORT
        if reported:
            raise ValueError("a reported reply was already shown to the person, so an edited version would never "
                             "reach them; approve it (the reply was fine) or reject it (the guards should have held it)")
        with Session(self.engine) as s:
            changed = s.exec(
                update(ReviewItem)
                .where(ReviewItem.id == item_id, ReviewItem.status == ItemStatus.PENDING.value, self._free_for(moderator, now))
                .values(status=outcome.value, decided_at=now, claimed_by=None, claim_expires_at=None)
            ).rowcount
            if changed != 1:
                s.rollback()
                self._why_not(item_id, moderator)
            item = s.get(ReviewItem, item_id)
            msg = s.get(Message, item.message_id)
            if item.guards != USER_REPORT:  # a reported reply was already shown; its message stays as it was
                msg.status = (MessageStatus.RELEASED if approve else MessageStatus.REFUSED).value
                if edited_reply is not None:
                    msg.content = edited_reply
            decision = Decision(item_id=item_id, moderator=moderator, outcome=outcome.value, reason_code=reason_code or "",
                                note=note or "", edited_reply=edited_reply, decided_at=now)
            s.add(decision)
            s.add(msg)
            if edited_reply is not None:
                audit.record(s, moderator, "edited", item_id=item_id, chars_before=len(item.reply), chars_after=len(edited_reply))
            audit.record(s, moderator, "decided", item_id=item_id, outcome=outcome.value, reason_code=reason_code or "")
            s.commit()
            s.refresh(decision)
            return decision

    def decide_many(self, item_ids: list[int], moderator: str, approve: bool, note: str = "",
                    reason_code: str = "") -> tuple[list[int], dict[int, str]]:
        """Bulk approve/reject. Each item is its own conditional update: (decided ids, {skipped id: why})."""
        done, skipped = [], {}
        for item_id in dict.fromkeys(item_ids):
            try:
                self.decide(item_id, moderator, approve, note, reason_code)
                done.append(item_id)
            except (AlreadyDecided, Claimed) as exc:
                skipped[item_id] = str(exc)
        return done, skipped

    def _why_not(self, item_id: int, moderator: str) -> None:
        item = self.get(item_id)
        if item is None or item.status != ItemStatus.PENDING.value:
            raise AlreadyDecided(f"item {item_id} is not pending (already decided, or no such item)")
        until = _aware(item.claim_expires_at)
        raise Claimed(f"item {item_id} is claimed by {item.claimed_by} until {until:%H:%M} UTC")

    # -- dashboard -----------------------------------------------------------------

    def dashboard(self, days: int = 30) -> Dashboard:
        since = utcnow() - timedelta(days=days)
        d = Dashboard()
        with Session(self.engine) as s:
            pending = ReviewItem.status == ItemStatus.PENDING.value
            d.pending, oldest = s.exec(select(func.count(), func.min(ReviewItem.created_at)).where(pending)).one()
            d.oldest_pending = _aware(oldest)
            day = func.date(ReviewItem.created_at)
            flags = defaultdict(Counter)
            for when, guards, n in s.exec(
                select(day, ReviewItem.guards, func.count()).where(ReviewItem.created_at >= since).group_by(day, ReviewItem.guards)
            ):
                for g in (guards or "?").split(","):
                    flags[str(when)][g] += n
            d.flags_per_day = dict(sorted(flags.items()))
            d.decisions = Counter(dict(s.exec(
                select(Decision.outcome, func.count()).where(Decision.decided_at >= since).group_by(Decision.outcome)).all()))
            recent = s.exec(
                select(ReviewItem.created_at, ReviewItem.decided_at)
                .where(ReviewItem.decided_at.is_not(None), ReviewItem.decided_at >= since)
                .order_by(ReviewItem.decided_at.desc()).limit(1000)
            ).all()
            # Never below 0: two app processes' clocks can differ by a little.
            d.hours_to_decision = [max(0.0, (_aware(b) - _aware(a)).total_seconds() / 3600) for a, b in recent]
            share = defaultdict(lambda: [0, 0])
            for guards, status, n in s.exec(
                select(ReviewItem.guards, ReviewItem.status, func.count())
                .where(ReviewItem.status != ItemStatus.PENDING.value, ReviewItem.decided_at >= since)
                .group_by(ReviewItem.guards, ReviewItem.status)
            ):
                for g in (guards or "?").split(","):
                    share[g][1] += n
                    share[g][0] += n if status == ItemStatus.APPROVED.value else 0
            d.approved_share = {g: (a, t) for g, (a, t) in sorted(share.items())}
        return d


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; they were written in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _like(column, pattern: str, dialect: str):
    """Case-insensitive substring match. SQLite's LIKE already ignores ASCII case, and SQLAlchemy's
    ilike() there wraps both sides in lower(), three times slower; PostgreSQL needs ILIKE."""
    if dialect == "sqlite":
        return column.like(pattern, escape="\\")
    return column.ilike(pattern, escape="\\")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
