"""The review queue service: plain functions over the database, no UI."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from guardrails.types import Verdict
from review.tables import (
    Conversation,
    Decision,
    ItemStatus,
    Message,
    MessageStatus,
    ReviewItem,
    utcnow,
)


class AlreadyDecided(Exception):
    """Another moderator decided this item first (or it does not exist)."""


@dataclass(frozen=True)
class Outcome:
    item_id: int
    status: str
    reply: str


class ReviewQueue:
    def __init__(self, engine: Engine):
        self.engine = engine

    # -- the chat side -------------------------------------------------------------

    def start_conversation(self) -> str:
        with Session(self.engine) as s:
            conv = Conversation()
            s.add(conv)
            s.commit()
            return conv.id

    def record(self, conversation_id: str, role: str, content: str, status: MessageStatus = MessageStatus.SHOWN,
               scores: dict | None = None) -> int:
        with Session(self.engine) as s:
            msg = Message(conversation_id=conversation_id, role=role, content=content, status=status.value, scores=scores)
            s.add(msg)
            s.commit()
            return msg.id

    def hold(self, conversation_id: str, user_message: str, reply: str, verdict: Verdict) -> int:
        """Store a held reply and its review item in one transaction; returns the item id."""
        with Session(self.engine) as s:
            msg = Message(conversation_id=conversation_id, role="assistant", content=reply, status=MessageStatus.HELD.value)
            s.add(msg)
            s.flush()
            item = ReviewItem(
                conversation_id=conversation_id,
                message_id=msg.id,
                user_message=user_message,
                reply=reply,
                guards=",".join(verdict.fired),
                reasons=list(verdict.reasons),
                results=[{**r.to_dict(), "threshold": verdict.thresholds.get(r.guard)} for r in verdict.results],
            )
            s.add(item)
            s.commit()
            return item.id

    def outcomes(self, conversation_id: str, item_ids: list[int]) -> list[Outcome]:
        """Decided items among `item_ids` that belong to this conversation."""
        if not item_ids:
            return []
        with Session(self.engine) as s:
            rows = s.exec(
                select(ReviewItem).where(
                    ReviewItem.id.in_(item_ids),
                    ReviewItem.conversation_id == conversation_id,
                    ReviewItem.status != ItemStatus.PENDING.value,
                )
            ).all()
            return [Outcome(r.id, r.status, r.reply) for r in rows]

    # -- the moderator side --------------------------------------------------------

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

    def decide(self, item_id: int, moderator: str, approve: bool, note: str = "") -> Decision:
        """Approve or reject a pending item. Exactly one decision per item wins.

        The status change is a conditional UPDATE (... WHERE status='pending'),
        so two moderators racing on one item cannot both succeed, whichever
        process or database they go through.
        """
        outcome = ItemStatus.APPROVED if approve else ItemStatus.REJECTED
        now = utcnow()
        with Session(self.engine) as s:
            changed = s.exec(
                update(ReviewItem)
                .where(ReviewItem.id == item_id, ReviewItem.status == ItemStatus.PENDING.value)
                .values(status=outcome.value, decided_at=now)
            ).rowcount
            if changed != 1:
                s.rollback()
                raise AlreadyDecided(f"item {item_id} is not pending (already decided, or no such item)")
            item = s.get(ReviewItem, item_id)
            msg = s.get(Message, item.message_id)
            msg.status = (MessageStatus.RELEASED if approve else MessageStatus.REFUSED).value
            decision = Decision(item_id=item_id, moderator=moderator, outcome=outcome.value, note=note or "", decided_at=now)
            s.add(decision)
            s.add(msg)
            s.commit()
            s.refresh(decision)
            return decision

    def decisions(self, item_id: int | None = None) -> list[Decision]:
        with Session(self.engine) as s:
            q = select(Decision).order_by(Decision.decided_at)
            if item_id is not None:
                q = q.where(Decision.item_id == item_id)
            return list(s.exec(q).all())
