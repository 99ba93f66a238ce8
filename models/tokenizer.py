"""The chat model's tokenizer from a saved folder with the `tokenizers` package alone, without transformers.

Why: importing transformers and building its tokenizer costs about 2 s of a warm start that is otherwise
about 3 s (README, "Performance"). This class does what the chat engines ask of a tokenizer (encode,
decode, the chat template, the special tokens) as transformers' TokenizersBackend does it for the same
files: tests/models/test_tokenizer.py checks it against AutoTokenizer token for token. A folder it
cannot reproduce exactly (no tokenizer.json, several chat templates, clean-up of spaces) gives None, and
the caller uses transformers.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from pathlib import Path

# The named special tokens transformers passes to a chat template (its SPECIAL_TOKENS_ATTRIBUTES).
SPECIAL_TOKENS = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")


def _token_text(value) -> str | None:
    if isinstance(value, dict):  # older configs store AddedToken dicts
        value = value.get("content")
    return value if isinstance(value, str) else None


@lru_cache
def _compile(template: str):
    """The template in the sandbox transformers renders it in (utils/chat_template_utils.py), with the
    same options, filters and globals; only its `{% generation %}` tag is missing (a template that uses
    it fails to compile here, and transformers is used instead)."""
    import jinja2
    import jinja2.ext
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return datetime.now().strftime(format)

    class TemplateDict:
        def __call__(self, *args, **kwargs):
            return dict(*args, **kwargs)

        def fromkeys(self, *args, **kwargs):
            return dict.fromkeys(*args, **kwargs)

    class TemplateNamespace(jinja2.utils.Namespace):
        def __init__(*args, **kwargs):
            self, args = args[0], args[1:]
            attrs = dict(*args, **kwargs)
            for name in attrs:
                TemplateNamespace._check_name(name)
            jinja2.utils.Namespace.__init__(self, attrs)

        def __setitem__(self, name, value):
            TemplateNamespace._check_name(name)
            jinja2.utils.Namespace.__setitem__(self, name, value)

        @staticmethod
        def _check_name(name):
            if isinstance(name, str) and name.startswith("_"):
                raise jinja2.exceptions.SecurityError(f"chat templates cannot store underscore-prefixed attributes, got {name!r}")

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    env.globals["dict"] = TemplateDict()
    env.globals["namespace"] = TemplateNamespace
    return env.from_string(template)


def _plain(value):
    """Only plain JSON data reaches the template, as in transformers (no objects with methods)."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return f"<{type(value).__name__}>"


REASONING_FIELDS = ("reasoning_content", "thinking", "reasoning")


def _message(message: dict) -> dict:
    """transformers drops None values and copies a message's reasoning under the names templates read."""
    message = _plain({k: v for k, v in message.items() if v is not None})
    reasoning = next((message[k] for k in REASONING_FIELDS if message.get(k) is not None), None)
    return message if reasoning is None else {"thinking": reasoning, **message, "reasoning_content": reasoning}


class LeanTokenizer:
    """encode / decode / apply_chat_template as transformers' tokenizer for the same folder."""

    def __init__(self, backend, config: dict, chat_template: str):
        self.backend = backend
        self.chat_template = chat_template
        self.special_tokens_map = {name: text for name in SPECIAL_TOKENS if (text := _token_text(config.get(name)))}
        for name in SPECIAL_TOKENS:
            text = self.special_tokens_map.get(name)
            setattr(self, name, text)
            setattr(self, f"{name}_id", backend.token_to_id(text) if text is not None else None)

    @classmethod
    def from_folder(cls, folder: str | Path) -> "LeanTokenizer | None":
        folder = Path(folder)
        try:
            config = json.loads((folder / "tokenizer_config.json").read_text())
            if not (folder / "tokenizer.json").is_file():
                return None
            template_file = folder / "chat_template.jinja"
            template = template_file.read_text() if template_file.is_file() else config.get("chat_template")
        except (OSError, ValueError):
            return None
        if not isinstance(template, str) or config.get("clean_up_tokenization_spaces"):
            return None  # several named templates, none, or a clean-up step this class does not do
        try:
            _compile(template)
        except Exception:  # e.g. {% generation %}: transformers' own renderer handles it
            return None
        from tokenizers import Tokenizer

        backend = Tokenizer.from_file(str(folder / "tokenizer.json"))
        backend.no_truncation()  # transformers turns both off unless a call asks for them
        backend.no_padding()
        return cls(backend, config, template)

    def encode(self, text: str, add_special_tokens: bool = True) -> list[int]:
        return self.backend.encode(text, add_special_tokens=add_special_tokens).ids

    def __call__(self, text: str | list[str], add_special_tokens: bool = True) -> dict:
        if isinstance(text, str):
            ids = self.encode(text, add_special_tokens)
            return {"input_ids": ids, "attention_mask": [1] * len(ids)}
        encoded = [e.ids for e in self.backend.encode_batch(list(text), add_special_tokens=add_special_tokens)]
        return {"input_ids": encoded, "attention_mask": [[1] * len(ids) for ids in encoded]}

    def decode(self, ids, skip_special_tokens: bool = False) -> str:
        return self.backend.decode([ids] if isinstance(ids, int) else list(ids), skip_special_tokens=skip_special_tokens)

    def apply_chat_template(self, conversation: list[dict], add_generation_prompt: bool = False, tokenize: bool = True,
                            return_dict: bool = True, **kwargs):
        """One conversation (not a batch); tools, documents and transformers' other options are not taken."""
        if not conversation:
            raise ValueError("Cannot apply chat template to an empty conversation. Provide at least one message.")
        messages = [_message(m) for m in conversation]
        text = _compile(self.chat_template).render(
            messages=messages, tools=None, documents=None, add_generation_prompt=add_generation_prompt,
            **{**self.special_tokens_map, **_plain(kwargs)})
        if not tokenize:
            return text
        ids = self.encode(text, add_special_tokens=False)
        return {"input_ids": ids, "attention_mask": [1] * len(ids)} if return_dict else ids
