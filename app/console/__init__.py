"""The moderators' console (the Review tab), in parts: sign-in, queue, item, dashboard, admin.

app/review_tab.py lays the parts out and wires them. Each part builds its components (a small dataclass)
and registers its handlers; a handler returns a dict keyed by the components it changes. Every endpoint
is registered through `roles.Gate.on`, which checks the session against the one role table
(`roles.ENDPOINT_ROLES`) before the handler runs, for the page and the API alike.
"""
