"""What every console part may use: the services, the gate, the session token and the other parts' views."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from app.console.roles import Gate
from app.console.text import Explainer


@dataclass
class Console:
    queue: Any  # review.queue.ReviewQueue
    auth: Any  # review.auth.ModeratorAuth
    info: Any  # app.ui.AppInfo
    explain: Explainer | None
    downloads: Any  # app.security.Downloads
    token: gr.State
    gate: Gate
    box: gr.Column  # the signed-in console, hidden until sign-in
    signin: Any = None  # app.console.signin.SignInView
    header: Any = None  # app.console.signin.HeaderView
    listing: Any = None  # app.console.queue_panel.QueueView
    item: Any = None  # app.console.item_panel.ItemPanel
    dashboard: Any = None  # app.console.dashboard.DashboardView
    admin: Any = None  # app.console.admin.AdminView
