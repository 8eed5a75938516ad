"""Limits one script cannot escape: the isolate memory budget, clients that leave,
and cancelling a request by id (issue 11 §3), over real HTTP to real servers."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from integration.conftest import FIXTURES, Server, run_cli, start_server

TOKEN = "limits-admin-token-0123456789"
API = "/api/v1/exec"


def _serve(tmp: pytest.TempPathFactory, name: str, *args: str) -> Server:
    root = tmp.mktemp(name)
    shutil.copytree(FIXTURES / "limits", root / "limits")
    logs = tmp.mktemp(f"{name}-logs") / "server.log"
    return start_server(root, logs, "--admin-token", TOKEN, *args)


def _admin(server: Server) -> httpx.Client:
    """A new connection each time, so that with two workers either may answer."""
    return httpx.Client(base_url=server.url + API, headers={"x-token": TOKEN}, timeout=30)


def _fresh_get(server: Server, path: str, timeout: float = 30) -> httpx.Response:
    with httpx.Client(base_url=server.url, timeout=timeout) as client:
        return client.get(path)


def _until(check: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.05)


# ---------------------------------------------------------------- memory budget
@pytest.fixture(scope="module")
def budgeted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # 4 caps of 32 MiB: the one pre-created isolate and three requests.
    server = _serve(
        tmp_path_factory,
        "budget",
        "--pool-size",
        "1",
        "--memory-limit",
        "32",
        "--isolate-memory-budget",
        "128",
        "--isolate-memory-wait",
        "2",
    )
    yield server
    server.stop()


def _max_overlap(runs: list[tuple[int, int]]) -> int:
    edges = sorted([(start, 1) for start, _ in runs] + [(end, -1) for _, end in runs])
    current = peak = 0
    for _, step in edges:
        current += step
        peak = max(peak, current)
    return peak


def test_memory_budget_queues_then_refuses_and_all_are_served_once_it_frees(budgeted):
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def one() -> None:
        response = _fresh_get(budgeted, "/limits/slow?ms=1500")
        with lock:
            answers.append(response)

    threads = [threading.Thread(target=one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(answers) == 8
    served = [r for r in answers if r.status_code == 200]
    refused = [r for r in answers if r.status_code != 200]
    # Three run at once; the next three wait for them (1.5 s) and run; the last two
    # would wait 3 s, longer than the 2 s allowed.
    assert len(served) >= 3 and refused, [r.status_code for r in answers]
    runs = [(r.json()["start"], r.json()["end"]) for r in served]
    assert _max_overlap(runs) == 3, runs
    for response in refused:
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "1"
        body = response.json()
        assert body["error"] == "memory_budget_exceeded"
        assert body["limit"] == "memory_budget"
        assert body["limit_mb"] == 128 and body["configured"] == 128
        assert body["in_use_mb"] == 128  # three requests' caps and the pool's one
        assert body["isolate_cap_mb"] == 32 and body["isolates_in_use"] == 3
        assert body["waited_ms"] >= 1900
        assert "--isolate-memory-budget" in body["setting"]
        assert "128 MiB" in body["message"] and "slow.ts" in body["message"]
    # Nothing crashed, and once the budget is free again every refused one is served.
    retried = [_fresh_get(budgeted, "/limits/slow?ms=10") for _ in refused]
    assert [r.status_code for r in retried] == [200] * len(refused)
    assert budgeted.client.get(f"{API}/health").json()["status"] == "ok"
    assert budgeted.process.poll() is None


def test_budget_too_small_for_the_pool_is_refused_at_start(tmp_path: Path):
    result = run_cli(
        "serve",
        str(tmp_path),
        "--memory-limit",
        "32",
        "--pool-size",
        "4",
        "--isolate-memory-budget",
        "100",
    )
    assert result.returncode != 0
    # Typer draws the message in a box, wrapped: compare the words.
    words = " ".join(re.sub("[│╭╮╰╯─]", " ", result.stderr).split())
    assert "Invalid value for --isolate-memory-budget" in words, words
    assert "(5 x --memory-limit 32 MiB): at least 160 MiB" in words, words


# ---------------------------------------------------------------- clients that leave
@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # NOTE: no primed isolates: they stay for scripts in use by design (docs/modes.md),
    # and these tests count what departed clients leave behind.
    server = _serve(
        tmp_path_factory,
        "single",
        "--pool-size",
        "2",
        "--memory-limit",
        "32",
        "--primed-isolates",
        "0",
    )
    yield server
    server.stop()


def _pid(server: Server) -> int:
    return int(server.client.get(f"{API}/health").json()["pid"])


def _threads(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def _cpu_ticks(pid: int) -> int:
    # utime + stime: fields 14 and 15, counted after the parenthesised name.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _isolates(server: Server) -> int:
    with _admin(server) as admin:
        return int(admin.get("/monitor/stats").json()["isolates"]["total"])


def _open_requests(server: Server, path: str, count: int) -> list[socket.socket]:
    """Requests whose clients will simply go away (close the socket)."""
    sockets = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        sockets.append(sock)
    return sockets


def _give_up_on_forever(server: Server, baseline_isolates: int) -> None:
    """100 clients that wait a second for a script that never answers, then leave."""
    sockets = _open_requests(server, "/limits/forever", 100)
    try:
        _until(
            lambda: _isolates(server) >= baseline_isolates + 50, 20, "the forever requests running"
        )
        time.sleep(1)
    finally:
        for sock in sockets:
            sock.close()
    _until(lambda: _isolates(server) <= baseline_isolates, 5, "isolates back to the baseline")


def test_hundred_clients_giving_up_on_a_forever_await_free_everything(single):
    pid = _pid(single)
    # Warm up: the bundle is built, and a burst empties the pool so that isolates
    # are created on the executor's threads (a bounded pool that stays).
    with ThreadPoolExecutor(10) as burst:
        statuses = burst.map(lambda _: _fresh_get(single, "/limits/slow?ms=300"), range(10))
        assert {r.status_code for r in statuses} == {200}
    time.sleep(1.5)
    isolates, threads, rss = _isolates(single), _threads(pid), _rss_mb(pid)
    executor_threads = min(32, (os.cpu_count() or 1) + 4)
    _give_up_on_forever(single, isolates)
    # Each isolate's thread is gone; at most the executor grew to its bound.
    _until(lambda: _threads(pid) <= threads + executor_threads, 5, f"threads back to {threads}")
    first = _rss_mb(pid)
    # NOTE: the allocator keeps some freed memory for reuse (returning it is the
    # engine's malloc_trim): a second round must reuse it, not add to it.
    assert first < rss + 96, (rss, first)
    _give_up_on_forever(single, isolates)
    assert _threads(pid) <= threads + executor_threads
    second = _rss_mb(pid)
    assert second < first + 16, (rss, first, second)
    log = single.wait_for_log("client closed the connection")
    assert log.count("reason='client closed the connection'") >= 200
    assert "status=499" in log
    assert _fresh_get(single, "/limits/slow?ms=1").status_code == 200


def test_busy_loop_of_a_departed_client_stops_burning_cpu(single):
    pid = _pid(single)
    (sock,) = _open_requests(single, "/limits/spin", 1)
    try:
        time.sleep(0.5)
        before = _cpu_ticks(pid)
        time.sleep(1)
        assert _cpu_ticks(pid) - before > 50  # it burns a core (100 ticks/s)
    finally:
        sock.close()
    time.sleep(1)
    before = _cpu_ticks(pid)
    time.sleep(1)
    assert _cpu_ticks(pid) - before < 15
    assert _fresh_get(single, "/limits/slow?ms=1").status_code == 200


def test_worker_isolate_survives_a_client_leaving(single):
    first = _fresh_get(single, "/limits/counter").json()["n"]
    (sock,) = _open_requests(single, "/limits/counter?wait=1", 1)
    time.sleep(0.5)
    sock.close()
    single.wait_for_log("the worker isolate lives on")
    # Same isolate, same `shared`: that request counted too.
    assert _fresh_get(single, "/limits/counter").json()["n"] == first + 2


# ---------------------------------------------------------------- cancel by id
def _start(server: Server, path: str) -> tuple[threading.Thread, list[httpx.Response]]:
    answers: list[httpx.Response] = []
    thread = threading.Thread(target=lambda: answers.append(_fresh_get(server, path)))
    thread.start()
    return thread, answers


def _active(server: Server, script: str) -> list[dict[str, object]]:
    with _admin(server) as admin:
        requests = admin.get("/monitor/active-requests").json()["requests"]
    return [r for r in requests if r["script"] == script]


def _cancel(server: Server, rid: object) -> httpx.Response:
    with _admin(server) as admin:
        return admin.post("/monitor/cancel-request", json={"request_id": rid})


def test_cancel_a_serverless_request_by_id(single):
    thread, answers = _start(single, "/limits/forever")
    (entry,) = _until(lambda: _active(single, "limits/forever.ts"), 10, "listed")  # type: ignore[misc]
    rid = entry["request_id"]
    response = _cancel(single, rid)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "request_id": rid,
        "status": "cancelled",
        "pid": entry["pid"],
        "answered_by": entry["pid"],
    }
    thread.join(timeout=10)
    (answer,) = answers
    assert answer.status_code == 503
    assert answer.headers["x-request-id"] == rid
    body = answer.json()
    assert body["error"] == "cancelled" and body["request_id"] == rid
    assert "monitor/cancel-request" in body["message"]
    assert "isolate freed" in body["message"]
    assert single.wait_for_log(str(rid), "reason=cancelled")
    # Gone now: a second cancel finds nothing.
    again = _cancel(single, rid)
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("rid", ["../../etc", "ABCDEF0123456789", "", 42])
def test_cancel_refuses_what_is_not_a_request_id(single, rid):
    response = _cancel(single, rid)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_cancel_a_busy_worker_request_terminates_its_isolate(single):
    assert _fresh_get(single, "/limits/counter").status_code == 200
    thread, answers = _start(single, "/limits/counter?spin=1")
    (entry,) = _until(lambda: _active(single, "limits/counter.ts"), 10, "listed")  # type: ignore[misc]
    assert _cancel(single, entry["request_id"]).status_code == 200
    thread.join(timeout=10)
    body = answers[0].json()
    assert answers[0].status_code == 503 and body["error"] == "cancelled"
    assert "terminated" in body["message"]
    # The busy loop is gone with its isolate: a fresh one starts counting again.
    assert _fresh_get(single, "/limits/counter").json() == {"n": 1}


def test_cancel_request_is_in_the_openapi_document(single):
    with _admin(single) as admin:
        doc = admin.get("/openapi.json").json()
    operation = doc["paths"][f"{API}/monitor/cancel-request"]["post"]
    assert {"200", "404", "409", "422"} <= set(operation["responses"])
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/CancelResult")


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = _serve(tmp_path_factory, "two", "--workers", "2", "--pool-size", "1")
    yield server
    server.stop()


def test_cancel_reaches_a_request_in_the_other_worker_process(two_workers):
    """Whichever process answers the cancel, the process running the request stops
    it: "cancelled" by that process itself, "requested" by the other one."""
    statuses: set[str] = set()
    cancelled: set[object] = set()
    started: list[tuple[threading.Thread, list[httpx.Response]]] = []
    deadline = time.monotonic() + 40
    while statuses != {"cancelled", "requested"} and time.monotonic() < deadline:
        # NOTE: another process's snapshot may list a cancelled request for up to a
        # second: the ones cancelled already are not new.
        known = cancelled | {r["request_id"] for r in _active(two_workers, "limits/forever.ts")}
        started.append(_start(two_workers, "/limits/forever"))
        (entry,) = _until(
            lambda known=known: [
                r for r in _active(two_workers, "limits/forever.ts") if r["request_id"] not in known
            ],
            10,
            "the new request listed",
        )  # type: ignore[misc]
        response = _cancel(two_workers, entry["request_id"])
        cancelled.add(entry["request_id"])
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["pid"] == entry["pid"]
        assert (answer["answered_by"] == answer["pid"]) == (answer["status"] == "cancelled")
        statuses.add(answer["status"])
        thread, answers = started[-1]
        thread.join(timeout=10)
        assert answers and answers[0].status_code == 503, "the client was not answered"
        assert answers[0].json()["error"] == "cancelled"
    assert statuses == {"cancelled", "requested"}, statuses
