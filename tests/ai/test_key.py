"""The gateway's key: attached by the host for the gateway's URLs only, never
inside the isolate, never in the logs."""

from __future__ import annotations

from ai.conftest import API_KEY
from ai.fake_gateway import FakeGateway
from integration.conftest import Server


def test_the_host_attaches_the_key_for_the_gateway(ai_server: Server, gateway: FakeGateway) -> None:
    response = ai_server.client.post("/chat", json={"prompt": "key"})
    assert response.status_code == 200, response.text
    sent = gateway.state.chat_requests()[-1]
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"


def test_a_script_finds_no_key(
    ai_server: Server, gateway: FakeGateway, other_site: FakeGateway
) -> None:
    response = ai_server.client.post(
        "/snoop",
        params={
            "other": f"{other_site.origin}/echo-headers",
            # The gateway's origin, but not under its base URL (/v1): no key either.
            "outside": f"{gateway.origin}/echo-headers",
        },
        headers={"x-probe": "1"},
        json={},
    )
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["strings"] > 1000  # it did search: the SDK alone has many names
    assert API_KEY not in data["haystack"]
    assert API_KEY[8:24] not in data["haystack"]
    assert data["other_authorization"] is None
    assert data["outside_authorization"] is None


def test_a_script_header_cannot_replace_the_key(ai_server: Server, gateway: FakeGateway) -> None:
    response = ai_server.client.post("/own-auth", params={"url": f"{gateway.url}/chat/completions"})
    assert response.status_code == 200, response.text
    assert response.json()["choices"][0]["message"]["content"] == "echo: x"
    assert gateway.state.chat_requests()[-1].headers["authorization"] == f"Bearer {API_KEY}"


def test_the_key_is_not_in_the_logs(ai_server: Server) -> None:
    ai_server.client.post("/chat", json={"prompt": API_KEY})  # echoed into the log line
    ai_server.client.post("/failing", params={"model": "error/401"})
    ai_server.wait_for_log('"status": 502', "failing")
    assert API_KEY not in ai_server.log_text()
