"""worker and serverless modes (SPEC §4)."""

from concurrent.futures import ThreadPoolExecutor


def test_serverless_isolates_nothing_leaks(client):
    bodies = [client.get("/modes/serverless").json() for _ in range(3)]
    assert bodies == [{"hits": 1, "seen": 1}] * 3


def test_worker_shared_state_persists(client):
    first = client.get("/modes/worker").json()["count"]
    assert [client.get("/modes/worker").json()["count"] for _ in range(3)] == [
        first + 1,
        first + 2,
        first + 3,
    ]


def test_worker_module_state_persists(client):
    first = client.get("/modes/worker_module").json()["hits"]
    assert client.post("/modes/worker_module").json() == {"hits": first + 1, "method": "POST"}


def test_worker_requests_interleave(client):
    client.get("/modes/worker_sleep")  # warm
    with ThreadPoolExecutor(4) as pool:
        bodies = [r.json() for r in pool.map(lambda _: client.get("/modes/worker_sleep"), range(4))]
    # Four 300 ms sleeps on one isolate overlap instead of queueing (≈300 ms, not 1200).
    span = max(b["ended"] for b in bodies) - min(b["started"] for b in bodies)
    assert span < 900, bodies


def test_cold_and_warm_isolates_are_logged(server, client):
    rid = client.get("/modes/worker").headers["x-request-id"]
    log = server.wait_for_log(rid, "isolate")
    assert "isolate" in log and "warm" in log
