"""The Gradio layer: two tabs over the plain services. Logic lives in the services."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass

import gradio as gr

from app.display import inert_messages
from app.limits import ChatLimits, too_fast_message
from app.service import ChatService, ChatSession, InputError
from app.review_tab import review_tab
from review.queue import ReviewQueue
from review.retry import StorageError

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
    reason_codes: tuple[str, ...] = ("false positive", "acceptable in context", "toxic", "personal data", "other")
    chat_limits: ChatLimits | None = None  # messages per session / per address (app/limits.py)


INTRO = """# Guarded Chat
Replies come from an AI model ({chat_model}). Every reply is checked automatically for toxicity and
personal data before you see it; a flagged reply is held and may be read by a human moderator, who
decides whether to release it. Conversations are stored so moderators can review them.
"""

def build_ui(chat: ChatService, queue: ReviewQueue, auth, info: AppInfo, explain=None) -> gr.Blocks:
    # No analytics: the app makes no network calls of its own (tests/robustness/test_server.py, run offline).
    with gr.Blocks(title="Guarded Chat", analytics_enabled=False) as demo:
        with gr.Tab("Chat"):
            _chat_tab(chat, info)
        with gr.Tab("Review"):
            gr.Markdown(_models_banner(info), elem_id="models-banner")
            review_tab(queue, auth, info, explain)
    return demo


# -- Chat --------------------------------------------------------------------------


def _chat_tab(chat: ChatService, info: AppInfo) -> None:
    gr.Markdown(INTRO.format(chat_model=info.chat_model))
    session = gr.State(None)
    # Markdown off and every message escaped (app/display.py): no markup from a person or the model runs or loads.
    chatbot = gr.Chatbot(label="Conversation", height=460, elem_id="chatbot", buttons=["copy", "copy_all"],
                         render_markdown=False)
    with gr.Row():
        message = gr.Textbox(label="Your message", placeholder="Type a message and press Enter", scale=5, elem_id="message")
        send = gr.Button("Send", variant="primary", scale=1, elem_id="send")
    timer = gr.Timer(info.poll_seconds)

    def respond(text, state, request: gr.Request):
        state = state or ChatSession()
        if info.chat_limits is not None:
            wait = info.chat_limits.check(getattr(request, "session_hash", None),
                                          request.client.host if request and request.client else None)
            if wait:
                raise gr.Error(too_fast_message(wait), title="Message not sent")
        try:
            stream = chat.respond(state, text)
            first = next(stream)  # validation happens here, before anything is recorded
        except (InputError, StorageError) as exc:
            raise gr.Error(str(exc), title="Message not sent") from None
        except Exception:
            log.exception("chat failed before the reply started")
            raise gr.Error("Something went wrong on our side; your message was not sent. Please try again.") from None
        yield inert_messages(first), "", state
        try:
            for messages in stream:
                yield inert_messages(messages), "", state
        except Exception:
            log.exception("chat failed while replying")
            raise gr.Error("Something went wrong while replying; nothing unchecked was shown. Please try again.") from None

    def refresh(state):
        try:
            changed = chat.poll(state)
        except Exception:
            log.exception("poll for decisions failed")
            return gr.skip()
        return inert_messages(state.messages()) if changed else gr.skip()

    # Generation is the heavy part: it alone is limited to CHAT_CONCURRENCY at once, so polls and
    # moderators' actions are not queued behind replies being written.
    limits = {"concurrency_limit": info.chat_concurrency, "concurrency_id": "generate"}
    send.click(respond, [message, session], [chatbot, message, session], api_name="chat", **limits)
    message.submit(respond, [message, session], [chatbot, message, session], api_name=False, **limits)
    # The chatbot's clear button starts a new conversation (held replies stay in the queue).
    chatbot.clear(lambda: None, None, [session], api_name=False)
    timer.tick(refresh, [session], [chatbot], api_name="poll", show_progress="hidden")


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
