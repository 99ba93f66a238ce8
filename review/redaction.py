"""What moderators see by default: a held reply with its personal data replaced by [ENTITY]."""

from __future__ import annotations

import re

_PLACEHOLDER = re.compile(r"\[([A-Z][A-Z_]*[A-Z])\]")


def redact_spans(text: str, results: list[dict]) -> str:
    """Replace every PII span the guard reported, whatever its score, with [ENTITY_TYPE].

    Below-threshold spans are masked too: this is the copy people read by default, and a moderator
    who needs the exact words reveals the original (an audited action). Works from the stored guard
    results (GuardResult.to_dict()), so no model runs. Overlapping spans merge into the first one;
    a span running past the end masks the rest of the text.
    """
    spans = sorted(
        (max(0, f["start"]), min(len(text), f["end"]), f["category"])
        for r in results if r.get("guard") == "pii"
        for f in r.get("findings", []) if f.get("start") is not None and f.get("end") is not None
    )
    out, pos = [], 0
    for start, end, label in spans:
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append(f"[{label}]")
        pos = end
    out.append(text[pos:])
    return "".join(out)


def highlight_placeholders(text: str) -> list[tuple[str, str | None]]:
    """Split redacted text into (piece, entity type or None) for gr.HighlightedText."""
    parts, pos = [], 0
    for m in _PLACEHOLDER.finditer(text):
        if m.start() > pos:
            parts.append((text[pos:m.start()], None))
        parts.append((m.group(0), m.group(1)))
        pos = m.end()
    if pos < len(text):
        parts.append((text[pos:], None))
    return parts
