"""The Gradio layer: two tabs over the plain services. Logic lives in the services."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass

import gradio as gr

from app.service import ChatService, ChatSession, InputError
from app.review_tab import review_tab
from review.queue import ReviewQueue

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


INTRO = """# Guarded Chat
Replies come from an AI model ({chat_model}). Every reply is checked automatically for toxicity and
personal data before you see it; a flagged reply is held and may be read by a human moderator, who
decides whether to release it. Conversations are stored so moderators can review them.
"""

def theme() -> gr.themes.Base:
    """Gradio's default look with colours that pass WCAG AA contrast (axe-core checks it in the tests):
    white on the default orange buttons is 2.8:1, on the red ones 3.8:1, the footer's grey text 2.5:1;
    AA asks for 4.5:1."""
    return gr.themes.Default(primary_hue="indigo").set(
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        button_primary_text_color="white",
        button_cancel_background_fill="#b91c1c",  # red-700: the "stop" buttons (reject) were red-500, 3.8:1
        button_cancel_background_fill_hover="#991b1b",
        button_cancel_text_color="white",
        body_text_color_subdued="*neutral_600",
    )


def build_ui(chat: ChatService, queue: ReviewQueue, auth, info: AppInfo, explain=None) -> gr.Blocks:
    with gr.Blocks(title="Guarded Chat") as demo:
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
