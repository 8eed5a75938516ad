"""A small OpenAI-compatible gateway for the tests, on a loopback port.

It answers like OpenRouter/LiteLLM/OpenAI do for what the AI SDK sends, and the
model id picks the behaviour:

- `test/echo`: "echo: <last user message>" (usage 11 + 7 tokens);
- `test/tools`: a `weather` tool call first, then text built from the tool result;
- `test/json`: a JSON object as the content (generateObject, streamObject);
- `test/slow`: a stream of 100 chunks, 0.1 s apart, that notes when the client left;
- `error/401`, `error/429` (Retry-After: 7), `error/500`: those statuses;
- `test/hang`: never answers (timeouts).

`POST /v1/embeddings` answers a 3-dimensional embedding; `GET /echo-headers`
answers the request's headers. Every request is recorded (path, headers, JSON).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

USAGE = {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class GatewayState:
    requests: list[Recorded] = field(default_factory=list)
    slow_chunks_sent: int = 0
    slow_client_left: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def chat_requests(self) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.path.endswith("/chat/completions")]


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _tool_result(messages: list[dict[str, Any]]) -> str | None:
    for message in messages:
        if message.get("role") == "tool":
            return str(message.get("content"))
    return None


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"  # streamed answers end when the connection closes

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # ------------------------------------------------------------ plumbing
    def _send_json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(raw)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    def _record(self) -> Any:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        state = self.server.state
        with state.lock:
            state.requests.append(
                Recorded(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
        return body

    def do_GET(self) -> None:
        self._record()
        if self.path == "/echo-headers":
            self._send_json(200, {k.lower(): v for k, v in self.headers.items()})
        else:
            self._send_json(404, {"error": {"message": f"no {self.path}"}})

    def do_POST(self) -> None:
        body = self._record()
        if self.path.endswith("/embeddings"):
            self._embeddings(body)
        elif self.path.endswith("/chat/completions"):
            self._chat(body)
        else:
            self._send_json(404, {"error": {"message": f"no {self.path}"}})

    # ------------------------------------------------------------ endpoints
    def _embeddings(self, body: dict[str, Any]) -> None:
        inputs = body.get("input")
        count = len(inputs) if isinstance(inputs, list) else 1
        self._send_json(
            200,
            {
                "object": "list",
                "model": body.get("model"),
                "data": [
                    {"object": "embedding", "index": i, "embedding": [0.1, 0.2, 0.3]}
                    for i in range(count)
                ],
                "usage": {"prompt_tokens": 3, "total_tokens": 3},
            },
        )

    def _chat(self, body: dict[str, Any]) -> None:
        model = str(body.get("model"))
        if model.startswith("error/"):
            status = int(model.split("/")[1])
            headers = {"retry-after": "7"} if status == 429 else None
            self._send_json(status, {"error": {"message": f"fake gateway error {status}"}}, headers)
            return
        if model == "test/hang":
            time.sleep(30)
            return
        messages = body.get("messages") or []
        stream = bool(body.get("stream"))
        if model == "test/slow":
            self._slow_stream(model)
            return
        message: dict[str, Any]
        finish = "stop"
        if model == "test/tools" and _tool_result(messages) is None:
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "weather", "arguments": '{"city":"Paris"}'},
                    }
                ],
            }
            finish = "tool_calls"
        elif model == "test/tools":
            message = {"role": "assistant", "content": f"The weather: {_tool_result(messages)}"}
        elif model == "test/json":
            message = {"role": "assistant", "content": '{"name":"Ada","age":36}'}
        else:
            message = {"role": "assistant", "content": f"echo: {_last_user_text(messages)}"}
        if stream:
            self._stream(model, message, finish, bool(body.get("stream_options") or {}))
        else:
            self._send_json(
                200,
                {
                    "id": "chatcmpl-1",
                    "object": "chat.completion",
                    "created": 1,
                    "model": model,
                    "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                    "usage": USAGE,
                },
            )

    def _start_events(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.end_headers()

    def _event(self, data: Any) -> None:
        text = data if isinstance(data, str) else json.dumps(data)
        self.wfile.write(f"data: {text}\n\n".encode())
        self.wfile.flush()

    def _chunk(
        self, model: str, delta: dict[str, Any], finish: str | None = None
    ) -> dict[str, Any]:
        return {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    def _stream(self, model: str, message: dict[str, Any], finish: str, with_usage: bool) -> None:
        self._start_events()
        self._event(self._chunk(model, {"role": "assistant", "content": ""}))
        if message.get("tool_calls"):
            for index, call in enumerate(message["tool_calls"]):
                self._event(self._chunk(model, {"tool_calls": [{"index": index, **call}]}))
        else:
            text = str(message.get("content") or "")
            for start in range(0, len(text), 4):
                self._event(self._chunk(model, {"content": text[start : start + 4]}))
        self._event(self._chunk(model, {}, finish))
        if with_usage:
            self._event({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1,
                         "model": model, "choices": [], "usage": USAGE})  # fmt: skip
        self._event("[DONE]")

    def _slow_stream(self, model: str) -> None:
        state = self.server.state
        self._start_events()
        try:
            for i in range(100):
                self._event(self._chunk(model, {"content": f"w{i} "}))
                with state.lock:
                    state.slow_chunks_sent += 1
                time.sleep(0.1)
            self._event(self._chunk(model, {}, "stop"))
            self._event("[DONE]")
        except OSError:
            state.slow_client_left.set()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: GatewayState


class FakeGateway:
    """Start with `start()`; `url` is the base URL to configure (`…/v1`)."""

    def __init__(self) -> None:
        self.state = GatewayState()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = self.state
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.origin}/v1"

    def start(self) -> FakeGateway:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
