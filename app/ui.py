"""The Gradio layer: two tabs over the plain services. Logic lives in the services."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import gradio as gr

from app.console.roles import refusal
from app.display import shown_messages
from app.limits import ChatLimits, too_fast_message
from app.review_tab import review_tab
from app.security import GuardedBlocks
from app.service import ChatService, ChatSession, InputError
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
    retention_days: float = 90.0  # RETENTION_DAYS, for the transparency notice
    model_card_url: str = ""  # MODEL_CARD_URL; empty = the card is shown in the chat tab
    model_card: str = ""  # model_card.md's text, shown in the chat tab when there is no URL
    chat_limits: ChatLimits | None = None  # messages per session / per address (app/limits.py)


INTRO = """# Guarded Chat
Replies come from an AI model ({chat_model}), which can be wrong: do not rely on its facts. Every reply is
checked automatically for toxicity and personal data before you see it; a flagged reply is held and may be
read by a human moderator, who decides whether to release it.

**What is stored:** your messages (personal data the checks find is replaced by placeholders first), the
replies, the checks' scores and moderators' decisions, so moderators can review them. {retention}
See the [model card]({card_url}) for what the model and the checks can and cannot do. If a reply should not
have been shown, report it with the flag (⚑) beside it.
"""
REPORT_OPTION = "Report this reply"

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
    # No analytics: the app makes no network calls of its own (tests/robustness/test_server.py, run offline).
    # GuardedBlocks: no run history in the browser, a Content-Security-Policy, one-time export downloads.
    with GuardedBlocks(title="Guarded Chat", analytics_enabled=False) as demo:
        with gr.Tab("Chat"):
            _chat_tab(chat, info)
        with gr.Tab("Review"):
            # The models and policy are shown to moderators once signed in (app/console/signin.py).
            demo.console = review_tab(queue, auth, info, explain, demo.downloads)
    return demo


# -- Chat --------------------------------------------------------------------------


def transparency_notice(info: AppInfo) -> str:
    """The chat tab's notice: AI replies, automatic checks, human review, what is kept and for how long."""
    days = info.retention_days
    if days > 0:
        retention = (f"A reply that was held or reported, and its review, is deleted {days:g} days after a moderator "
                     "decides; the rest of a conversation is kept until the operator deletes it.")
    else:
        retention = "Nothing is deleted automatically (RETENTION_DAYS=0); the operator decides how long it is kept."
    return INTRO.format(chat_model=info.chat_model, retention=retention, card_url=info.model_card_url or "#model-card")


def _card_for_chat_tab(card: str) -> str:
    # The card's plots are files in the repository, which the app does not serve; name them instead.
    return re.sub(r"!\[([^\]]*)\]\(([^)]*)\)", r"_(plot: \1, `\2`)_", card)


def report_reply(chat: ChatService, state: ChatSession | None, reply_number, reason: str) -> str:
    """Report the n-th reply in the chat (1 = the first; 0 or empty = the latest). For the API and the form."""
    replies = [i for i, t in enumerate(state.turns) if t.role == "assistant"] if state else []
    try:
        n = int(reply_number or 0)
    except (TypeError, ValueError):
        raise InputError("Give the reply's number (1 = the first reply), or 0 for the latest.") from None
    if not replies or not 0 <= n <= len(replies):
        raise InputError("There is no such reply to report." if replies else "There is no reply to report yet.")
    return chat.report(state, replies[n - 1] if n else replies[-1], reason or "")


def _chat_tab(chat: ChatService, info: AppInfo) -> None:
    gr.Markdown(transparency_notice(info), elem_id="notice")
    session = gr.State(None)
    # The Chatbot's own markdown is off: app/display.py escapes a person's messages and renders a reply's
    # markdown without images, links or raw HTML, so no markup from a person or the model runs or loads.
    chatbot = gr.Chatbot(label="Conversation", height=460, elem_id="chatbot", buttons=["copy", "copy_all"],
                         feedback_options=(REPORT_OPTION,), render_markdown=False)
    with gr.Row():
        message = gr.Textbox(label="Your message", placeholder="Type a message and press Enter", scale=5, elem_id="message")
        send = gr.Button("Send", variant="primary", scale=1, elem_id="send")
    with gr.Accordion("Report a reply, with a reason", open=False):
        with gr.Row():
            report_number = gr.Number(0, precision=0, minimum=0, label="Reply number (1 = the first; 0 = the latest)", scale=1)
            report_reason = gr.Textbox(label="What is wrong with it? (optional)", scale=4, elem_id="report-reason")
            report_send = gr.Button("Report", scale=1, elem_id="report")
        report_status = gr.Markdown(elem_id="report-status")
    if not info.model_card_url and info.model_card:
        with gr.Accordion("Model card", open=False, elem_id="model-card"):
            gr.Markdown(_card_for_chat_tab(info.model_card))
    timer = gr.Timer(info.poll_seconds)

    def respond(text, state, request: gr.Request):
        state = state or ChatSession()
        if info.chat_limits is not None:
            wait = info.chat_limits.check(getattr(request, "session_hash", None),
                                          request.client.host if request and request.client else None)
            if wait:
                raise refusal(too_fast_message(wait), title="Message not sent")
        try:
            stream = chat.respond(state, text)
            first = next(stream)  # validation happens here, before anything is recorded
        except (InputError, StorageError) as exc:
            raise refusal(str(exc), title="Message not sent") from None
        except Exception:
            log.exception("chat failed before the reply started")
            raise gr.Error("Something went wrong on our side; your message was not sent. Please try again.") from None
        # The box is emptied once, when the message is taken; later updates leave it alone, so what the
        # person types while the reply is written stays (it was wiped when the reply finished).
        yield shown_messages(first), "", state
        try:
            for messages in stream:
                yield shown_messages(messages), gr.skip(), state
        except Exception:
            log.exception("chat failed while replying")
            raise gr.Error("Something went wrong while replying; nothing unchecked was shown. Please try again.") from None

    def refresh(state):
        try:
            changed = chat.poll(state)
        except Exception:
            log.exception("poll for decisions failed")
            return gr.skip()
        return shown_messages(state.messages()) if changed else gr.skip()

    # Generation is the heavy part: it alone is limited to CHAT_CONCURRENCY at once, so polls and
    # moderators' actions are not queued behind replies being written.
    limits = {"concurrency_limit": info.chat_concurrency, "concurrency_id": "generate"}
    send.click(respond, [message, session], [chatbot, message, session], api_name="chat", **limits)
    message.submit(respond, [message, session], [chatbot, message, session], api_name=False, **limits)
    # The chatbot's clear button starts a new conversation (held replies stay in the queue).
    chatbot.clear(lambda: None, None, [session], api_name=False)
    timer.tick(refresh, [session], [chatbot], api_name="poll", show_progress="hidden")

    def report(number, reason, state):
        try:
            return report_reply(chat, state, number, reason), ""
        except InputError as exc:
            raise refusal(str(exc), title="Not reported") from None
        except Exception:
            log.exception("storing a report failed")
            raise gr.Error("Sorry, the report could not be stored just now. Please try again.") from None

    def flagged(state, data: gr.LikeData):
        # The flag beside a reply: Gradio gives the message's index in the chat as shown.
        if data.liked != REPORT_OPTION or not isinstance(data.index, int):
            return
        try:
            gr.Info(chat.report(state, data.index))
        except InputError as exc:
            gr.Warning(str(exc))
        except Exception:
            log.exception("storing a report failed")
            gr.Warning("Sorry, the report could not be stored just now. Please try again.")

    report_send.click(report, [report_number, report_reason, session], [report_status, report_reason], api_name="report")
    chatbot.like(flagged, [session], None, api_name=False)
