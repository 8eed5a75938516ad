"""monitor/* over real HTTP: counters move with real script requests, errors and
timeouts are counted, in-flight requests show up, the Prometheus export parses,
and a server with two worker processes answers for both from either of them."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.conftest import ADMIN_TOKEN, PREFIX, error, ok
from hoody_exec.api.monitor import ActiveRequests, MonitoredScripts, PerformanceResult, StatsResult
from hoody_exec.observability.metrics import BOUNDS, Histogram
from hoody_exec.runtime.limits import ScriptThrew, failure_reason, timeout_exceeded
from integration.conftest import FIXTURES, Server, start_server

OK_SCRIPT = "// @mode worker\nshared.n = (shared.n ?? 0) + 1;\nreturn { n: shared.n };\n"
THROWS = "throw new RangeError('monitored failure');\n"
TIMES_OUT = "// @timeout 150\nawait new Promise((r) => setTimeout(r, 5000));\nreturn 'late';\n"
SLOW = "await new Promise((r) => setTimeout(r, 1500));\nreturn 'slow done';\n"
SERVERLESS = "return { ok: true };\n"


@pytest.fixture(scope="module")
def scripts(api_server: Server) -> Server:
    api_server.write("monitor/ok.ts", OK_SCRIPT)
    api_server.write("monitor/throws.ts", THROWS)
    api_server.write("monitor/times_out.ts", TIMES_OUT)
    api_server.write("monitor/slow.ts", SLOW)
    api_server.write("monitor/never.ts", SERVERLESS)
    api_server.write("monitor/plain.ts", SERVERLESS)
    api_server.write("monitor/broken.ts", "return {{{;\n")
    assert api_server.get_when_routable("/monitor/ok").status_code == 200
    return api_server


def _stats(api: httpx.Client) -> StatsResult:
    return ok(api.get("/monitor/stats"), StatsResult)


def _performance(api: httpx.Client, path: str) -> dict:
    result = ok(api.post("/monitor/script-performance", json={"path": path}), PerformanceResult)
    assert len(result.scripts) == 1 and result.scripts[0].path == path
    return result.scripts[0].model_dump()


def test_counters_move_with_requests_errors_and_timeouts(api, scripts):
    before = _stats(api)
    first = _performance(api, "monitor/ok.ts")
    for _ in range(4):
        assert scripts.client.get("/monitor/ok").status_code == 200
    assert scripts.client.get("/monitor/throws").status_code == 500
    assert scripts.client.get("/monitor/times_out").status_code == 504

    perf = _performance(api, "monitor/ok.ts")
    assert perf["requests"] == first["requests"] + 4
    assert perf["errors"] == 0 and perf["modes"] == ["worker"]
    # One isolate for the worker script: later requests are warm.
    assert perf["warm"]["count"] >= first["warm"]["count"] + 4
    latency = perf["latency"]
    assert latency["count"] == perf["requests"]
    assert 0 < latency["p50_ms"] <= latency["p95_ms"] <= latency["p99_ms"]

    thrown = _performance(api, "monitor/throws.ts")
    assert thrown["errors"] >= 1 and thrown["error_reasons"]["script_error"] >= 1
    late = _performance(api, "monitor/times_out.ts")
    assert late["timeouts"] >= 1 and late["error_reasons"]["timeout_exceeded"] >= 1
    # The timeout fired after 150 ms: the measured duration says so.
    assert late["latency"]["mean_ms"] >= 150

    assert scripts.client.get("/monitor/broken").status_code == 500
    broken = _performance(api, "monitor/broken.ts")
    assert broken["error_reasons"] == {"load_error": broken["errors"]}
    assert broken["modes"] == ["unknown"] and broken["without_result"]["count"] >= 1

    after = _stats(api)
    assert after.requests >= before.requests + 7
    assert after.errors >= before.errors + 3
    assert after.timeouts >= before.timeouts + 1
    assert after.status.get("5xx", 0) >= before.status.get("5xx", 0) + 3
    assert after.error_reasons["timeout_exceeded"] >= 1
    assert after.latency.count == after.requests


def test_stats_reports_isolates_memory_uptime_and_processes(api, scripts):
    assert scripts.client.get("/monitor/ok").status_code == 200
    stats = _stats(api)
    assert stats.uptime_s > 0
    assert len(stats.processes) == 1 and stats.processes[0].pid == stats.pid
    process = stats.processes[0]
    assert process.rss_bytes is not None and process.rss_bytes > 10 * 1024 * 1024
    assert stats.memory.rss_bytes == process.rss_bytes
    # monitor/ok.ts is a worker script with a live isolate in this process.
    assert stats.isolates.worker >= 1
    assert stats.isolates.total == (
        stats.isolates.worker + stats.isolates.serverless + stats.isolates.pool_ready
    )
    # The V8 heap of idle worker isolates is sampled every second.
    deadline = time.monotonic() + 5
    while not _stats(api).memory.v8_heap_used_bytes and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _stats(api).memory.v8_heap_used_bytes > 0


def test_scripts_lists_per_script_counters(api, scripts):
    assert scripts.client.get("/monitor/plain").status_code == 200
    listed = ok(api.get("/monitor/scripts"), MonitoredScripts)
    assert listed.count == len(listed.scripts)
    by_path = {item.path: item for item in listed.scripts}
    plain = by_path["monitor/plain.ts"]
    assert plain.requests >= 1 and plain.status["2xx"] == plain.requests
    assert plain.modes == ["serverless"] and plain.exists
    assert plain.cold + plain.warm == plain.requests
    assert "monitor/never.ts" not in by_path  # never requested
    requests = [item.requests for item in listed.scripts]
    assert requests == sorted(requests, reverse=True)


def test_script_performance_of_a_script_never_requested_is_zero(api, scripts):
    perf = _performance(api, "monitor/never.ts")
    assert perf["requests"] == 0 and perf["errors"] == 0
    assert perf["latency"] == {
        "count": 0,
        "mean_ms": None,
        "p50_ms": None,
        "p95_ms": None,
        "p99_ms": None,
    }


def test_script_performance_without_path_lists_every_script(api, scripts):
    assert scripts.client.get("/monitor/plain").status_code == 200
    result = ok(api.post("/monitor/script-performance", json={}), PerformanceResult)
    paths = [item.path for item in result.scripts]
    assert "monitor/plain.ts" in paths and len(paths) == len(set(paths))


def test_active_requests_shows_a_request_in_flight(api, scripts):
    done: list[httpx.Response] = []
    thread = threading.Thread(target=lambda: done.append(scripts.client.get("/monitor/slow")))
    thread.start()
    try:
        entry = None
        deadline = time.monotonic() + 5
        while entry is None and time.monotonic() < deadline:
            active = ok(api.get("/monitor/active-requests"), ActiveRequests)
            entry = next((r for r in active.requests if r.script == "monitor/slow.ts"), None)
            if entry is None:
                time.sleep(0.05)
        assert entry is not None, "the slow request never showed up"
        assert active.count == len(active.requests)
        assert entry.method == "GET" and entry.path == "/monitor/slow"
        assert entry.pid == active.pid and entry.as_of is None  # live: this process
        assert entry.elapsed_ms >= 0 and len(entry.request_id) == 16
        # Its elapsed time grows while it runs.
        time.sleep(0.3)
        again = ok(api.get("/monitor/active-requests"), ActiveRequests)
        later = next(r for r in again.requests if r.request_id == entry.request_id)
        assert later.elapsed_ms >= entry.elapsed_ms + 250
        assert later.mode == "serverless"
        stats = _stats(api)
        assert stats.active_requests >= 1
    finally:
        thread.join(timeout=10)
    assert done and done[0].status_code == 200 and done[0].text == "slow done"
    rid = done[0].headers["x-request-id"]
    assert rid == entry.request_id
    active = ok(api.get("/monitor/active-requests"), ActiveRequests)
    assert all(r.request_id != rid for r in active.requests)


def test_metrics_are_prometheus_text_that_parses(api, scripts):
    for _ in range(2):
        assert scripts.client.get("/monitor/plain").status_code == 200
    response = api.get("/monitor/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    requests = families["hoody_exec_requests"]
    assert requests.type == "counter"
    plain = [
        s
        for s in requests.samples
        if s.labels.get("script") == "monitor/plain.ts" and s.name.endswith("_total")
    ]
    assert plain and plain[0].labels["mode"] == "serverless"
    assert plain[0].labels["status"] == "2xx" and plain[0].value >= 2
    duration = families["hoody_exec_request_duration_seconds"]
    assert duration.type == "histogram"
    counts = [
        s.value
        for s in duration.samples
        if s.name.endswith("_count") and s.labels.get("script") == "monitor/plain.ts"
    ]
    assert sum(counts) == sum(s.value for s in plain)
    buckets = [
        s
        for s in duration.samples
        if s.name.endswith("_bucket") and s.labels.get("script") == "monitor/plain.ts"
    ]
    assert any(s.labels["le"] == "+Inf" for s in buckets)
    rss = families["hoody_exec_worker_resident_memory_bytes"]
    assert rss.type == "gauge" and rss.samples[0].value > 0 and "pid" in rss.samples[0].labels
    errors = families["hoody_exec_request_errors"]
    reasons = {s.labels["reason"] for s in errors.samples}
    assert "timeout_exceeded" in reasons or "script_error" in reasons


def test_operations_need_the_admin_token(anon):
    for method, path in (
        ("GET", "/monitor/stats"),
        ("GET", "/monitor/active-requests"),
        ("GET", "/monitor/scripts"),
        ("POST", "/monitor/script-performance"),
        ("GET", "/monitor/metrics"),
    ):
        error(anon.request(method, path, json={} if method == "POST" else None), 401)


def test_script_performance_errors(api, scripts):
    error(api.post("/monitor/script-performance", json={"path": "monitor/nope.ts"}), 404)
    error(api.post("/monitor/script-performance", json={"path": "../etc/x.ts"}), 400)
    error(api.post("/monitor/script-performance", json={"path": ".hoody/x.ts"}), 403)
    error(api.post("/monitor/script-performance", json={"path": "a.ts", "extra": 1}), 422)
    error(api.post("/monitor/script-performance", json={"path": ""}), 422)


# ---------------------------------------------------------------- two workers
COUNTER = "// @mode worker\nshared.n = (shared.n ?? 0) + 1;\nreturn shared.n;\n"


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("monitor-workers")
    shutil.copytree(FIXTURES / "modes", root / "modes")
    (root / "count.ts").write_text(COUNTER)
    logs = tmp_path_factory.mktemp("monitor-workers-logs") / "server.log"
    server = start_server(
        root, logs, "--admin-token", ADMIN_TOKEN, "--workers", "2", "--pool-size", "1"
    )
    yield server
    server.stop()


def _fresh_get(server: Server, path: str, **kwargs: object) -> httpx.Response:
    """A new connection each time, so that both worker processes get some."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        return client.get(path, **kwargs)  # type: ignore[arg-type]


def _counts_until_both(server: Server, path: str, at_least: int) -> list[int]:
    """Request until two isolates (two processes) answered: each counts from 1."""
    counts: list[int] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        counts.append(_fresh_get(server, path).json())
        if counts.count(1) >= 2 and len(counts) >= at_least:
            return counts
    raise AssertionError(f"one worker process served every request: {counts}")


def _admin(server: Server) -> httpx.Client:
    return httpx.Client(base_url=server.url + PREFIX, headers={"x-token": ADMIN_TOKEN}, timeout=30)


def test_two_worker_processes_are_aggregated(two_workers):
    counts = _counts_until_both(two_workers, "/count", at_least=6)
    pids: set[int] = set()
    deadline = time.monotonic() + 20
    while len(pids) < 2 and time.monotonic() < deadline:
        with _admin(two_workers) as admin:
            stats = ok(admin.get("/monitor/stats"), StatsResult)
            perf = ok(
                admin.post("/monitor/script-performance", json={"path": "count.ts"}),
                PerformanceResult,
            ).scripts[0]
        pids.add(stats.pid)
        # Whichever process answers, it counts the requests of both.
        assert perf.requests == len(counts)
        assert perf.cold.count == 2 and perf.warm.count == len(counts) - 2
        assert len(stats.processes) == 2
        assert {p.pid for p in stats.processes} >= {stats.pid}
        assert all(p.rss_bytes for p in stats.processes)
        assert stats.memory.rss_bytes == sum(p.rss_bytes or 0 for p in stats.processes)
    assert len(pids) == 2, "one process answered every management call"
    with _admin(two_workers) as admin:
        text = admin.get("/monitor/metrics").text
    families = {f.name: f for f in text_string_to_metric_families(text)}
    started = families["hoody_exec_worker_start_time_seconds"].samples
    assert len({s.labels["pid"] for s in started}) == 2


def test_two_worker_processes_active_requests_from_either(two_workers):
    slow = "await new Promise((r) => setTimeout(r, 4000));\nreturn 'slow';\n"
    (two_workers.root / "slow.ts").write_text(slow)
    assert two_workers.get_when_routable("/modes/serverless").status_code == 200
    threads: list[threading.Thread] = []
    seen: dict[int, set[int]] = {}  # answering pid → pids of the slow requests it listed
    running: set[int] = set()  # pids seen running one
    try:
        deadline = time.monotonic() + 3.5
        while time.monotonic() < deadline:
            # More slow requests (new connections) until both processes run one.
            if len(running) < 2 and len(threads) < 12:
                thread = threading.Thread(target=lambda: _fresh_get(two_workers, "/slow"))
                thread.start()
                threads.append(thread)
            time.sleep(0.1)
            with _admin(two_workers) as admin:
                active = ok(admin.get("/monitor/active-requests"), ActiveRequests)
            slow_ones = [r for r in active.requests if r.script == "slow.ts"]
            for item in slow_ones:
                # Other processes' entries come from their last snapshot.
                assert (item.as_of is None) == (item.pid == active.pid)
            listed = {r.pid for r in slow_ones}
            seen.setdefault(active.pid, set()).update(listed)
            running |= listed
            if len(listed) == 2:
                break
    finally:
        for thread in threads:
            thread.join(timeout=10)
    # An answer listed the requests of both processes (the other's from its snapshot).
    assert any(len(pids) == 2 for pids in seen.values()), seen


def test_metrics_folder_is_per_server_run(two_workers):
    runs = [p for p in (two_workers.root / ".hoody" / "metrics").iterdir() if p.is_dir()]
    assert [p.name for p in runs] == [str(two_workers.process.pid)]
    assert Path(runs[0], "server.json").is_file()


# ---------------------------------------------------------------- figures
def test_quantiles_are_interpolated_inside_buckets():
    histogram = Histogram()
    assert histogram.quantile(0.5) is None
    # 50 requests in (10 ms, 15 ms], 50 in (100 ms, 150 ms].
    histogram.counts[BOUNDS.index(0.015)] = 50
    histogram.counts[BOUNDS.index(0.15)] = 50
    assert histogram.count == 100
    assert histogram.quantile(0.25) == pytest.approx(0.0125)
    assert histogram.quantile(0.5) == pytest.approx(0.015)
    assert histogram.quantile(0.99) == pytest.approx(0.1 + 0.05 * 49 / 50)
    beyond = Histogram()
    beyond.counts[-1] = 3  # past the last finite bound: that bound
    assert beyond.quantile(0.5) == BOUNDS[-1]


def test_failure_reasons_are_bounded_labels():
    thrown = ScriptThrew(
        name="WhateverError", message="x", script="a.ts", line=1, column=1, stack=None
    )
    assert failure_reason(thrown, None) == "script_error"
    assert failure_reason(timeout_exceeded("a.ts", 100, 120, {"run": 120.0}, True), None) == (
        "timeout_exceeded"
    )
    assert failure_reason(None, "timeout") == "stream_timeout"
    assert failure_reason(None, "cancelled") is None  # the client left: not our failure
    assert failure_reason(None, "done") is None and failure_reason(None, None) is None
