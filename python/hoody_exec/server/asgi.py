"""ASGI type aliases and the few send helpers the app needs (no framework)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl

import msgspec

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Headers = list[tuple[str, str]]

_json = msgspec.json.Encoder()


class BodyTooLarge(Exception):
    pass


class BodyTimeout(Exception):
    """The body did not arrive before the deadline."""

    def __init__(self, received: int, waited_s: float) -> None:
        super().__init__(f"received {received} bytes of the request body in {waited_s:.3f} s")
        self.received = received
        self.waited_s = waited_s


async def read_body(receive: Receive, limit: int, *, deadline: float | None = None) -> bytes:
    """The whole request body; past `deadline` (a `time.monotonic()` value, the clock
    of asyncio's loop) BodyTimeout, so a client that promises a body and sends it
    slowly, or never, cannot hold the request (and its memory) open."""
    chunks: list[bytes] = []
    size = 0
    began = time.monotonic()
    try:
        async with asyncio.timeout_at(deadline):
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    break
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    raise BodyTooLarge(size)
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
    except TimeoutError:
        raise BodyTimeout(size, time.monotonic() - began) from None
    return b"".join(chunks)


def declared_length(headers: Headers) -> int | None:
    value = next((v for k, v in headers if k == "content-length"), None)
    return int(value) if value is not None and value.strip().isdigit() else None


async def disconnected(receive: Receive) -> None:
    """Returns once the client has gone (the request body was already read)."""
    try:
        while (await receive())["type"] != "http.disconnect":
            pass
    except Exception:  # the server's receive failing means the connection is gone too
        return


def parse_query(query_string: str) -> dict[str, str | list[str]]:
    """`a=1&a=2&b=` → `{"a": ["1", "2"], "b": ""}`: a repeated key becomes a list."""
    query: dict[str, str | list[str]] = {}
    for key, value in parse_qsl(query_string, keep_blank_values=True):
        current = query.get(key)
        if current is None:
            query[key] = value
        elif isinstance(current, list):
            current.append(value)
        else:
            query[key] = [current, value]
    return query


def header_list(scope: Scope) -> Headers:
    return [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]]


# Hop-by-hop and framing headers are the server's business, not the script's.
_SERVER_OWNED = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})


def _raw_headers(headers: Headers) -> list[tuple[bytes, bytes]]:
    return [
        (k.lower().encode("latin-1"), v.encode("latin-1", errors="replace"))
        for k, v in headers
        if k.lower() not in _SERVER_OWNED
    ]


async def send_head(send: Send, status: int, headers: Headers) -> None:
    """The start of a streamed response (no content-length: chunked)."""
    await send({"type": "http.response.start", "status": status, "headers": _raw_headers(headers)})


async def send_response(
    send: Send, status: int, headers: Headers, body: bytes, *, head: bool = False
) -> None:
    raw = _raw_headers(headers)
    if status not in (204, 304) and not (100 <= status < 200):
        raw.append((b"content-length", str(len(body)).encode()))
    else:
        body = b""
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": b"" if head else body})


def json_body(data: object) -> bytes:
    return _json.encode(data)


JSON_HEADERS: Headers = [("content-type", "application/json")]


def cookies_of(headers: Headers) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for name, value in headers:
        if name == "cookie":
            try:
                jar.load(value)
            except Exception:  # a malformed Cookie header must not fail the request
                continue
    return {key: morsel.value for key, morsel in jar.items()}
