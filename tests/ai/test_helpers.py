"""Every injected helper against the fake gateway, through a real server."""

from __future__ import annotations

from integration.conftest import Server


def test_generate_text_with_the_script_model(ai_server: Server) -> None:
    response = ai_server.client.post("/chat", json={"prompt": "hello"})
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["text"] == "echo: hello"
    assert data["usage"]["inputTokens"] == 11
