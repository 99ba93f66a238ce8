"""Signing in and out, and the header a signed-in moderator sees (who, the queue's size and load, the models)."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass

import gradio as gr

from app.console import dashboard
from app.console.text import age
from review.auth import Principal

log = logging.getLogger(__name__)
LIVE_SECONDS = 60  # how often the header's queue line refreshes itself


@dataclass
class SignInView:
    box: gr.Column
    user: gr.Textbox
    password: gr.Textbox
    button: gr.Button
    status: gr.Markdown


@dataclass
class HeaderView:
    counts: gr.Markdown
    logout: gr.Button
    banner: gr.Markdown
    timer: gr.Timer


def build_signin() -> SignInView:
    with gr.Column(visible=True) as box:
        user = gr.Textbox(label="Moderator name", elem_id="mod-user")
        password = gr.Textbox(label="Password", type="password", elem_id="mod-password")
        button = gr.Button("Sign in", variant="primary", elem_id="mod-login")
    status = gr.Markdown("", elem_id="login-status")
    return SignInView(box, user, password, button, status)


def build_header() -> HeaderView:
    with gr.Row():
        counts = gr.Markdown("", elem_id="queue-counts")
        logout = gr.Button("Sign out", scale=0, elem_id="mod-logout")
    # Empty until sign-in: the models, thresholds and a fallback's reason are for moderators only
    # (a component's value is in the page's configuration even while hidden).
    banner = gr.Markdown("", elem_id="models-banner")
    timer = gr.Timer(LIVE_SECONDS, active=False)
    return HeaderView(counts, logout, banner, timer)


def header_line(c, who: Principal) -> str:
    d = c.queue.dashboard(days=1)
    waiting = f", oldest waiting {age(d.oldest_pending)}" if d.oldest_pending else ""
    live = dashboard.live_line(c.queue.traffic.summary(hours=1))
    return f"Signed in as **{html.escape(who.name)}** ({who.role}). **{d.pending} pending**{waiting}. {live}"


def models_banner(info) -> str:
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


def wire(c) -> None:
    s, h, q, it, a = c.signin, c.header, c.listing, c.item, c.admin

    def do_login(name, pw, request: gr.Request):
        ip = request.client.host if request and request.client else None
        result = c.auth.attempt(name, pw, ip=ip)
        if result.token is None:
            log.warning("moderator sign-in failed")  # the name is in the audit log, not the app log
            return {s.status: f"**Sign-in failed:** {result.message}", s.password: ""}
        who = c.auth.require(result.token, "moderator")
        return {
            c.token: result.token, s.status: "", s.password: "", s.box: gr.update(visible=False),
            c.box: gr.update(visible=True), h.counts: header_line(c, who), h.banner: models_banner(c.info),
            h.timer: gr.Timer(active=True),
            **q.show(c.queue, keep=None),
            a.box: gr.update(visible=who.is_admin),
            a.note: "Admin tools:" if who.is_admin else "Only admins can read the audit log and export.",
            it.reveal_box: gr.update(visible=who.is_admin),
        }

    def do_logout(tok):
        c.auth.logout(tok)
        # What the console showed is cleared, not just hidden: the next person at this desk gets nothing.
        return {c.token: None, s.status: "Signed out.", s.box: gr.update(visible=True), c.box: gr.update(visible=False),
                h.counts: "", h.banner: "", h.timer: gr.Timer(active=False), **q.cleared(), **it.cleared(), it.decided: "",
                **a.cleared(), a.box: gr.update(visible=False)}

    def live(who):
        return header_line(c, who)

    # Lists, not sets: the order is the API's order of outputs (the status first, after the token).
    login_outputs = [c.token, s.status, s.password, s.box, c.box, h.counts, h.banner, h.timer, *q.outputs(),
                     a.box, a.note, it.reveal_box]
    s.button.click(do_login, [s.user, s.password], login_outputs, api_name="login")
    s.password.submit(do_login, [s.user, s.password], login_outputs, api_name=False)
    logout_outputs = [c.token, s.status, s.box, c.box, h.counts, h.banner, h.timer, *q.outputs(), *it.outputs(), it.decided,
                      *a.outputs(), a.box]
    h.logout.click(do_logout, [c.token], logout_outputs, api_name="logout")
    c.gate.on(h.timer.tick, "live", live, [], [h.counts], show_progress="hidden")
