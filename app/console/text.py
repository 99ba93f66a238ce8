"""The console's plain helpers: what a moderator reads, as text, tested without a browser."""

from __future__ import annotations

import html
import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.console.roles import refusal
from review.queue import USER_REPORT, ItemFilter
from review.redaction import highlight_placeholders
from review.tables import ReviewItem

Explainer = Callable[[str], tuple[float, list[tuple[str, float | None]]]]


def _esc(text) -> str:
    """For Markdown text outside code: tags shown as text. Quotes need no escaping there (they showed as
    &quot; inside code spans)."""
    return html.escape(str(text), quote=False)


def code(text) -> str:
    """`text` as a Markdown code span: shown exactly, so no HTML escaping (entities are not decoded in code)."""
    return "`" + str(text).replace("`", "'").replace("\n", " ") + "`"


def explain_item(item: ReviewItem) -> str:
    lines = ["**Why it was held**" if item.guards != USER_REPORT else "**Why it is here**"]
    lines += [f"- {_esc(r)}" for r in item.reasons]
    if not item.results:
        return "\n".join(lines)
    lines += ["", "| guard | model | category | score | threshold |", "|---|---|---|---|---|"]
    for r in item.results:
        limit = "" if r.get("threshold") is None else f"{r['threshold']:.2f}"
        if r.get("error"):
            lines.append(f"| {r['guard']} | {_esc(r['model'])} | error | {_esc(r['error'])} | {limit} |")
        for cat, score in sorted(r["scores"].items(), key=lambda kv: -kv[1]):
            lines.append(f"| {r['guard']} | {_esc(r['model'])} | {_esc(cat)} | {score:.3f} | {limit} |")
    return "\n".join(lines)


@dataclass(frozen=True)
class ItemView:
    """One item as the item panel shows it."""

    user_message: str
    highlighted: list[tuple[str, str | None]]
    attributions: list[tuple[str, float | None]] | None  # None: no word panel (toxicity did not fire)
    why: str
    reported: bool  # a person reported a reply they were shown: it cannot be edited


def item_view(item: ReviewItem, explain: Explainer | None, log=None) -> ItemView:
    attributions, extra = None, ""
    # Words drive the toxicity score only: for a hold by another guard the panel would show +0.00 words.
    if explain is not None and "toxicity" in (item.guards or "").split(","):
        try:
            _, parts = explain(item.reply)
            attributions = [(p, w) for p, w in parts]
            top = sorted(((p, w) for p, w in parts if w is not None and w > 0), key=lambda pw: -pw[1])[:5]
            if top:
                extra = "\n\n**Words that raised the toxicity score most:** " + ", ".join(
                    f"{code(p)} (+{w:.2f})" for p, w in top)
        except Exception:
            if log is not None:
                log.exception("explaining item %s failed", item.id)
            extra = "\n\n_Word attributions are unavailable for this item (the explainer failed)._"
    return ItemView(item.user_message, highlight_placeholders(item.reply), attributions, explain_item(item) + extra,
                    item.guards == USER_REPORT)


def claim_line(item: ReviewItem | None) -> str:
    if item is None or item.status != "pending":
        return "" if item is None else f"Decided: **{item.status}**."
    if item.claimed_by and item.claim_expires_at and utc(item.claim_expires_at) > datetime.now(UTC):
        return f"Claimed by **{_esc(item.claimed_by)}** until {utc(item.claim_expires_at):%H:%M} UTC."
    return "Not claimed."


def decision_line(item_id: int, approve: bool, edited: bool, reported: bool) -> str:
    if reported:  # the reply was already shown; the decision labels it, the person's chat stays as it is
        return (f"Item #{item_id} closed: the reported reply was fine." if approve else
                f"Item #{item_id} upheld: the reply should have been held (kept as a lesson for the guards).")
    if not approve:
        return f"Item #{item_id} rejected: the person sees a polite refusal."
    what = "the edited version was released to the person" if edited else "released to the person"
    return f"Item #{item_id} approved: {what}."


def audit_rows(events) -> list[list]:
    """The audit table's rows. A Dataframe shows text as text: no HTML escaping (it showed &#x27;)."""
    return [[when(e.at), e.actor, e.action, e.item_id or "",
             json.dumps(e.detail or {}, ensure_ascii=False, sort_keys=True)[:300]] for e in events]


def listing_rows(items) -> list[list]:
    return [[i.id, when(i.created_at), i.status, i.guards, i.categories, f"{i.top_score:.2f}", i.claimed_by or "",
             i.reply[:100]] for i in items]


def plain(value) -> str:
    """A moderator's typed text without control characters or lone surrogates (PostgreSQL refuses NUL in text)."""
    if not isinstance(value, str):
        return ""
    return "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"))


def as_id(value) -> int:
    try:
        number = int(str(value).lstrip("#")[:20])
    except ValueError:
        number = 0
    if not 0 < number < 2**63:  # past 2**63 the database cannot even compare it
        raise refusal(f"{str(value)[:40]!r} is not an item number.")
    return number


def pick(value) -> int:
    if not value:
        raise refusal("Pick an item first.")
    return as_id(value)


def day(text: str | None, label: str) -> datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise refusal(f"{label}: write the date as YYYY-MM-DD, e.g. 2026-11-23.") from None


def filters(status, guard, category, text, since, until, lo, hi) -> ItemFilter:
    return ItemFilter(
        status=None if status in (None, "any") else status,
        guard=None if guard in (None, "any") else guard,
        category=plain(category).strip()[:100] or None,
        text=plain(text).strip()[:200] or None,
        since=day(since, "Held from"),
        until=(day(until, "Held until") + timedelta(days=1)) if (until or "").strip() else None,
        min_score=None if lo in (None, 0) else float(lo),
        max_score=None if hi in (None, 1) else float(hi),
    )


def utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def when(value: datetime) -> str:
    return utc(value).strftime("%Y-%m-%d %H:%M:%S")


def age(value: datetime) -> str:
    seconds = (datetime.now(UTC) - utc(value)).total_seconds()
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def share(part: float | None) -> str:
    return "–" if part is None else f"{part:.1%}"
