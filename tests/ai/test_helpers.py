"""Every injected helper against the fake gateway, through a real server."""

from __future__ import annotations

from ai.fake_gateway import FakeGateway
from integration.conftest import Server


def test_generate_text_with_the_script_model(ai_server: Server, gateway: FakeGateway) -> None:
    response = ai_server.client.post("/chat", json={"prompt": "hello"})
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["text"] == "echo: hello"
    assert data["usage"]["inputTokens"] == 11
    assert data["usage"]["outputTokens"] == 7
    sent = gateway.state.chat_requests()[-1]
    assert sent.path == "/v1/chat/completions"
    assert sent.body["model"] == "test/echo"
    assert sent.body["messages"][-1]["content"] == "hello"


def test_model_routing(ai_server: Server) -> None:
    routed = ai_server.client.post("/routed", json={})
    assert routed.status_code == 200, routed.text
    assert routed.json() == {"model": '{"name":"Ada","age":36}', "other": "echo: other"}
    default = ai_server.client.post("/default-model", json={})
    assert default.status_code == 200, default.text
    # No @ai-model: the server's --ai-model.
    assert default.json() == {"text": "echo: default", "model": "test/echo"}


def test_tool_calls_over_several_steps(ai_server: Server, gateway: FakeGateway) -> None:
    response = ai_server.client.post("/tools", json={})
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["text"] == "The weather: sunny in Paris"
    assert data["steps"] == 2
    assert data["calls"] == [{"name": "weather", "input": {"city": "Paris"}}]
    first, second = gateway.state.chat_requests()[-2:]
    assert first.body["tools"][0]["function"]["name"] == "weather"
    assert second.body["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "call_1",
        "content": "sunny in Paris",
    }


def test_tool_calls_while_streaming(ai_server: Server) -> None:
    response = ai_server.client.post("/tools?stream=1", json={})
    assert response.status_code == 200, response.text
    assert response.json() == {"text": "The weather: sunny in Paris", "steps": 2}


def test_generate_object(ai_server: Server, gateway: FakeGateway) -> None:
    response = ai_server.client.post("/object", json={})
    assert response.status_code == 200, response.text
    assert response.json() == {"object": {"name": "Ada", "age": 36}}
    sent = gateway.state.chat_requests()[-1].body
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["response_format"]["json_schema"]["schema"]["required"] == ["name", "age"]


def test_stream_object(ai_server: Server) -> None:
    response = ai_server.client.post("/object?stream=1", json={})
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["object"] == {"name": "Ada", "age": 36}
    assert data["partials"] >= 2  # the object grew chunk by chunk


def test_embed(ai_server: Server, gateway: FakeGateway) -> None:
    response = ai_server.client.post("/embed", json={})
    assert response.status_code == 200, response.text
    assert response.json() == {"embedding": [0.1, 0.2, 0.3], "tokens": 3}
    embeddings = [r for r in gateway.state.requests if r.path == "/v1/embeddings"]
    assert embeddings[-1].body["model"] == "test/embedding"
    assert embeddings[-1].body["input"] == ["hello"]


def test_worker_mode(ai_server: Server) -> None:
    first = ai_server.client.post("/worker-chat", params={"q": "one"})
    second = ai_server.client.post("/worker-chat", params={"q": "two"})
    assert first.status_code == 200, first.text
    assert first.json()["text"] == "echo: one"
    assert second.json() == {"text": "echo: two", "calls": first.json()["calls"] + 1}


def test_a_script_importing_ai_gets_the_same_copy(ai_server: Server) -> None:
    response = ai_server.client.post("/imports-ai", json={})
    assert response.status_code == 200, response.text
    assert response.json() == {"same": True, "text": "echo: imported", "provider": "function"}
    # Nothing was installed into the scripts folder for it.
    assert not (ai_server.root / "node_modules" / "ai").exists()
