"""Token usage read from the gateway's answers as they pass through the host.

NOTE: counted here, on the host side of `fetch`, rather than reported by the
script: a script cannot under-report, and the same count covers the AI SDK and
a hand-written proxy (the `ai-proxy` template) alike. An OpenAI-compatible
answer carries `usage` in its JSON body, or in an event of its SSE stream (the
provider asks for it with `stream_options.include_usage`).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Usage", "UsageReader", "UsageSink", "record", "set_sink"]

# A JSON answer larger than this is not parsed for usage (embeddings of many inputs).
MAX_JSON_BYTES = 8 * 1024 * 1024
MAX_LINE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Usage:
    script: str
    request_id: str | None  # None: a worker call that cannot be told apart from others
    model: str
    prompt_tokens: int
    completion_tokens: int


UsageSink = Callable[[Usage], None]
_sink: UsageSink | None = None


def set_sink(sink: UsageSink | None) -> None:
    """Where usage goes (the server: metrics and the request's log line)."""
    global _sink
    _sink = sink


def record(usage: Usage) -> None:
    if _sink is not None:
        _sink(usage)


def _tokens(value: object) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


class UsageReader:
    """Fed the body chunks of one gateway answer; `finish` records what it found."""

    def __init__(self, script: str, request_id: str | None, content_type: str, model: str) -> None:
        self.script = script
        self.request_id = request_id
        self.sse = "text/event-stream" in content_type.lower()
        self.model = model  # the request's model until the answer names one
        self._buffer = bytearray()
        self._usage: dict[str, object] | None = None
        self._overflow = False

    def feed(self, chunk: bytes) -> None:
        if self._overflow:
            return
        self._buffer += chunk
        if not self.sse:
            self._overflow = len(self._buffer) > MAX_JSON_BYTES
            return
        while (end := self._buffer.find(b"\n")) >= 0:
            line = bytes(self._buffer[:end]).strip()
            del self._buffer[: end + 1]
            if line.startswith(b"data:"):
                self._event(line[5:].strip())
        if len(self._buffer) > MAX_LINE_BYTES:
            self._buffer.clear()

    def _event(self, data: bytes) -> None:
        if not data or data == b"[DONE]":
            return
        try:
            event = json.loads(data)
        except ValueError:
            return
        self._take(event)

    def _take(self, document: object) -> None:
        if not isinstance(document, dict):
            return
        model = document.get("model")
        if isinstance(model, str) and model:
            self.model = model
        usage = document.get("usage")
        if isinstance(usage, dict):
            self._usage = usage

    def finish(self) -> None:
        if not self.sse and not self._overflow and self._buffer:
            with contextlib.suppress(ValueError):
                self._take(json.loads(bytes(self._buffer)))
        self._buffer.clear()
        usage, self._usage = self._usage, None
        if usage is None:
            return
        record(
            Usage(
                self.script,
                self.request_id,
                self.model,
                _tokens(usage.get("prompt_tokens")),
                _tokens(usage.get("completion_tokens")),
            )
        )


def requested_model(body: bytes | None) -> str:
    """The `model` a JSON request body names ("unknown" otherwise)."""
    if body:
        try:
            document = json.loads(body)
        except ValueError:
            return "unknown"
        if isinstance(document, dict) and isinstance(document.get("model"), str):
            return str(document["model"])
    return "unknown"
