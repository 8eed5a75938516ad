"""Instances (list) and system restart / restart-status over real HTTP.

The restart tests run their own server: a restart replaces its worker processes.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.conftest import ADMIN_TOKEN, PREFIX, error, ok
from hoody_exec.api.auth import STATE_DIR
from hoody_exec.api.system import InstanceList, RestartAccepted, RestartStatus
from hoody_exec.server import instances
from hoody_exec.server.instances import STALE_AFTER_S
from integration.conftest import Server, start_server

COUNTER = """// @mode worker
shared.count = (shared.count ?? 0) + 1;
return { count: shared.count };
"""

SLOW = """// @mode serverless
await new Promise((resolve) => setTimeout(resolve, 2000));
return { slow: true };
"""


def _instances_dir(root: Path) -> Path:
    return root / ".hoody" / "instances"


def _fake_entry(root: Path, instance_id: str, *, pid: int, hostname: str, age: float = 0) -> Path:
    path = _instances_dir(root) / f"{instance_id}.json"
    record = {
        "id": instance_id,
        "pid": pid,
        "host": "10.0.0.9",
        "port": 9999,
        "hostname": hostname,
        "started": time.time() - 100,
        "version": "0.0.1",
        "workers": 2,
    }
    path.write_text(json.dumps(record))
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


# ---------------------------------------------------------------- list
def test_the_registry_lives_in_the_state_folder():
    assert instances.STATE_DIR == STATE_DIR


def test_list_shows_this_server_alive(api, api_server):
    listed = ok(api.get("/list"), InstanceList)
    mine = [item for item in listed.instances if item.current]
    assert len(mine) == 1 and listed.current == mine[0].id
    me = mine[0]
    assert me.alive is True and me.pid == api_server.process.pid
    assert (me.host, me.port, me.address) == ("127.0.0.1", api_server.port, me.address)
    assert me.address == f"127.0.0.1:{api_server.port}"
    assert me.hostname == socket.gethostname() and me.workers == 1 and me.version
    assert 0 <= me.heartbeat_age_s < STALE_AFTER_S
    assert (_instances_dir(api_server.root) / f"{me.id}.json").is_file()


def test_dead_entries_are_reported_once_then_pruned(api, api_server):
    root = api_server.root
    crashed = _fake_entry(root, "crashed00001", pid=_dead_pid(), hostname=socket.gethostname())
    silent = _fake_entry(root, "elsewhere0002", pid=1, hostname="another-machine", age=600)
    remote = _fake_entry(root, "elsewhere0003", pid=1, hostname="another-machine")
    crashed_restarts = root / ".hoody" / "restarts" / "crashed00001.json"
    crashed_restarts.parent.mkdir(parents=True, exist_ok=True)
    crashed_restarts.write_text("[]")
    garbage = _instances_dir(root) / "garbage.json"
    garbage.write_text("{not json")
    old = time.time() - 600
    os.utime(garbage, (old, old))
    try:
        listed = ok(api.get("/list"), InstanceList)
        by_id = {item.id: item for item in listed.instances}
        # Same machine, process gone: dead although its heartbeat is fresh.
        assert by_id["crashed00001"].alive is False
        # Another machine: only the heartbeat tells.
        assert by_id["elsewhere0002"].alive is False
        assert by_id["elsewhere0003"].alive is True
        assert by_id["elsewhere0003"].address == "10.0.0.9:9999"
        assert "garbage" not in by_id
        assert listed.count == len(listed.instances) and listed.alive == listed.count - 2
        assert not crashed.exists() and not silent.exists() and not garbage.exists()
        assert not crashed_restarts.exists()  # its restart record went with it
        assert remote.exists()
        again = ok(api.get("/list"), InstanceList)
        ids = {item.id for item in again.instances}
        assert "crashed00001" not in ids and "elsewhere0002" not in ids
        assert "elsewhere0003" in ids
    finally:
        for path in (crashed, silent, remote, garbage, crashed_restarts):
            path.unlink(missing_ok=True)


def test_system_operations_need_the_token(anon):
    error(anon.get("/list"), 401, "unauthorized")
    error(anon.post("/system/restart", json={}), 401, "unauthorized")
    error(anon.get("/system/restart-status"), 401, "unauthorized")


def test_bad_requests(api):
    error(api.post("/system/restart", json={"now": True}), 422, "validation_error")
    error(api.get("/system/restart-status", params={"restart_id": ""}), 422, "validation_error")
    error(api.get("/system/restart"), 405)
    error(api.post("/list", json={}), 405)


def test_restart_is_documented_as_202(api):
    paths = api.get("/openapi.json").json()["paths"]
    responses = paths[f"{PREFIX}/system/restart"]["post"]["responses"]
    assert "202" in responses and "200" not in responses and "409" in responses
    assert "200" in paths[f"{PREFIX}/system/restart-status"]["get"]["responses"]
    assert "200" in paths[f"{PREFIX}/list"]["get"]["responses"]


# ---------------------------------------------------------------- restart
@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("restart-scripts")
    (root / "counter.ts").write_text(COUNTER)
    (root / "slow.ts").write_text(SLOW)
    logs = tmp_path_factory.mktemp("restart-logs") / "server.log"
    server = start_server(root, logs, "--admin-token", ADMIN_TOKEN)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def own_api(own_server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=own_server.url + PREFIX, headers={"x-token": ADMIN_TOKEN}, timeout=30
    ) as client:
        yield client


def _wait_done(client: httpx.Client, restart_id: str, timeout: float = 40) -> RestartStatus:
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while True:
        try:
            response = client.get("/system/restart-status", params={"restart_id": restart_id})
        except httpx.TransportError:
            response = None  # a connection the old worker closed as it left
        if response is not None and response.status_code == 200:
            status = RestartStatus.model_validate(response.json())
            seen.append(status.status)
            if status.status in ("done", "failed"):
                return status
        assert time.monotonic() < deadline, f"restart still not done: {seen}"
        time.sleep(0.2)


def _fresh_get(url: str) -> httpx.Response:
    # A new connection: a pooled one may belong to a worker that has left.
    with httpx.Client(timeout=30) as client:
        return client.get(url)


def test_restart_is_graceful_same_port_new_isolates(own_server, own_api):
    none = ok(own_api.get("/system/restart-status"), RestartStatus)
    assert (none.status, none.restart_id, none.requested_at) == ("none", None, None)
    assert _fresh_get(f"{own_server.url}/counter").json() == {"count": 1}
    assert _fresh_get(f"{own_server.url}/counter").json() == {"count": 2}
    before = _fresh_get(f"{own_server.url}{PREFIX}/health").json()["pid"]
    instance = ok(own_api.get("/list"), InstanceList).current

    slow: dict[str, httpx.Response] = {}
    thread = threading.Thread(
        target=lambda: slow.setdefault("response", _fresh_get(f"{own_server.url}/slow"))
    )
    thread.start()
    time.sleep(0.5)  # the slow request is running in the current worker

    response = own_api.post("/system/restart", json={})
    assert response.status_code == 202, response.text
    accepted = RestartAccepted.model_validate(response.json())
    assert accepted.status == "pending" and accepted.instance_id == instance
    assert accepted.status_url.endswith(f"restart-status?restart_id={accepted.restart_id}")
    busy = error(own_api.post("/system/restart", json={}), 409, "conflict")
    assert busy["details"]["restart_id"] == accepted.restart_id

    thread.join(timeout=30)
    assert slow["response"].status_code == 200 and slow["response"].json() == {"slow": True}

    done = _wait_done(own_api, accepted.restart_id)
    assert done.status == "done" and done.error is None and done.source == "api"
    assert done.restarting_at is not None and done.done_at is not None
    assert done.requested_at <= done.restarting_at <= done.done_at
    assert done.duration_s is not None and done.duration_s >= 0
    assert done.requested_by_pid == before

    # Same port, new worker process, new isolates: the worker script starts over.
    health = _fresh_get(f"{own_server.url}{PREFIX}/health").json()
    assert health["pid"] != before
    assert _fresh_get(f"{own_server.url}/counter").json() == {"count": 1}
    latest = ok(own_api.get("/system/restart-status"), RestartStatus)
    assert latest.restart_id == accepted.restart_id and latest.pid == health["pid"]
    listed = ok(own_api.get("/list"), InstanceList)
    assert listed.current == instance
    assert [(i.port, i.alive) for i in listed.instances] == [(own_server.port, True)]
    error(own_api.get("/system/restart-status", params={"restart_id": "nope"}), 404, "not_found")


def test_a_sighup_by_hand_is_recorded_too(own_server, own_api):
    before = _fresh_get(f"{own_server.url}{PREFIX}/health").json()["pid"]
    own_server.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while True:
        latest = own_api.get("/system/restart-status")
        if latest.status_code == 200 and latest.json()["source"] == "signal":
            break
        assert time.monotonic() < deadline, latest.text
        time.sleep(0.1)
    done = _wait_done(own_api, latest.json()["restart_id"])
    assert done.status == "done" and done.requested_by_pid is None
    assert _fresh_get(f"{own_server.url}{PREFIX}/health").json()["pid"] != before


def test_clean_shutdown_removes_the_entry(tmp_path):
    root = tmp_path / "scripts"
    root.mkdir()
    (root / "hello.ts").write_text('return "hi";\n')
    server = start_server(root, tmp_path / "server.log", "--admin-token", ADMIN_TOKEN)
    try:
        entries = list(_instances_dir(root).glob("*.json"))
        assert len(entries) == 1
        assert json.loads(entries[0].read_text())["port"] == server.port
    finally:
        server.stop()
    assert server.process.returncode is not None
    assert list(_instances_dir(root).glob("*.json")) == []
    shutil.rmtree(root)


def test_servers_sharing_a_folder_list_each_other(own_server, own_api, tmp_path):
    second = start_server(own_server.root, tmp_path / "second.log", "--admin-token", ADMIN_TOKEN)
    try:
        with httpx.Client(
            base_url=second.url + PREFIX, headers={"x-token": ADMIN_TOKEN}, timeout=30
        ) as other:
            from_first = ok(own_api.get("/list"), InstanceList)
            from_second = ok(other.get("/list"), InstanceList)
        assert from_first.current != from_second.current
        for listed in (from_first, from_second):
            assert {(i.port, i.alive) for i in listed.instances} == {
                (own_server.port, True),
                (second.port, True),
            }
            assert [i.id for i in listed.instances if i.current] == [listed.current]
    finally:
        second.stop()
    after = ok(own_api.get("/list"), InstanceList)
    assert [i.port for i in after.instances] == [own_server.port]


def test_a_pending_restart_nobody_began_is_failed(own_server, own_api):
    current = ok(own_api.get("/list"), InstanceList).current
    assert current is not None
    history_file = own_server.root / ".hoody" / "restarts" / f"{current}.json"
    history = json.loads(history_file.read_text()) if history_file.exists() else []
    lost = {
        "id": "lostsignal01",
        "instance": current,
        "status": "pending",
        "requested_at": time.time() - 120,
        "source": "api",
    }
    history_file.parent.mkdir(parents=True, exist_ok=True)
    history_file.write_text(json.dumps([lost, *history]))
    status = ok(
        own_api.get("/system/restart-status", params={"restart_id": "lostsignal01"}),
        RestartStatus,
    )
    assert status.status == "failed" and "did not start" in (status.error or "")


def test_the_heartbeat_writes_a_removed_entry_again(api, api_server):
    current = ok(api.get("/list"), InstanceList).current
    entry = _instances_dir(api_server.root) / f"{current}.json"
    entry.unlink()
    deadline = time.monotonic() + 3 * instances.HEARTBEAT_S
    while not entry.exists():
        assert time.monotonic() < deadline, "the entry was not written again"
        time.sleep(0.2)
    assert json.loads(entry.read_text())["id"] == current
