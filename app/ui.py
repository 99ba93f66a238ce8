"""The Gradio layer: two tabs over the plain services. Logic lives in the services."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass

import gradio as gr

from app.service import ChatService, ChatSession, InputError
from review.auth import ModeratorAuth, NotAuthorized
from review.queue import AlreadyDecided, ReviewQueue
from review.tables import ReviewItem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AppInfo:
    """What the app tells people about itself: active models and policy."""

    chat_model: str
    toxicity_model: str
    toxicity_fallback_reason: str | None
    pii_model: str
    policy: str  # one line per guard: threshold and action
    poll_seconds: float = 2.0
    chat_concurrency: int = 2


INTRO = """# Guarded Chat
Replies come from an AI model ({chat_model}). Every reply is checked automatically for toxicity and
personal data before you see it; a flagged reply is held and may be read by a human moderator, who
decides whether to release it. Conversations are stored so moderators can review them.
"""

NO_MODERATORS = """### Review is not configured
No moderator accounts are set, so nobody can sign in (there is no default password).
Set the `MODERATORS` environment variable to `name:password` pairs separated by commas, e.g.
`MODERATORS='alice:a-long-secret'`, then restart the app. On Hugging Face Spaces, add it as a secret.
"""


def build_ui(chat: ChatService, queue: ReviewQueue, auth: ModeratorAuth, info: AppInfo) -> gr.Blocks:
    with gr.Blocks(title="Guarded Chat") as demo:
        with gr.Tab("Chat"):
            _chat_tab(chat, info)
        with gr.Tab("Review"):
            _review_tab(queue, auth, info)
    return demo


# -- Chat --------------------------------------------------------------------------


def _chat_tab(chat: ChatService, info: AppInfo) -> None:
    gr.Markdown(INTRO.format(chat_model=info.chat_model))
    session = gr.State(None)
    chatbot = gr.Chatbot(label="Conversation", height=460, elem_id="chatbot", buttons=["copy", "copy_all"])
    with gr.Row():
        message = gr.Textbox(label="Your message", placeholder="Type a message and press Enter", scale=5, elem_id="message")
        send = gr.Button("Send", variant="primary", scale=1, elem_id="send")
    timer = gr.Timer(info.poll_seconds)

    def respond(text, state):
        state = state or ChatSession()
        try:
            stream = chat.respond(state, text)
            first = next(stream)  # validation happens here, before anything is recorded
        except InputError as exc:
            raise gr.Error(str(exc), title="Message not sent") from None
        except Exception:
            log.exception("chat failed before the reply started")
            raise gr.Error("Something went wrong on our side; your message was not sent. Please try again.") from None
        yield first, "", state
        try:
            for messages in stream:
                yield messages, "", state
        except Exception:
            log.exception("chat failed while replying")
            raise gr.Error("Something went wrong while replying; nothing unchecked was shown. Please try again.") from None

    def refresh(state):
        try:
            changed = chat.poll(state)
        except Exception:
            log.exception("poll for decisions failed")
            return gr.skip()
        return state.messages() if changed else gr.skip()

    # Generation is the heavy part: it alone is limited to CHAT_CONCURRENCY at once, so polls and
    # moderators' actions are not queued behind replies being written.
    limits = {"concurrency_limit": info.chat_concurrency, "concurrency_id": "generate"}
    send.click(respond, [message, session], [chatbot, message, session], api_name="chat", **limits)
    message.submit(respond, [message, session], [chatbot, message, session], api_name=False, **limits)
    # The chatbot's clear button starts a new conversation (held replies stay in the queue).
    chatbot.clear(lambda: None, None, [session], api_name=False)
    timer.tick(refresh, [session], [chatbot], api_name="poll", show_progress="hidden")


# -- Review ------------------------------------------------------------------------


def _review_tab(queue: ReviewQueue, auth: ModeratorAuth, info: AppInfo) -> None:
    gr.Markdown(_models_banner(info), elem_id="models-banner")
    token = gr.State(None)
    if not auth.configured:
        gr.Markdown(NO_MODERATORS, elem_id="no-moderators")
        return

    with gr.Column(visible=True) as login_box:
        user = gr.Textbox(label="Moderator name", elem_id="mod-user")
        password = gr.Textbox(label="Password", type="password", elem_id="mod-password")
        login = gr.Button("Sign in", variant="primary", elem_id="mod-login")
    login_status = gr.Markdown("")
    with gr.Column(visible=False) as console:
        with gr.Row():
            counts = gr.Markdown("", elem_id="queue-counts")
            reload = gr.Button("Refresh", scale=0, elem_id="queue-refresh")
            logout = gr.Button("Sign out", scale=0)
        table = gr.Dataframe(
            headers=["item", "held at (UTC)", "guard", "top score", "reply (start)"],
            interactive=False, wrap=True, label="Pending replies",
        )
        pick = gr.Dropdown(label="Item to review", choices=[], allow_custom_value=True, elem_id="item-pick")
        user_msg = gr.Textbox(label="What the person wrote", interactive=False, lines=2)
        reply = gr.HighlightedText(label="Held reply (personal data highlighted)", combine_adjacent=True, elem_id="held-reply")
        why = gr.Markdown(elem_id="item-why")
        note = gr.Textbox(label="Note (optional, stored with the decision)", elem_id="decision-note")
        with gr.Row():
            approve = gr.Button("Approve: show it to the person", variant="primary", elem_id="approve")
            reject = gr.Button("Reject: send a polite refusal", variant="stop", elem_id="reject")
        decided = gr.Markdown(elem_id="decision-status")

    def require(tok):
        try:
            return auth.moderator(tok)
        except NotAuthorized as exc:
            raise gr.Error(str(exc), title="Not allowed") from None

    def queue_view(selected=None):
        items = queue.pending(limit=200)
        rows = [[i.id, i.created_at.strftime("%Y-%m-%d %H:%M:%S"), i.guards, f"{_top_score(i):.2f}", i.reply[:80]] for i in items]
        choices = [(f"#{i.id} · {i.guards} · {i.reply[:40]}", str(i.id)) for i in items]
        keep = selected if selected in {c[1] for c in choices} else (choices[0][1] if choices else None)
        summary = f"**{len(items)} pending**" + (" (showing the oldest 200)" if len(items) == 200 else "")
        return summary, rows, gr.update(choices=choices, value=keep)

    def do_login(name, pw):
        tok = auth.login(name, pw)
        if tok is None:
            log.warning("moderator sign-in failed for %r", (name or "")[:50])
            return None, "**Sign-in failed:** wrong name or password.", gr.update(), gr.update(), gr.skip(), gr.skip(), gr.skip(), ""
        log.info("moderator %s signed in", name)
        summary, rows, pick_update = queue_view()
        return tok, f"Signed in as **{html.escape(name)}**.", gr.update(visible=False), gr.update(visible=True), summary, rows, pick_update, ""

    def do_logout(tok):
        auth.logout(tok)
        return None, "Signed out.", gr.update(visible=True), gr.update(visible=False)

    def refresh(tok, selected):
        require(tok)
        return queue_view(selected)

    def show(tok, item_id):
        require(tok)
        item = queue.get(_as_id(item_id)) if item_id else None
        if item is None:
            return "", [], "Nothing selected.", ""
        return item.user_message, _highlight(item), _explain(item), ""

    def decide(tok, item_id, text, approve_it):
        moderator = require(tok)
        if not item_id:
            raise gr.Error("Pick an item to decide first.")
        try:
            queue.decide(_as_id(item_id), moderator, approve_it, (text or "")[:2000])
        except AlreadyDecided as exc:
            message = f"Not recorded: {exc}."
        else:
            message = f"Item #{item_id} {'approved: released to the person' if approve_it else 'rejected: the person sees a polite refusal'}."
            log.info("moderator %s %s item %s", moderator, "approved" if approve_it else "rejected", item_id)
        summary, rows, pick_update = queue_view()
        return message, summary, rows, pick_update, ""

    login_outputs = [token, login_status, login_box, console, counts, table, pick, password]
    login.click(do_login, [user, password], login_outputs, api_name="login")
    password.submit(do_login, [user, password], login_outputs, api_name=False)
    logout.click(do_logout, [token], [token, login_status, login_box, console], api_name="logout")
    reload.click(refresh, [token, pick], [counts, table, pick], api_name="queue")
    pick.change(show, [token, pick], [user_msg, reply, why, decided], api_name="item")
    approve.click(lambda t, i, n: decide(t, i, n, True), [token, pick, note], [decided, counts, table, pick, note], api_name="approve")
    reject.click(lambda t, i, n: decide(t, i, n, False), [token, pick, note], [decided, counts, table, pick, note], api_name="reject")


def _as_id(value) -> int:
    try:
        return int(str(value).lstrip("#"))
    except ValueError:
        raise gr.Error(f"{str(value)[:40]!r} is not an item number.") from None


def _models_banner(info: AppInfo) -> str:
    lines = [f"**Chat model:** {info.chat_model}", f"**PII guard:** {info.pii_model}"]
    if info.toxicity_fallback_reason:
        lines.append(
            f"⚠️ **Toxicity guard: {info.toxicity_model} (FALLBACK).** {html.escape(info.toxicity_fallback_reason)}. "
            "Set DETOXIFY_CHECKPOINT and DETOXIFY_CONFIG_DIR, or allow downloads, to use detoxify."
        )
    else:
        lines.append(f"**Toxicity guard:** {info.toxicity_model}")
    lines.append(f"**Policy:** {info.policy}")
    return "  \n".join(lines)


def _top_score(item: ReviewItem) -> float:
    return max((max(r["scores"].values(), default=0.0) for r in item.results if r["guard"] in item.guards.split(",")), default=0.0)


def _highlight(item: ReviewItem) -> list[tuple[str, str | None]]:
    """The reply split into plain text and the PII spans that crossed the threshold, labelled by entity type."""
    spans = sorted(
        (f["start"], f["end"], f["category"])
        for r in item.results if r["guard"] == "pii"
        for f in r["findings"] if f.get("start") is not None and f["score"] >= (r.get("threshold") or 0.0)
    )
    parts, pos = [], 0
    for start, end, label in spans:
        if start < pos:  # overlapping spans: keep the first
            continue
        if start > pos:
            parts.append((item.reply[pos:start], None))
        parts.append((item.reply[start:end], label))
        pos = end
    if pos < len(item.reply):
        parts.append((item.reply[pos:], None))
    return parts


def _explain(item: ReviewItem) -> str:
    lines = ["**Why it was held**"] + [f"- {html.escape(r)}" for r in item.reasons]
    lines += ["", "| guard | model | category | score | threshold |", "|---|---|---|---|---|"]
    for r in item.results:
        limit = "" if r.get("threshold") is None else f"{r['threshold']:.2f}"
        if r.get("error"):
            lines.append(f"| {r['guard']} | {html.escape(r['model'])} | error | {html.escape(r['error'])} | {limit} |")
        for cat, score in sorted(r["scores"].items(), key=lambda kv: -kv[1]):
            lines.append(f"| {r['guard']} | {html.escape(r['model'])} | {cat} | {score:.3f} | {limit} |")
    return "\n".join(lines)
