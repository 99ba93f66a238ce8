"""The Review tab: the moderators' console. A thin layer over review.queue, review.auth and review.audit.

Laid out here from its parts in app/console/ (sign-in and header, queue, item, dashboard, admin). Every
endpoint but sign-in and sign-out passes `app.console.roles.Gate`, which checks the session and its
role from one table on the server, so the same rules hold when it is called through the Gradio API.
"""

from __future__ import annotations

import gradio as gr

from app.console import admin, dashboard, item_panel, queue_panel, signin
from app.console.context import Console
from app.console.roles import Gate
from app.console.text import Explainer, explain_item  # noqa: F401  (explain_item: the item's "why" text)
from app.security import Downloads

NO_MODERATORS = """### Review is not configured
No moderator accounts are set, so nobody can sign in (there is no default password).
Create one with `python -m review.users add NAME --role admin`, or set the `MODERATORS` environment
variable to `name:password` pairs separated by commas, e.g. `MODERATORS='alice:a-long-secret'`, then
restart the app. On Hugging Face Spaces, add it as a secret.
"""


def review_tab(queue, auth, info, explain: Explainer | None = None, downloads: Downloads | None = None) -> Console | None:
    """`explain(text)` gives word attributions for the toxicity score (guardrails.explain); `downloads`
    serves exports once (app/security.py). Returns the console's parts (None when nobody can sign in)."""
    token = gr.State(None)
    if not auth.configured:
        gr.Markdown(NO_MODERATORS, elem_id="no-moderators")
        return None
    sign = signin.build_signin()
    with gr.Column(visible=False) as box:
        header = signin.build_header()
        with gr.Tab("Queue"):
            listing = queue_panel.build(info)
            item = item_panel.build(info)
        with gr.Tab("Dashboard"):
            dash = dashboard.build()
        with gr.Tab("Audit log"):
            adm = admin.build()
    c = Console(queue, auth, info, explain, downloads if downloads is not None else Downloads(), token, Gate(auth, token), box,
                sign, header, listing, item, dash, adm)
    for part in (signin, queue_panel, item_panel, dashboard, admin):
        part.wire(c)
    return c
