"""cache/clear over real HTTP: bundles dropped, worker isolates rebuilt (their
`shared` starts over), one script or all, and other worker processes follow."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from api.conftest import ADMIN_TOKEN, PREFIX, error, ok
from hoody_exec.api.cache import CacheClearResult
from integration.conftest import Server, start_server

COUNTER = "// @mode worker\nshared.n = (shared.n ?? 0) + 1;\nreturn { n: shared.n };\n"
PLAIN = "return { plain: true };\n"


@pytest.fixture(scope="module")
def scripts(api_server: Server) -> Server:
    api_server.write("cache/counter.ts", COUNTER)
    api_server.write("cache/other.ts", COUNTER)
    api_server.write("cache/plain.ts", PLAIN)
    assert api_server.get_when_routable("/cache/counter").status_code == 200
    return api_server


def _count(server: Server, path: str) -> int:
    response = server.client.get(path)
    assert response.status_code == 200, response.text
    return int(response.json()["n"])


def _clear(api: httpx.Client, body: dict[str, str]) -> CacheClearResult:
    return ok(api.post("/cache/clear", json=body), CacheClearResult)


def test_clear_one_script_resets_its_worker_state(api, scripts):
    first = _count(scripts, "/cache/counter")
    assert _count(scripts, "/cache/counter") == first + 1
    other = _count(scripts, "/cache/other")
    assert scripts.client.get("/cache/plain").status_code == 200

    cleared = _clear(api, {"path": "cache/counter.ts"})
    assert cleared.path == "cache/counter.ts"
    assert cleared.bundles == ["cache/counter.ts"]
    assert cleared.worker_isolates == ["cache/counter.ts"]
    assert cleared.pending_builds == [] and cleared.sequence >= 1

    # A fresh isolate: `shared` starts over; the other script keeps its state.
    assert _count(scripts, "/cache/counter") == 1
    assert _count(scripts, "/cache/other") == other + 1


def test_clear_everything_reports_what_it_dropped(api, scripts):
    _count(scripts, "/cache/counter")
    _count(scripts, "/cache/other")
    assert scripts.client.get("/cache/plain").status_code == 200
    cleared = _clear(api, {})
    assert cleared.path is None
    assert {"cache/counter.ts", "cache/other.ts", "cache/plain.ts"} <= set(cleared.bundles)
    # Serverless scripts have no isolate to retire.
    assert {"cache/counter.ts", "cache/other.ts"} <= set(cleared.worker_isolates)
    assert "cache/plain.ts" not in cleared.worker_isolates
    # Nothing cached any more: a second clear right away finds nothing to drop.
    again = _clear(api, {})
    assert again.worker_isolates == []
    assert not {"cache/counter.ts", "cache/other.ts", "cache/plain.ts"} & set(again.bundles)
    assert again.sequence == cleared.sequence + 1
    assert _count(scripts, "/cache/counter") == 1
    assert _count(scripts, "/cache/other") == 1


def test_clear_forgets_a_remembered_load_failure(api, scripts):
    scripts.write("cache/broken.ts", "return {{{;\n")
    assert scripts.get_when_routable("/cache/broken").status_code == 500
    cleared = _clear(api, {"path": "cache/broken.ts"})
    assert cleared.failed_loads == 1 and cleared.bundles == []


def test_clear_errors(api, anon, scripts):
    error(anon.post("/cache/clear", json={}), 401)
    error(api.post("/cache/clear", json={"path": "cache/nope.ts"}), 404, "not_found")
    error(api.post("/cache/clear", json={"path": "../outside.ts"}), 400, "invalid_path")
    error(api.post("/cache/clear", json={"path": ".hoody/admin-token"}), 403)
    error(api.post("/cache/clear", json={"path": ""}), 422)
    error(api.post("/cache/clear", json={"everything": True}), 422)


# ---------------------------------------------------------------- two workers
# Each isolate draws an id, so answers tell which isolate (which process) served them.
TAGGED = """// @mode worker
shared.id ??= Math.random().toString(36).slice(2);
shared.n = (shared.n ?? 0) + 1;
return { id: shared.id, n: shared.n };
"""


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("cache-workers")
    (root / "count.ts").write_text(TAGGED)
    logs = tmp_path_factory.mktemp("cache-workers-logs") / "server.log"
    server = start_server(
        root, logs, "--admin-token", ADMIN_TOKEN, "--workers", "2", "--pool-size", "1"
    )
    yield server
    server.stop()


def _tagged(server: Server) -> tuple[str, int]:
    # A new connection each time, so that both worker processes get requests.
    with httpx.Client(base_url=server.url, timeout=30) as client:
        response = client.get("/count")
    assert response.status_code == 200, response.text
    body = response.json()
    return body["id"], int(body["n"])


def _until_two_isolates(server: Server) -> dict[str, list[int]]:
    seen: dict[str, list[int]] = {}
    deadline = time.monotonic() + 20
    while len(seen) < 2:
        assert time.monotonic() < deadline, f"one process served everything: {seen}"
        isolate, n = _tagged(server)
        seen.setdefault(isolate, []).append(n)
    return seen


def test_other_worker_processes_clear_too(two_workers):
    before = _until_two_isolates(two_workers)
    with httpx.Client(
        base_url=two_workers.url + PREFIX, headers={"x-token": ADMIN_TOKEN}, timeout=30
    ) as admin:
        cleared = ok(admin.post("/cache/clear", json={}), CacheClearResult)
    assert cleared.worker_isolates == ["count.ts"] and cleared.bundles == ["count.ts"]
    # Both processes serve from new isolates whose counts start at 1: the one that
    # did not answer the clear applied it at the start of its next request.
    after = _until_two_isolates(two_workers)
    assert not set(after) & set(before), (before, after)
    assert all(counts[0] == 1 for counts in after.values()), after
