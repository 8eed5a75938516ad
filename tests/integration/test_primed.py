"""Primed serverless isolates over real HTTP: requests are served by isolates that
evaluated the script's module code before they arrived, and each still sees a
fresh module (runtime/primed.py, docs/modes.md)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from tests.integration.conftest import Server, start_server

TOKEN = "primed-test-token"
COUNTER = """// @mode serverless
let calls = 0;
const version = "%s";
console.log("module code ran");
export default function () {
  calls += 1;
  return { calls, version };
}
"""


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("primed")
    (root / "counter.ts").write_text(COUNTER % "one")
    (root / "fetches.ts").write_text(
        "// @mode serverless\n"
        "const early = fetch('http://127.0.0.1:9/').catch(() => 'no');\n"
        "export default async () => ({ ok: true });\n"
    )
    (root / "throws.ts").write_text(
        "// @mode serverless\nthrow new Error('broken at module level');\nexport default () => 1;\n"
    )
    logs = tmp_path_factory.mktemp("logs") / "server.log"
    server = start_server(root, logs, "--log-format", "json", "--admin-token", TOKEN)
    yield server
    server.stop()


def _request_lines(server: Server, script: str) -> list[dict[str, object]]:
    lines = []
    for line in server.log_text().splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if entry.get("event") == "request" and script in str(entry.get("script")):
            lines.append(entry)
    return lines


def _primed_ready(server: Server) -> int:
    response = server.client.get("/api/v1/exec/monitor/stats", headers={"x-token": TOKEN})
    assert response.status_code == 200, response.text
    stats = response.json()
    return int(stats["isolates"]["pool_ready"])


def test_every_request_sees_a_fresh_module_and_later_ones_are_primed(srv: Server) -> None:
    seen = []
    for _ in range(30):
        response = srv.get_when_routable("/counter")
        assert response.status_code == 200, response.text
        seen.append(response.json())
        time.sleep(0.02)
    assert all(body == {"calls": 1, "version": "one"} for body in seen)
    srv.wait_for_log('"primed"', "counter.ts", timeout=10)
    kinds = [line.get("isolate") for line in _request_lines(srv, "counter.ts")]
    assert "primed" in kinds, kinds
    # The module's log line reaches the request that took the primed isolate.
    text = srv.log_text()
    assert text.count("module code ran") >= 30


def test_a_file_change_discards_the_primed_isolates(srv: Server) -> None:
    for _ in range(5):
        assert srv.get_when_routable("/counter").status_code == 200
    srv.write("counter.ts", COUNTER % "two")
    deadline = time.monotonic() + 15
    while True:
        body = srv.client.get("/counter").json()
        if body["version"] == "two" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert body == {"calls": 1, "version": "two"}
    # Never the old program again.
    for _ in range(10):
        assert srv.client.get("/counter").json() == {"calls": 1, "version": "two"}


def test_module_code_asking_the_host_is_not_primed(srv: Server) -> None:
    for _ in range(6):
        response = srv.get_when_routable("/fetches")
        assert response.status_code == 200, response.text
        assert response.json() == {"ok": True}
        time.sleep(0.05)
    kinds = [line.get("isolate") for line in _request_lines(srv, "fetches.ts")]
    assert "primed" not in kinds, kinds
    srv.wait_for_log("script not primed", "fetches.ts", timeout=5)


def test_monitor_counts_primed_isolates_as_ready(srv: Server) -> None:
    for _ in range(5):
        assert srv.get_when_routable("/counter").status_code == 200
    deadline = time.monotonic() + 10
    while _primed_ready(srv) < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _primed_ready(srv) >= 1


def test_module_code_that_throws_is_reported_per_request_and_not_primed(srv: Server) -> None:
    for _ in range(3):
        response = srv.get_when_routable("/throws")
        assert response.status_code == 500, response.text
        assert "broken at module level" in response.text
    srv.wait_for_log("script not primed", "throws.ts", timeout=10)
    assert "broken at module level" in srv.client.get("/throws").text
