"""The JSON messages between the host and `js/dispatch.js` (one call = one of each).

NOTE: JSON strings rather than a binary frame: a bare isolate has no TextEncoder
before the Web API prelude, and JSON keeps the glue testable on its own. Bodies
that are not text travel as base64.
"""

from __future__ import annotations

import base64
from importlib import resources
from typing import Literal

import msgspec

# Names the bundler declares inside a body-style script (`var request = ctx.request, …`).
INJECTED: tuple[str, ...] = (
    "request",
    "req",
    "body",
    "query",
    "params",
    "headers",
    "env",
    "console",
    "log",
    "fetch",
    "shared",
    "ws",
)

# Added for `@ai true` scripts (ai/js/helpers.js builds their values).
AI_INJECTED: tuple[str, ...] = (
    "ai",
    "generateText",
    "streamText",
    "generateObject",
    "streamObject",
    "tool",
    "embed",
    "jsonSchema",
    "model",
    "openai",
)

BodyKind = Literal["none", "json", "form", "text", "bytes"]
QueryValue = str | list[str]
FormValue = str | list[str] | dict[str, object]


class AiSettings(msgspec.Struct, kw_only=True):
    """What an `@ai` call's helpers need: no key (the host adds it, webapi/gateway.py)."""

    base_url: str
    model: str


class CallRequest(msgspec.Struct, kw_only=True):
    rid: str
    script: str  # module id of the entry, e.g. "users/[id].ts"
    mode: Literal["worker", "serverless"]
    method: str
    url: str
    path: str
    query: dict[str, QueryValue]
    params: dict[str, str]
    headers: list[tuple[str, str]]  # lower-case names, in arrival order
    body: str | None = None
    body_base64: bool = False
    body_kind: BodyKind = "none"
    form: dict[str, FormValue] | None = None
    ip: str | None = None
    cookies: dict[str, str] = {}
    env: dict[str, str] = {}
    ai: AiSettings | None = None
    websocket: bool = False  # `@websocket`: the script gets `ws` (runtime/js/sockets.js)


class CallResponse(msgspec.Struct, kw_only=True):
    status: int
    headers: list[tuple[str, str]]
    body: str = ""
    body_base64: bool = False
    # A streamed body (ReadableStream, Response with a stream body, async
    # generator): the id JavaScript pushes its chunks under (runtime/streams.py);
    # `body` is then empty. `sse`: the chunks are an async generator's events.
    stream: int | None = None
    sse: bool = False

    def body_bytes(self) -> bytes:
        return base64.b64decode(self.body) if self.body_base64 else self.body.encode()


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(CallResponse)


def encode_call(call: CallRequest) -> str:
    return _encoder.encode(call).decode()


def decode_response(data: str | bytes) -> CallResponse:
    return _decoder.decode(data)


def dispatch_source() -> tuple[str, str]:
    """The dispatch glue as `(code, filename)`, evaluated after the prelude."""
    return _runtime_js("dispatch.js")


def sockets_source() -> tuple[str, str]:
    """The `ws` object of `@websocket` scripts, evaluated after the dispatch glue."""
    return _runtime_js("sockets.js")


def _runtime_js(name: str) -> tuple[str, str]:
    code = resources.files(__package__).joinpath(f"js/{name}").read_text(encoding="utf-8")
    return code, f"hoody:runtime/{name}"


def ai_helpers_source() -> tuple[str, str]:
    """The `@ai` helpers (evaluated after the AI SDK bundle), as `(code, filename)`."""
    code = resources.files("hoody_exec.ai").joinpath("js/helpers.js").read_text(encoding="utf-8")
    return code, "hoody:ai/helpers.js"
