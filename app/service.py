"""The chat service: one person's conversation through the model, the guards and the queue.

Plain Python, no Gradio, so tests can drive it directly; app/ui.py is a thin
layer over it.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from guardrails.input import CHECK_FAILED, InputChecks
from guardrails.policy import Policy
from guardrails.types import Action, ScanContext
from guardrails.vault import Vault
from models.chat import ChatModel, ModelError
from review.queue import ReviewQueue
from review.retry import StorageError
from review.tables import ItemStatus, MessageStatus, TrafficKind

log = logging.getLogger(__name__)

HELD_NOTICE = (
    "This reply is being checked by a moderator before it is shown to you. "
    "It will appear here if it is approved; you can keep chatting meanwhile."
)
REFUSAL = "Sorry, I can't share that reply: a moderator reviewed it and decided not to show it. Please ask something else."
MODEL_FAILED = "Sorry, the model failed while writing a reply, so nothing was shown. Please send your message again."
EMPTY_REPLY = "The model returned an empty reply. Please try rephrasing your message."
TYPING = "…"
NOT_STORED = ("Sorry, this reply needed a moderator's check but could not be stored for review ({why}), so "
              "nothing was shown. Please send your message again.")
INPUT_CHECK_FAILED = CHECK_FAILED

# A sentence ends at . ! ? or … (maybe followed by a closing quote or bracket) and whitespace, or at a newline.
_BOUNDARY = re.compile(r"[.!?…][\"')\]]*\s|\n")


class InputError(ValueError):
    """The message cannot be sent; the text says why and what to do."""


def clean_input(text: object, max_chars: int) -> str:
    """Validate a person's message. Control characters (NUL included) are removed; tabs and newlines kept.

    Lone surrogates (a JSON body may carry "\\ud800") are removed too: they are not text, and no
    database or page can store or show them.
    """
    if not isinstance(text, str):
        raise InputError("Your message could not be read as text. Please type it again.")
    cleaned = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"))
    if not cleaned.strip():
        raise InputError("Please type a message before sending." if not text.strip() else
                         "Your message contained only control characters. Please type some text.")
    if len(cleaned) > max_chars:
        raise InputError(
            f"Your message is {len(cleaned):,} characters long; the limit is {max_chars:,}. "
            "Please shorten it and send it again (your text is still in the box)."
        )
    return cleaned.strip()


@dataclass
class Turn:
    role: str  # user | assistant
    content: str  # what the model sees (personal data in placeholders)
    status: str = MessageStatus.SHOWN.value  # shown | held | released | refused | error | typing | streaming
    item_id: int | None = None
    original: str | None = None  # the person's own words, shown only to them
    message_id: int | None = None  # the stored message, for a person's report of a shown reply
    reported: bool = False

    def display(self) -> str:
        return {
            "held": HELD_NOTICE,
            "refused": REFUSAL,
            "typing": TYPING,
        }.get(self.status, self.content)


@dataclass
class ChatSession:
    """One browser session's conversation. Kept in Gradio's per-session state."""

    conversation_id: str | None = None
    turns: list[Turn] = field(default_factory=list)
    vault: Vault = field(default_factory=Vault, repr=False)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    # Polls left that resend the conversation after a decision arrived: a poll's answer can be lost on
    # the way to the browser, and the decision is applied to this state only once.
    resend_polls: int = 0

    def messages(self) -> list[dict]:
        """What the Chatbot shows: this person's own data put back in place of the placeholders."""
        with self.lock:
            return [{"role": t.role, "content": t.original or self.vault.restore(t.display())} for t in self.turns]

    def history(self) -> list[dict]:
        """What the model sees: only exchanges a person was actually shown, with placeholders."""
        with self.lock:
            return [
                {"role": t.role, "content": t.content}
                for t in self.turns
                if (t.role == "user" and t.status != "refused") or t.status in ("shown", "released")
            ]

    @property
    def waiting(self) -> list[int]:
        with self.lock:
            return [t.item_id for t in self.turns if t.status == "held" and t.item_id is not None]


class ChatService:
    def __init__(self, model: ChatModel, policy: Policy, queue: ReviewQueue, max_input_chars: int = 4000,
                 input_guards: InputChecks | None = None):
        self.model = model
        self.policy = policy
        self.queue = queue
        self.max_input_chars = max_input_chars
        self.input_guards = input_guards

    def respond(self, session: ChatSession, message: object) -> Iterator[list[dict]]:
        """Send `message`; yield the chat's messages each time what is shown changes.

        Raises InputError before anything is recorded when the message is unusable.
        The reply is shown sentence by sentence, and only text that has passed
        every guard as a whole is ever shown. If a guard fires (or fails), the
        shown part is replaced by a notice and the full reply goes to review.
        """
        original = clean_input(message, self.max_input_chars)
        refusal, text, scores, refused_by = None, original, None, None
        if self.input_guards is not None:
            try:
                checked = self.input_guards.check(original, session.vault)
                refusal, text, scores, refused_by = checked.refusal, checked.text, checked.scores, checked.refused_by
                if checked.reasons:
                    log.info("input check: %s", "; ".join(checked.reasons))
            except Exception:
                log.exception("input guards failed")  # fail closed: the message does not reach the model
                refusal, refused_by = INPUT_CHECK_FAILED, "error"
        # Stored before the session changes: if the database fails, the person's chat is unchanged
        # and their text stays in the box. Only the placeholder version is stored.
        if session.conversation_id is None:
            session.conversation_id = self.queue.start_conversation()
        self.queue.record(session.conversation_id, "user", text, MessageStatus.REFUSED if refusal else MessageStatus.SHOWN, scores)
        if self.input_guards is not None:
            self._count(TrafficKind.MESSAGE, refusal is not None, [refused_by or "error"] if refusal else [])
        with session.lock:
            history = session.history() + [{"role": "user", "content": text}]
            session.turns.append(Turn("user", text, "refused" if refusal else "shown", original=original))
            if refusal:
                session.turns.append(Turn("assistant", refusal, status="error"))
            reply_turn = Turn("assistant", "", status="typing")
            if not refusal:
                session.turns.append(reply_turn)
        if refusal:
            self.queue.record(session.conversation_id, "assistant", refusal, MessageStatus.REFUSED)
            yield session.messages()
            return
        yield session.messages()

        # The guards may read what the person asked: a name they wrote themselves is not leaked private data.
        context = ScanContext(prompt=original)
        reply, checked_upto, held_verdict = "", 0, None
        try:
            for piece in self.model.stream(history):
                reply += piece
                if held_verdict is not None:
                    continue  # finish the reply silently so the moderator sees all of it
                cut = _last_boundary(reply, checked_upto)
                if cut is None:
                    continue
                verdict = self.policy.check(reply[:cut], context)
                checked_upto = cut
                if verdict.held:
                    held_verdict = verdict
                    reply_turn.status = "held"
                else:
                    reply_turn.content, reply_turn.status = verdict.text.strip(), "streaming"
                yield session.messages()
        except ModelError as exc:
            log.error("generation failed: %s", exc)
            reply_turn.content, reply_turn.status = MODEL_FAILED, "error"
            yield session.messages()
            return

        reply = reply.strip()
        if not reply:
            reply_turn.content, reply_turn.status = EMPTY_REPLY, "error"
            yield session.messages()
            return
        # The whole reply is checked once more: a span can cross sentences, and
        # this is the verdict the review queue records.
        verdict = self.policy.check(reply, context)
        if held_verdict is not None and not verdict.held:
            verdict = held_verdict  # a part was flagged; keep that as the reason
            verdict.text = ""
        self._count(TrafficKind.REPLY, verdict.held, self._held_for(verdict) if verdict.held else [])
        if verdict.held:
            try:
                item_id = self.queue.hold(session.conversation_id, text, reply, verdict)
            except StorageError as exc:
                # Not acknowledged as held: the person is told it is not with a moderator.
                log.error("held reply could not be stored: %s", exc)
                why = "the database is full" if "full" in str(exc) else "the database is busy"
                with session.lock:
                    reply_turn.content, reply_turn.status = NOT_STORED.format(why=why), "error"
                yield session.messages()
                return
            log.info("reply held for review as item %s (%s)", item_id, "; ".join(verdict.reasons))
            with session.lock:
                reply_turn.content, reply_turn.status, reply_turn.item_id = reply, "held", item_id
        else:
            status = MessageStatus.SHOWN
            with session.lock:
                reply_turn.content, reply_turn.status = verdict.text, status.value
            message_id = self.queue.record(session.conversation_id, "assistant", verdict.text, status)
            with session.lock:
                reply_turn.message_id = message_id
            if verdict.action is Action.REDACT:
                log.info("reply shown with redactions (%s)", "; ".join(verdict.reasons))
        yield session.messages()

    def _held_for(self, verdict) -> list[str]:
        """Why a reply was held, as "guard:category" for the dashboard: each finding whose own rule holds."""
        reasons = []
        for result in verdict.results:
            if result.guard not in verdict.fired:
                continue
            if result.error:
                reasons.append(f"{result.guard}:error")
                continue
            rule = self.policy.rules.get(result.guard)
            hits = [f.category for f in result.findings if rule is not None
                    and f.score >= rule.for_category(f.category)[0] and rule.for_category(f.category)[1] is Action.HOLD]
            reasons += [f"{result.guard}:{c}" for c in dict.fromkeys(hits)] or [result.guard]
        return reasons

    def _count(self, kind: TrafficKind, stopped: bool, reasons: list[str]) -> None:
        """One checked text for the dashboard's shares; a failure costs a count, never the reply."""
        try:
            self.queue.traffic.count(kind, stopped, reasons)
        except Exception as exc:
            log.error("traffic counter not updated (%s): the dashboard's shares miss this %s", exc, kind.value)

    def report(self, session: ChatSession | None, index: int, reason: str = "") -> str:
        """The person reports the reply at `index` (its position in the chat as shown) as one that
        should not have been shown. It enters the review queue; returns what to tell the person."""
        reason = reason if isinstance(reason, str) else ""
        if len(reason) > self.max_input_chars:
            raise InputError(f"Please keep the reason under {self.max_input_chars:,} characters.")
        if session is None or not session.turns:
            raise InputError("There is no reply to report yet.")
        with session.lock:
            turns = session.turns
            if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(turns):
                raise InputError("There is no such reply to report.")
            turn = turns[index]
            if turn.role != "assistant" or turn.status not in ("shown", "released"):
                raise InputError("Only a reply you were shown can be reported.")
            if turn.reported:
                return "You have already reported this reply; a moderator will look at it."
            message_id = turn.message_id
            if message_id is None and turn.item_id is not None:
                message_id = self.queue.get(turn.item_id).message_id
            asked = next((t.content for t in reversed(turns[:index]) if t.role == "user"), "")
            shown = turn.content
            turn.reported = True
        try:
            item_id = self.queue.report(session.conversation_id, message_id, asked, shown, reason)
        except Exception:
            with session.lock:
                turn.reported = False
            raise
        log.info("reply reported by the person as item %s", item_id)
        return "Thank you: the reply was sent to a moderator for review."

    RESEND_POLLS = 2

    def poll(self, session: ChatSession | None) -> bool:
        """Apply moderators' decisions to this session's held replies.

        True if the conversation should be sent to the browser: something changed on this poll, or
        on one of the last RESEND_POLLS polls (in case that answer never arrived)."""
        if session is None:
            return False
        waiting = session.waiting
        decided = {o.item_id: o for o in self.queue.outcomes(session.conversation_id, waiting)} if waiting else {}
        if not decided:
            resend = session.resend_polls > 0
            session.resend_polls = max(0, session.resend_polls - 1)
            return resend
        session.resend_polls = self.RESEND_POLLS
        with session.lock:
            for turn in session.turns:
                outcome = decided.get(turn.item_id) if turn.status == "held" else None
                if outcome is None:
                    continue
                if outcome.status == ItemStatus.APPROVED.value:
                    turn.content, turn.status = outcome.reply, MessageStatus.RELEASED.value
                else:
                    turn.status = MessageStatus.REFUSED.value
        return True


def _last_boundary(text: str, after: int) -> int | None:
    """End of the last complete sentence in `text` past position `after`, if any."""
    end = None
    for m in _BOUNDARY.finditer(text, max(0, after - 1)):
        if m.end() > after:
            end = m.end()
    return end
