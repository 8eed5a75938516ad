"""Tokens per script and model: in the metrics and in the request's log line."""

from __future__ import annotations

import json

from ai.conftest import ADMIN_TOKEN
from integration.conftest import Server


def _metric(server: Server, script: str, kind: str) -> float:
    text = server.client.get(
        "/api/v1/exec/monitor/metrics", headers={"authorization": f"Bearer {ADMIN_TOKEN}"}
    ).text
    for line in text.splitlines():
        if (
            line.startswith("hoody_exec_ai_tokens_total{")
            and f'script="{script}"' in line
            and 'model="test/echo"' in line
            and f'kind="{kind}"' in line
        ):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def _request_line(server: Server, rid: str) -> dict[str, object]:
    server.wait_for_log(rid, '"ai_usage"')
    for line in server.log_text().splitlines():
        if rid in line and '"ai_usage"' in line:
            return json.loads(line)
    raise AssertionError(f"no request line with ai_usage for {rid}")


def test_usage_of_an_answer(ai_server: Server) -> None:
    before = _metric(ai_server, "chat.ts", "prompt")
    response = ai_server.client.post("/chat", json={"prompt": "count me"})
    assert response.status_code == 200
    line = _request_line(ai_server, response.headers["x-request-id"])
    assert line["ai_usage"] == {"test/echo": {"prompt": 11, "completion": 7}}
    assert _metric(ai_server, "chat.ts", "prompt") == before + 11
    assert _metric(ai_server, "chat.ts", "completion") >= 7


def test_usage_of_a_stream(ai_server: Server) -> None:
    before = _metric(ai_server, "stream.ts", "completion")
    with ai_server.client.stream("POST", "/stream", json={"prompt": "count"}) as response:
        assert response.status_code == 200
        rid = response.headers["x-request-id"]
        response.read()
    line = _request_line(ai_server, rid)
    assert line["ai_usage"] == {"test/echo": {"prompt": 11, "completion": 7}}
    assert _metric(ai_server, "stream.ts", "completion") == before + 7
