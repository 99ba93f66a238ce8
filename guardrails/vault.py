"""A per-conversation vault: personal data in a person's message is swapped for placeholders
before the model or the database sees it, and swapped back only in what that person is shown."""

from __future__ import annotations

import re
import threading

from guardrails.types import Finding

# Square brackets, not angle brackets: the chat renders markdown, where <PERSON_1> would vanish as a tag.
_PLACEHOLDER = re.compile(r"\[([A-Z_]+)_(\d+)\]")

# What a placeholder that is not this person's own is shown as. The model sees placeholders in the
# conversation and sometimes writes new ones ("I am [PERSON_2]"); shown raw, one reads as a leak or a
# bug, so it becomes plain words for what it stands for.
_UNKNOWN = {
    "PERSON": "(a name)", "PERSON_PRIVATE": "(a name)", "EMAIL_ADDRESS": "(an e-mail address)",
    "PHONE_NUMBER": "(a phone number)",
    "LOCATION": "(a place)", "ADDRESS": "(an address)", "STREET_ADDRESS": "(an address)",
    "CREDIT_CARD": "(a card number)", "IBAN_CODE": "(a bank account)", "US_BANK_NUMBER": "(a bank account)",
    "IP_ADDRESS": "(an IP address)", "US_SSN": "(an ID number)", "US_PASSPORT": "(a passport number)",
    "US_DRIVER_LICENSE": "(a licence number)", "DATE_TIME": "(a date)", "URL": "(a web address)",
}


# A placeholder says what kind of data was there, not why it was masked: a private person's name is a
# name to the model, and the same name keeps one placeholder whichever finding it came from.
_KIND = {"PERSON_PRIVATE": "PERSON"}


def unknown_placeholder(entity: str) -> str:
    return _UNKNOWN.get(entity, "(personal data)")


class Vault:
    def __init__(self) -> None:
        self._originals: dict[str, str] = {}
        self._by_value: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def mask(self, text: str, findings: list[Finding]) -> str:
        """Replace each span with a placeholder; the same value keeps the same placeholder."""
        spans = sorted((f for f in findings if f.start is not None), key=lambda f: (f.start, -f.end))
        out, pos = [], 0
        with self._lock:
            for f in spans:
                if f.start < pos:  # overlaps a span already replaced
                    continue
                value, kind = text[f.start:f.end], _KIND.get(f.category, f.category)
                key = (kind, value)
                if key not in self._by_value:
                    self._counts[kind] = self._counts.get(kind, 0) + 1
                    placeholder = f"[{kind}_{self._counts[kind]}]"
                    self._by_value[key] = placeholder
                    self._originals[placeholder] = value
                out += [text[pos:f.start], self._by_value[key]]
                pos = f.end
        out.append(text[pos:])
        return "".join(out)

    def restore(self, text: str) -> str:
        """`text` with this conversation's placeholders put back; any other placeholder in plain words."""
        with self._lock:
            return _PLACEHOLDER.sub(lambda m: self._originals.get(m.group(0)) or unknown_placeholder(m.group(1)), text)

    def __len__(self) -> int:
        return len(self._originals)
