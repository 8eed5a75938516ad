"""The server-wide CPU-time limit (`--cpu-limit`), separate from `@timeout`, and
work a worker script leaves running after its answer."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.integration.conftest import Server, start_server

SCRIPTS = {
    # No @timeout: without a CPU limit this would burn a core for an hour.
    "spin.ts": "while (true) {}\n",
    "spin-worker.ts": "// @mode worker\nshared.n = (shared.n ?? 0) + 1;\n"
    "if (query.spin) { while (true) {} }\nreturn { n: shared.n };\n",
    "sleepy.ts": "await new Promise((r) => setTimeout(r, 800));\nreturn 'rested';\n",
    # Answers, then leaves a promise chain running that never yields.
    "runaway.ts": "// @mode worker\nshared.n = (shared.n ?? 0) + 1;\n"
    "if (query.runaway) { const spin = () => Promise.resolve().then(spin); spin(); }\n"
    "return { n: shared.n };\n",
}


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root: Path = tmp_path_factory.mktemp("cpu")
    for name, text in SCRIPTS.items():
        (root / name).write_text(text)
    logs = tmp_path_factory.mktemp("cpu-logs") / "server.log"
    server = start_server(root, logs, "--cpu-limit", "300", "--no-reload")
    yield server
    server.stop()


def test_a_busy_serverless_request_is_stopped_at_the_cpu_limit(limited: Server) -> None:
    started = time.monotonic()
    response = limited.client.get("/spin")
    assert time.monotonic() - started < 10
    assert response.status_code == 503
    body = response.json()
    assert body["error"] == "cpu_time_exceeded"
    assert body["configured"] == 300 and body["measured"] >= 300
    assert "--cpu-limit" in body["setting"]
    assert limited.client.get("/api/v1/exec/health").status_code == 200


def test_a_busy_worker_request_costs_the_isolate_and_the_next_one_is_served(
    limited: Server,
) -> None:
    assert limited.client.get("/spin-worker").json() == {"n": 1}
    response = limited.client.get("/spin-worker", params={"spin": "1"})
    assert response.status_code == 503
    assert response.json()["error"] == "cpu_time_exceeded"
    assert limited.client.get("/spin-worker").json() == {"n": 1}  # a new isolate


def test_waiting_uses_no_cpu_time(limited: Server) -> None:
    # 800 ms awaiting a timer is far past the 300 ms CPU limit, but costs no CPU.
    response = limited.client.get("/sleepy")
    assert response.status_code == 200, response.text
    assert response.text == "rested"


def test_work_left_after_the_answer_is_ended_and_blamed_on_its_request(
    limited: Server,
) -> None:
    assert limited.client.get("/runaway").json() == {"n": 1}
    culprit = limited.client.get("/runaway", params={"runaway": "1"})
    assert culprit.status_code == 200
    assert culprit.json() == {"n": 2}
    rid = culprit.headers["x-request-id"]
    text = limited.wait_for_log("work left running after a response", rid, timeout=20)
    assert any("work left running" in line and rid in line for line in text.splitlines()), text
    # The next caller is not blamed: it gets a fresh isolate (fresh `shared`).
    following = limited.client.get("/runaway")
    assert following.status_code == 200, following.text
    assert following.json() == {"n": 1}
