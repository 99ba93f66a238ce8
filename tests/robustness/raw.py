"""A bare HTTP client for the app's Gradio routes, from a chosen loopback source address.

Used where gradio_client hides what an attacker controls: which event (fn_index) to call, hidden
events included, what data to send, which session to claim, and from which address (the whole of
127.0.0.0/8 is loopback on Linux, so each test can be a different client address).
"""

from __future__ import annotations

import json
import uuid

import httpx


class RawGradio:
    def __init__(self, url: str, source: str = "127.0.0.1", session_hash: str | None = None):
        self.url = url
        self.session_hash = session_hash or uuid.uuid4().hex[:11]
        self.http = httpx.Client(transport=httpx.HTTPTransport(local_address=source), timeout=120)
        self.config = self.http.get(f"{url}/config").json()

    def fn_index(self, api_name: str) -> int:
        return next(d["id"] for d in self.config["dependencies"] if d.get("api_name") == api_name)

    def component(self, component_id: int) -> dict:
        return next((c for c in self.config["components"] if c["id"] == component_id), {})  # {}: the page itself

    def call(self, fn_index: int, data: list) -> tuple[bool, object]:
        """(True, output data) or (False, the error message). Follows a generator to its end."""
        body = {"data": data, "fn_index": fn_index, "session_hash": self.session_hash, "event_data": None,
                "trigger_id": None}
        join = self.http.post(f"{self.url}/gradio_api/queue/join", json=body)
        if join.status_code != 200:
            return False, f"HTTP {join.status_code}: {join.text[:300]}"
        with self.http.stream("GET", f"{self.url}/gradio_api/queue/data",
                              params={"session_hash": self.session_hash}) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("msg") == "process_completed":
                    if msg.get("success"):
                        return True, msg["output"].get("data")
                    out = msg.get("output") or {}
                    return False, str(out.get("error") or out)
                if msg.get("msg") == "unexpected_error":
                    return False, msg.get("message", "unexpected error")
        return False, "stream ended without a result"

    def chat(self, text: str) -> tuple[bool, object]:
        return self.call(self.fn_index("chat"), [text, None])

    def close(self):
        self.http.close()
