"""Generation through any OpenAI-compatible server (vLLM, TGI, llama.cpp's server, ...), streamed over SSE.

The server's tokenizer is unknown here, so the history is trimmed to the context window with a
conservative estimate of 3 characters per token (English averages about 4).
"""

from __future__ import annotations

import json
import logging
import threading

import httpx

from models.chat import BaseChatEngine, Emit, GenerationSettings, ModelError

log = logging.getLogger(__name__)

CHARS_PER_TOKEN = 3
MESSAGE_OVERHEAD = 8  # role markers and separators a chat template adds around each message


class OpenAIChatModel(BaseChatEngine):
    def __init__(self, base_url: str, model: str, api_key: str = "", settings: GenerationSettings | None = None,
                 timeout_s: float = 60.0):
        if not base_url:
            raise ValueError("OPENAI_BASE_URL is empty: set it to the server's URL, e.g. http://127.0.0.1:8000/v1")
        if not model:
            raise ValueError("OPENAI_MODEL is empty: set it to the model name the server serves")
        self.base_url = base_url.rstrip("/")
        self.model_name = model
        self.settings = settings or GenerationSettings()
        self.context_tokens = self.settings.context_tokens
        self.name = f"{model} via {self.base_url}"
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        # The read timeout is per chunk: a server that goes quiet mid-reply is an error, a long reply is not.
        self.client = httpx.Client(headers=headers, timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)))

    def _prompt_tokens(self, messages: list[dict]) -> int:
        return sum(len(m["content"]) // CHARS_PER_TOKEN + MESSAGE_OVERHEAD for m in messages) + MESSAGE_OVERHEAD

    def _tail(self, text: str, tokens: int) -> str:
        return text[-tokens * CHARS_PER_TOKEN:]

    def _request(self, messages: list[dict], seed: int | None) -> dict:
        s = self.settings
        body = {
            "model": self.model_name,
            "messages": messages,
            "stream": True,
            "max_tokens": s.max_new_tokens,
            "temperature": s.temperature,
            "top_p": s.top_p,
        }
        if seed is not None:
            body["seed"] = seed
        if s.repetition_penalty != 1.0:
            # Not in OpenAI's API; vLLM reads repetition_penalty, llama.cpp repeat_penalty, others ignore both.
            body["repetition_penalty"] = body["repeat_penalty"] = s.repetition_penalty
        return body

    def _generate(self, messages: list[dict], emit: Emit, stop: threading.Event, seed: int | None) -> None:
        url = f"{self.base_url}/chat/completions"
        try:
            with self.client.stream("POST", url, json=self._request(messages, seed)) as response:
                if response.status_code != 200:
                    detail = response.read().decode(errors="replace")[:300]
                    raise ModelError(f"the model server answered {response.status_code}: {detail}")
                for line in response.iter_lines():
                    if stop.is_set():
                        return  # closing the response tells the server to stop
                    piece = _piece(line)
                    if piece is _DONE:
                        return
                    if piece:
                        emit(piece)
        except httpx.HTTPError as exc:
            raise ModelError(f"the model server at {self.base_url} failed: {type(exc).__name__}: {exc}") from exc


_DONE = object()


def _piece(line: str):
    """The text in one SSE line of a chat completion stream, _DONE at the end, or None."""
    if not line.startswith("data:"):
        return None  # blank separators, comments and event names
    data = line[5:].strip()
    if data == "[DONE]":
        return _DONE
    try:
        chunk = json.loads(data)
    except json.JSONDecodeError as exc:
        raise ModelError(f"the model server sent something that is not JSON: {data[:100]!r}") from exc
    if "error" in chunk:
        raise ModelError(f"the model server reported an error: {chunk['error']}")
    choices = chunk.get("choices") or [{}]
    return (choices[0].get("delta") or {}).get("content")
