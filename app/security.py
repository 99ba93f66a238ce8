"""What the browser may keep and load, and what the server answers to names it does not know.

- `GuardedBlocks` is the app's gr.Blocks: however it is launched (app/main.py, the tests, the
  screenshots), Gradio's run history is off (it kept every call of a public endpoint in localStorage,
  sign-in passwords and held replies included, past sign-out) and the middleware below is installed.
- `SecurityMiddleware` adds a Content-Security-Policy that lets the page load and connect only to its
  own origin (so no message can make the browser fetch another address), tells the browser to keep no
  copy of any answer but the static assets (`Cache-Control: no-store`), answers 404 for an API name the
  app does not have (Gradio answers 500), and serves one-time downloads (`Downloads`).
- `Downloads`: an export reaches only the admin who asked: it is held in memory under a random
  one-time address that is shown only on that admin's page, and it is gone after the first download
  or after `ttl_s`, whichever comes first. Nothing is written to disk.

docs/security.md says what the browser keeps and for how long.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from dataclasses import dataclass

import gradio as gr

CSP = "; ".join([
    "default-src 'self'",
    # Gradio's page carries its configuration in an inline script and its components set inline styles.
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",  # the dashboard's plots are data: images
    "font-src 'self' data:",
    "media-src 'self' data: blob:",
    "connect-src 'self'",
    "frame-src 'none'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
])
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
]
NO_STORE = (b"cache-control", b"no-store")
# Gradio's built front end: file names carry a content hash, so caching them keeps nothing personal.
_STATIC = re.compile(r"/(assets|static|favicon\.ico|gradio_api/(static|assets|theme\.css))")
_CALL = re.compile(r"/gradio_api/call/([^/]+)/?(?:[^/]+/?)?$")
_DOWNLOAD = re.compile(r"/download/([A-Za-z0-9_-]{32,64})$")


@dataclass(frozen=True)
class Download:
    filename: str
    media_type: str
    data: bytes
    expires: float


class Downloads:
    """One-time downloads kept in memory (exports): `add` gives the address, the first GET takes it."""

    def __init__(self, ttl_s: float = 600.0, clock=time.monotonic):
        self.ttl_s = ttl_s
        self._clock = clock
        self._items: dict[str, Download] = {}
        self._lock = threading.Lock()

    def add(self, filename: str, data: bytes, media_type: str = "application/octet-stream") -> str:
        """The address (relative to the page) that serves `data` once."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._forget_expired()
            self._items[token] = Download(filename, media_type, data, self._clock() + self.ttl_s)
        return f"download/{token}"

    def take(self, token: str) -> Download | None:
        with self._lock:
            self._forget_expired()
            return self._items.pop(token, None)

    def __len__(self) -> int:
        with self._lock:
            self._forget_expired()
            return len(self._items)

    def _forget_expired(self) -> None:
        now = self._clock()
        for token in [t for t, d in self._items.items() if d.expires <= now]:
            del self._items[token]


class SecurityMiddleware:
    """ASGI middleware: security headers, 404 for unknown API names, one-time downloads."""

    def __init__(self, app, blocks: gr.Blocks, downloads: Downloads):
        self.app, self.blocks, self.downloads = app, blocks, downloads

    def api_names(self) -> set[str]:
        return {fn.api_name for fn in self.blocks.fns.values()
                if isinstance(fn.api_name, str) and fn.api_visibility != "private"}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        if (m := _DOWNLOAD.search(path)) and scope.get("method") == "GET":
            return await self._download(m.group(1), send)
        if (m := _CALL.search(path)) and m.group(1) not in self.api_names():
            return await _json(send, 404, {"error": f"This app has no API endpoint named {m.group(1)[:80]!r}; "
                                                    "its endpoints are listed at /gradio_api/info."})
        cache = not _STATIC.match(path)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() not in {k for k, _ in HEADERS}]
                headers += HEADERS
                if cache:
                    headers = [h for h in headers if h[0].lower() != b"cache-control"] + [NO_STORE]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)

    async def _download(self, token: str, send):
        item = self.downloads.take(token)
        if item is None:
            return await _json(send, 404, {"error": "This download has expired or was already fetched; "
                                                    "export again from the Audit log tab."})
        safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", item.filename)[:100]
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", item.media_type.encode()),
            (b"content-length", str(len(item.data)).encode()),
            (b"content-disposition", f'attachment; filename="{safe_name}"'.encode()),
            NO_STORE, *HEADERS]})
        await send({"type": "http.response.body", "body": item.data})


async def _json(send, status: int, content: dict) -> None:
    body = json.dumps(content).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            NO_STORE, *HEADERS]})
    await send({"type": "http.response.body", "body": body})


class GuardedBlocks(gr.Blocks):
    """The app's Blocks: launched with run history off and SecurityMiddleware installed, whoever launches it."""

    def __init__(self, *args, downloads: Downloads | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.downloads = downloads if downloads is not None else Downloads()

    def launch(self, *args, **kwargs):
        from starlette.middleware import Middleware

        kwargs["run_history"] = False  # also deletes runs an older version left in the browser
        app_kwargs = dict(kwargs.get("app_kwargs") or {})
        app_kwargs["middleware"] = [*(app_kwargs.get("middleware") or []),
                                    Middleware(SecurityMiddleware, blocks=self, downloads=self.downloads)]
        kwargs["app_kwargs"] = app_kwargs
        return super().launch(*args, **kwargs)
