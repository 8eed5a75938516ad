"""Every built-in template, generated through the API into a real server's folder
and requested over HTTP.

The WebSocket chat is used over real sockets. The scheduled job is checked as far
as the server goes today: it must be a valid script (syntax and magic comments),
and its plain-HTTP parts answer; its timed runs are tested once that feature
exists. The AI templates run against a gateway in tests/ai.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from hoody_exec.templates import builtins, render, resolve_values
from hoody_exec.typecheck import ensure_typescript
from integration.conftest import Server, start_server

ADMIN = "templates-admin-token-0123456789"
SECRET = "webhook-test-secret"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("templates-run")
    log = tmp_path_factory.mktemp("templates-run-log") / "server.log"
    running = start_server(
        root,
        log,
        "--admin-token",
        ADMIN,
        "--env",
        "WEBHOOK_SECRET",
        env={"WEBHOOK_SECRET": SECRET},
    )
    yield running
    running.stop()


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=server.url + "/api/v1/exec", headers={"x-token": ADMIN}, timeout=30
    ) as client:
        yield client


def generate(api: httpx.Client, name: str, **variables: str) -> dict[str, Any]:
    response = api.post("/templates/generate", json={"name": name, "variables": variables})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["valid"], result["problems"]
    assert result["route"] is not None
    return result


def test_hello(server: Server, api: httpx.Client) -> None:
    result = generate(api, "hello", route="greet", greeting="Howdy")
    assert result["path"] == "greet.ts" and result["route"] == "/greet"
    answer = server.get_when_routable("/greet", params={"name": "Ann"})
    assert answer.status_code == 200
    assert answer.json()["message"] == "Howdy, Ann!"
    assert server.client.get("/greet").json()["message"] == "Howdy, world!"


def test_crud_keeps_items_in_shared_state(server: Server, api: httpx.Client) -> None:
    generate(api, "crud", resource="books", max_items="2")
    assert server.get_when_routable("/books").json() == {"items": [], "count": 0}
    c = server.client
    created = c.post("/books", json={"title": "Dune"})
    assert created.status_code == 201, created.text
    book = created.json()
    assert book == {"title": "Dune", "id": "1"}
    assert created.headers["location"] == "/books?id=1"
    assert c.get("/books", params={"id": "1"}).json() == book
    assert c.patch("/books", params={"id": "1"}, json={"year": 1965}).json() == {
        "title": "Dune",
        "year": 1965,
        "id": "1",
    }
    assert c.put("/books", params={"id": "1"}, json={"title": "Emma"}).json() == {
        "title": "Emma",
        "id": "1",
    }
    assert c.post("/books", json={"title": "Ulysses"}).status_code == 201
    assert c.post("/books", json={"title": "one too many"}).status_code == 507
    assert c.get("/books").json()["count"] == 2
    assert c.post("/books", json=[1, 2]).status_code == 400
    assert c.delete("/books", params={"id": "1"}).status_code == 204
    assert c.get("/books", params={"id": "1"}).status_code == 404
    assert c.put("/books", json={"title": "x"}).status_code == 400  # no ?id=


def _signed(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_webhook_checks_the_hmac_signature(server: Server, api: httpx.Client) -> None:
    result = generate(api, "webhook", route="hooks/github")
    assert result["route"] == "/hooks/github"
    source = (server.root / "hooks/github.ts").read_text()
    assert source.startswith("// @concurrent false\n")
    assert server.get_when_routable("/hooks/github").status_code == 405
    body = json.dumps({"action": "opened", "number": 7}).encode()
    c = server.client
    good = c.post(
        "/hooks/github",
        content=body,
        headers={"content-type": "application/json", "x-hub-signature-256": _signed(body)},
    )
    assert good.status_code == 200, good.text
    assert good.json() == {
        "received": True,
        "bytes": len(body),
        "event": {"action": "opened", "number": 7},
    }
    wrong_secret = c.post(
        "/hooks/github",
        content=body,
        headers={"x-hub-signature-256": _signed(body, "another-secret")},
    )
    assert wrong_secret.status_code == 401
    assert wrong_secret.json() == {"error": "invalid signature"}
    tampered = c.post(
        "/hooks/github", content=body + b" ", headers={"x-hub-signature-256": _signed(body)}
    )
    assert tampered.status_code == 401
    missing = c.post("/hooks/github", content=body)
    assert missing.status_code == 401
    assert "malformed" in missing.json()["error"]


def test_rate_limiter_answers_429_after_the_limit(server: Server, api: httpx.Client) -> None:
    generate(api, "rate-limiter", route="limited", limit="3", window_seconds="60")
    first = server.get_when_routable("/limited")
    assert first.status_code == 200, first.text
    assert first.json() == {"ok": True, "remaining": 2}
    assert first.headers["x-ratelimit-limit"] == "3"
    statuses = [server.client.get("/limited").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = server.client.get("/limited")
    assert limited.status_code == 429
    assert limited.json()["error"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.headers["x-ratelimit-remaining"] == "0"


def test_sse_streams_events(server: Server, api: httpx.Client) -> None:
    generate(api, "sse", route="ticks", count="3", interval_ms="20")
    assert server.get_when_routable("/ticks", params={"count": "1"}).status_code == 200
    with server.client.stream("GET", "/ticks") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        text = response.read().decode()
    data = [line[len("data: ") :] for line in text.splitlines() if line.startswith("data: ")]
    assert data[-1] == "done"
    ticks = [json.loads(d) for d in data[:-1]]
    assert [(t["event"], t["n"], t["of"]) for t in ticks] == [
        ("tick", 1, 3),
        ("tick", 2, 3),
        ("tick", 3, 3),
    ]
    with server.client.stream("GET", "/ticks", params={"count": "2"}) as response:
        assert response.read().decode().count('"event":"tick"') == 2


def _valid_script(api: httpx.Client, path: str) -> dict[str, Any]:
    syntax = api.post("/validate/syntax", json={"path": path}).json()
    assert syntax["ok"], syntax
    magic = api.post("/validate/magic-comments", json={"path": path}).json()
    assert magic["ok"], magic
    return magic["effective"]


async def test_websocket_chat_end_to_end(server: Server, api: httpx.Client) -> None:
    result = generate(api, "websocket-chat", route="chat")
    effective = _valid_script(api, result["path"])
    assert effective["mode"] == "worker" and effective["websocket"] is True
    answer = server.get_when_routable("/chat", params={"room": "lobby"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"room": "lobby", "messages": []}
    base = f"ws://127.0.0.1:{server.port}/chat"
    async with (
        connect(f"{base}?room=lobby&name=ann") as ann,
        connect(f"{base}?room=elsewhere&name=eve") as eve,
    ):
        assert json.loads(await ann.recv()) == {"type": "history", "messages": []}
        assert json.loads(await ann.recv())["type"] == "joined"
        await eve.recv()
        await eve.recv()
        async with connect(f"{base}?room=lobby&name=bob") as bob:
            assert json.loads(await bob.recv())["type"] == "history"
            joined = {"type": "joined", "room": "lobby", "name": "bob"}
            assert json.loads(await ann.recv()) == joined
            assert json.loads(await bob.recv()) == joined
            await bob.send("hello ann")
            for conn in (ann, bob):
                said = json.loads(await conn.recv())
                assert (said["type"], said["from"], said["text"]) == ("message", "bob", "hello ann")
        assert json.loads(await ann.recv()) == {"type": "left", "room": "lobby", "name": "bob"}
        with pytest.raises(TimeoutError):  # another room hears none of it
            async with asyncio.timeout(0.3):
                await eve.recv()
    history = server.client.get("/chat", params={"room": "lobby"}).json()["messages"]
    assert [(m["from"], m["text"]) for m in history] == [("bob", "hello ann")]


def test_ai_chat_is_a_valid_script(server: Server, api: httpx.Client) -> None:
    # This server has no AI gateway: the script is valid and says which setting is
    # missing. Its answers against a gateway: tests/ai/test_templates.py.
    result = generate(api, "ai-chat", model="anthropic/claude-sonnet-4.5")
    effective = _valid_script(api, result["path"])
    assert effective["ai"] is True and effective["ai_model"] == "anthropic/claude-sonnet-4.5"
    answer = server.get_when_routable("/chat-ai")
    assert answer.status_code == 503
    assert answer.json()["error"] == "ai_not_configured"


def test_scheduled_job_is_valid_and_runs_by_hand(server: Server, api: httpx.Client) -> None:
    result = generate(api, "scheduled-job", schedule="0 */2 * * * Europe/Berlin")
    effective = _valid_script(api, result["path"])
    assert effective["mode"] == "worker" and effective["schedule"] is not None
    assert server.get_when_routable("/jobs/heartbeat").json()["runs"] == []
    run = server.client.post("/jobs/heartbeat")
    assert run.status_code == 200, run.text
    assert run.json()["trigger"] == "manual" and run.json()["ok"] is True
    history = server.client.get("/jobs/heartbeat").json()
    assert history["schedule"] == "0 */2 * * * Europe/Berlin"
    assert len(history["runs"]) == 1
    # A run the scheduler makes (a synthetic SCHEDULE request), asked for now.
    triggered = api.post("/schedules/trigger", json={"script": result["path"]})
    assert triggered.status_code == 200, triggered.text
    assert triggered.json()["run"]["outcome"] == "ok"
    runs = server.client.get("/jobs/heartbeat").json()["runs"]
    assert [r["trigger"] for r in runs] == ["manual", "schedule"]


@pytest.mark.network  # the pinned TypeScript compiler comes from the npm registry
def test_every_builtin_type_checks(api: httpx.Client) -> None:
    # Against hoody.d.ts, which declares `ws`, the AI helpers and `shared` ahead of
    # those features: the pending templates are checked against the promised shapes.
    asyncio.run(ensure_typescript())  # once per machine, into the tools folder
    for name, template in builtins().items():
        values, problems = resolve_values(template.specs(), {})
        assert problems == []
        response = api.post(
            "/validate/typescript",
            json={"content": render(template.content, values), "filename": f"{name}.ts"},
        )
        assert response.status_code == 200, response.text
        assert response.json()["ok"], (name, response.json()["diagnostics"])
