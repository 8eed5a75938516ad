"""@timeout: 504 JSON, JavaScript terminated, worker isolates rebuilt (SPEC §3, §4)."""

import time
from concurrent.futures import ThreadPoolExecutor


def check_timeout(response, configured=300):
    assert response.status_code == 504, response.text
    body = response.json()
    assert body["error"] == "timeout_exceeded"
    assert body["limit"] == "timeout"
    assert body["configured"] == configured
    assert body["measured"] >= configured
    assert "@timeout" in body["setting"]
    return body


def test_busy_loop_is_terminated(client):
    started = time.monotonic()
    check_timeout(client.get("/timeouts/busy"))
    assert time.monotonic() - started < 5
    # The server (and other scripts) live on.
    assert client.get("/responses/number").text == "42"


def test_awaiting_script_times_out(client):
    check_timeout(client.get("/timeouts/await"))


def test_zero_and_unlimited_mean_no_limit(client):
    assert client.get("/timeouts/unlimited").text == "done"
    assert client.get("/timeouts/zero").text == "no limit"


def test_queue_time_counts_toward_the_timeout(server, client):
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(client.get, "/timeouts/queued")
        time.sleep(0.05)
        second = pool.submit(client.get, "/timeouts/queued")
        statuses = sorted([first.result().status_code, second.result().status_code])
    assert statuses == [200, 504]
    late = second.result() if second.result().status_code == 504 else first.result()
    assert check_timeout(late, configured=400)["queued_ms"] > 0


def test_worker_isolate_is_rebuilt_after_timeout(server, client):
    client.get("/timeouts/worker_busy")
    assert client.get("/timeouts/worker_busy").json()["n"] >= 2
    check_timeout(client.get("/timeouts/worker_busy?spin=1"))
    # A fresh isolate: shared state is gone, and the loss is logged as a warning.
    assert client.get("/timeouts/worker_busy").json() == {"n": 1}
    assert "worker isolate terminated" in server.wait_for_log("worker isolate terminated")


def test_memory_cap_fails_the_request_not_the_server(client):
    response = client.get("/errors/memory")
    assert response.status_code == 500, response.text
    body = response.json()
    assert body["limit"] == "memory"
    assert body["configured"] == 64 * 1024 * 1024
    assert "--memory-limit" in body["setting"]
    assert client.get("/api/v1/exec/health").status_code == 200


def test_worker_awaiting_past_its_timeout_keeps_its_isolate(server, client):
    first = client.get("/timeouts/worker_await").json()["n"]
    body = check_timeout(client.get("/timeouts/worker_await?wait=1"))
    assert "terminated" not in body["message"]
    # Nothing was running at the deadline: the isolate and its state live on.
    assert client.get("/timeouts/worker_await").json()["n"] == first + 2
