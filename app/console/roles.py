"""Who may call which console endpoint: one table, checked on the server before every handler.

The page hides what a role may not use, but the table is what decides: the same endpoints are
callable through the Gradio API by anyone who can reach the app.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

import gradio as gr

from review.auth import NotAuthorized, Principal
from review.tables import Role

MODERATOR, ADMIN = Role.MODERATOR.value, Role.ADMIN.value

# API name -> the least role that may call it (None: anyone; the handler itself signs in or out).
ENDPOINT_ROLES: dict[str, str | None] = {
    "login": None,
    "logout": None,
    "queue": MODERATOR,
    "live": MODERATOR,
    "item": MODERATOR,
    "claim": MODERATOR,
    "release_claim": MODERATOR,
    "approve": MODERATOR,
    "approve_edited": MODERATOR,
    "reject": MODERATOR,
    "bulk_approve": MODERATOR,
    "bulk_reject": MODERATOR,
    "dashboard": MODERATOR,
    # The unredacted original, the whole audit log and the exports are for admins (README, ADMINS).
    "reveal": ADMIN,
    "audit_log": ADMIN,
    "export": ADMIN,
}


def refusal(message: str, title: str | None = None) -> gr.Error:
    """An error shown to the person; not a fault, so no traceback in the server's log."""
    return gr.Error(message, title=title, print_exception=False)


class Gate:
    """Registers console endpoints, each behind its role from ENDPOINT_ROLES."""

    def __init__(self, auth, token: gr.State):
        self.auth = auth
        self.token = token
        self.wired: set[str] = set()

    def principal(self, endpoint: str, token) -> Principal:
        role = ENDPOINT_ROLES[endpoint]
        try:
            return self.auth.require(token, role or MODERATOR)
        except NotAuthorized as exc:
            raise refusal(str(exc), "Not allowed") from None

    def guarded(self, endpoint: str, fn: Callable) -> Callable:
        """fn(principal, *inputs) as a handler that takes the session token first and checks its role."""
        if endpoint not in ENDPOINT_ROLES:
            raise KeyError(f"console endpoint {endpoint!r} has no entry in ENDPOINT_ROLES")

        @functools.wraps(fn)
        def handler(token, *args, **kwargs):
            return fn(self.principal(endpoint, token), *args, **kwargs)

        # Gradio reads the parameters (names for the API page, gr.Request injection) from the signature.
        params = list(inspect.signature(fn).parameters.values())[1:]
        handler.__signature__ = inspect.Signature([inspect.Parameter("token", inspect.Parameter.POSITIONAL_OR_KEYWORD),
                                                   *params])
        del handler.__wrapped__
        return handler

    def hidden(self, endpoint: str, fn: Callable, inputs: list, outputs, **kwargs) -> dict:
        """Arguments for a follow-up event (`.success(**...)`) with no API name of its own, behind
        `endpoint`'s role: an event without a name can still be called by its number."""
        return dict(fn=self.guarded(endpoint, fn), inputs=[self.token, *inputs], outputs=outputs, api_name=False,
                    **kwargs)

    def on(self, trigger, endpoint: str, fn: Callable, inputs: list, outputs, **kwargs):
        """`trigger(handler, [token, *inputs], outputs, api_name=endpoint)`, the handler behind the gate."""
        if ENDPOINT_ROLES.get(endpoint, "missing") is None:
            raise ValueError(f"{endpoint} is open to anyone; wire it directly")
        self.wired.add(endpoint)
        return trigger(self.guarded(endpoint, fn), [self.token, *inputs], outputs, api_name=endpoint, **kwargs)
