"""The ceiling for the WebSocket benchmark: the smallest ASGI echo and broadcast
app Granian can serve (no isolate, no JavaScript)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

Send = Callable[[dict[str, Any]], Awaitable[None]]
_open: set[Send] = set()


async def app(
    scope: dict[str, Any], receive: Callable[[], Awaitable[dict[str, Any]]], send: Send
) -> None:
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
        return
    if scope["type"] != "websocket":
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    _open.add(send)
    try:
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("text") == "broadcast":
                for other in list(_open):
                    await other({"type": "websocket.send", "text": "b"})
            else:
                echo = {k: v for k, v in message.items() if k in ("text", "bytes") and v}
                await send({"type": "websocket.send", **echo})
    finally:
        _open.discard(send)
