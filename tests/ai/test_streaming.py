"""Streamed answers reach the client as they arrive; a client leaving stops upstream."""

from __future__ import annotations

import json
import time

import httpx

from ai.fake_gateway import FakeGateway
from integration.conftest import Server


def test_text_stream_response(ai_server: Server, gateway: FakeGateway) -> None:
    chunks: list[bytes] = []
    with ai_server.client.stream("POST", "/stream", json={"prompt": "streaming"}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        chunks.extend(response.iter_raw())
    assert b"".join(chunks).decode() == "echo: streaming"
    sent = gateway.state.chat_requests()[-1].body
    assert sent["stream"] is True
    assert sent["stream_options"] == {"include_usage": True}


def test_ui_message_stream_response(ai_server: Server) -> None:
    with ai_server.client.stream("POST", "/ui", json={"prompt": "ui"}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["x-vercel-ai-ui-message-stream"] == "v1"
        text = "".join(response.iter_text())
    events = [
        json.loads(line[6:])
        for line in text.splitlines()
        if line.startswith("data: ") and line != "data: [DONE]"
    ]
    deltas = "".join(e.get("delta", "") for e in events if e["type"] == "text-delta")
    assert deltas == "echo: ui"
    assert events[0]["type"] == "start" and events[-1]["type"] == "finish"


def test_chunks_arrive_before_the_answer_ends(ai_server: Server, gateway: FakeGateway) -> None:
    """The slow model sends a chunk every 0.1 s for 10 s: the first ones reach the
    client long before that, and closing the connection stops the upstream request."""
    gateway.state.slow_client_left.clear()
    with httpx.Client(base_url=ai_server.url, timeout=30) as client:
        started = time.monotonic()
        with client.stream("POST", "/slow", json={}) as response:
            assert response.status_code == 200
            received = b""
            for chunk in response.iter_raw():
                received += chunk
                if received.count(b"w") >= 3:
                    break
            first_chunks_after = time.monotonic() - started
    assert received.startswith(b"w0 w1 ")
    assert first_chunks_after < 8  # far from the 10 s the whole answer takes
    # The client left: the isolate's fetch is cancelled, so the gateway's write fails.
    assert gateway.state.slow_client_left.wait(timeout=15), "upstream kept streaming"
    assert gateway.state.slow_chunks_sent < 100
