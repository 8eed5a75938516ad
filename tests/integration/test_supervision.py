"""A worker process that dies is replaced; a port in use is refused.

Real `hoody-exec serve` processes on free loopback ports: workers are killed with
real signals (found through system/workers, and through /proc while no worker
answers), and a second server is started on a port the first holds.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from integration.conftest import Server, run_cli, start_server

TOKEN = "supervision-admin-token-0123456789"
API = "/api/v1/exec"


def serve(
    tmp_path: Path, name: str, *args: str, text: str = "hello", port: int | None = None
) -> Server:
    root = tmp_path / name
    root.mkdir()
    (root / "hello.ts").write_text(f'export default () => new Response("{text}");\n')
    env = {"HOODY_EXEC_ADMIN_TOKEN": TOKEN}
    return start_server(root, tmp_path / f"{name}.log", *args, env=env, port=port)


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def api(server: Server, path: str) -> dict[str, Any]:
    response = server.client.get(API + path, headers={"x-token": TOKEN})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def fresh_get(server: Server, path: str) -> httpx.Response:
    """A request on a new connection, as a new client would make it (a kept-alive
    connection to a worker that died fails whatever the server does)."""
    return httpx.get(server.url + path, headers={"x-token": TOKEN}, timeout=10)


def children(pid: int) -> set[int]:
    found = set()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(name))
    return found


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except httpx.TransportError:
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def serving_new_worker(server: Server, old: int) -> Callable[[], dict[str, Any] | None]:
    def check() -> dict[str, Any] | None:
        if fresh_get(server, "/hello").status_code != 200:
            return None
        state = api(server, "/system/workers")
        return state if state["workers"][0]["pid"] not in (None, old) else None

    return check


@pytest.mark.parametrize(
    ("sig", "name"), [(signal.SIGKILL, "SIGKILL"), (signal.SIGSEGV, "SIGSEGV")]
)
def test_a_killed_worker_is_replaced(
    tmp_path: Path, servers: list[Server], sig: signal.Signals, name: str
) -> None:
    server = serve(tmp_path, "one")
    servers.append(server)
    before = api(server, "/system/workers")
    assert before["server_pid"] == server.process.pid
    old = before["workers"][0]["pid"]
    assert old in children(server.process.pid)

    os.kill(old, sig)
    state = wait_until(serving_new_worker(server, old), 15, "a new worker to serve")

    assert server.process.poll() is None, "the serve process exited"
    new = state["workers"][0]["pid"]
    assert new != old and new in children(server.process.pid)
    assert state["replacements"] == 1
    (death,) = state["deaths"]
    assert death["pid"] == old and death["cause"] == name
    assert death["exit_code"] == -sig and death["replaced_by"] == new
    assert f"worker 1 (pid {old}) died: killed by {name}" in server.log_text()
    assert f"replaced by pid {new}" in server.log_text()

    stats = api(server, "/monitor/stats")
    assert stats["worker_replacements"] == 1
    assert stats["worker_replacement_causes"] == {name: 1}
    metrics = server.client.get(API + "/monitor/metrics", headers={"x-token": TOKEN}).text
    assert f'hoody_exec_worker_replacements_total{{cause="{name}"}} 1.0' in metrics
    # The death is in the stored logs too, not only on the serve process's stderr.
    logs = server.client.post(
        API + "/logs/search", json={"query": f"pid {old}"}, headers={"x-token": TOKEN}
    )
    assert logs.status_code == 200 and f"replaced by pid {new}" in logs.text


def test_with_two_workers_the_other_keeps_serving(tmp_path: Path, servers: list[Server]) -> None:
    server = serve(tmp_path, "two", "--workers", "2")
    servers.append(server)
    slots = wait_until(
        lambda: [w["pid"] for w in api(server, "/system/workers")["workers"]],
        10,
        "both workers",
    )
    victim, survivor = slots
    os.kill(victim, signal.SIGKILL)

    # Requests on new connections right after the kill: every one answered (the
    # dead worker's socket is gone, so the kernel sends them to the survivor).
    answered_by = set()
    for _ in range(40):
        assert fresh_get(server, "/hello").status_code == 200
        response = fresh_get(server, API + "/system/workers")
        assert response.status_code == 200
        answered_by.add(response.json()["pid"])
        time.sleep(0.02)
    assert victim not in answered_by
    state = wait_until(
        lambda: (
            (s := api(server, "/system/workers"))["workers"][0]["pid"] not in (None, victim) and s
        ),
        15,
        "the replacement",
    )
    assert state["workers"][1]["pid"] == survivor, "the other worker was restarted"
    assert survivor in children(server.process.pid)
    assert state["deaths"][0]["slot"] == 1 and state["workers"][0]["replacements"] == 1


def test_a_worker_dying_at_start_again_and_again_backs_off(
    tmp_path: Path, servers: list[Server]
) -> None:
    server = serve(tmp_path, "loop")
    servers.append(server)
    main = server.process.pid
    killed: list[int] = []
    cpu_before = cpu_seconds(main)
    started = time.monotonic()
    for _ in range(4):
        # Each replacement is killed as soon as it exists, long before it serves.
        pid = wait_until(lambda: (children(main) - set(killed)) or None, 15, "a worker").pop()
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)
    state = wait_until(serving_new_worker(server, killed[-1]), 30, "a worker that lives")
    elapsed = time.monotonic() - started

    assert server.process.poll() is None
    delays = [d["delay_s"] for d in state["deaths"]]
    # The slot's fourth young death in a row (or the third, if the first worker had
    # lived past the start-up window) waits twice as long as the one before.
    assert delays[-1] == 2 * delays[-2] > 0, delays
    assert state["deaths"][-1]["crash_loop"] and elapsed >= sum(delays)
    assert "times in a row, next attempt in" in server.log_text()
    # Waiting is waiting: the serve process itself spent little CPU meanwhile.
    assert cpu_seconds(main) - cpu_before < 0.5 * elapsed


def test_a_second_server_on_a_port_in_use_is_refused(tmp_path: Path, servers: list[Server]) -> None:
    first = serve(tmp_path, "first")
    servers.append(first)
    port = str(first.port)
    other = tmp_path / "other"
    other.mkdir()
    for folder in (first.root, other):  # named from its record, and through /proc
        result = run_cli("serve", str(folder), "--port", port, timeout=30)
        assert result.returncode == 1, result.stdout + result.stderr
        assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
        assert f"another hoody-exec serving {first.root}, pid {first.process.pid}" in (
            result.stderr
        )
        assert "--port" in result.stderr and "--reuse-port" in result.stderr
        assert "Traceback" not in result.stderr + result.stdout
    assert fresh_get(first, "/hello").text == "hello"


def test_a_port_held_by_another_program_is_named(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = str(holder.getsockname()[1])
        for extra in ((), ("--reuse-port",)):
            result = run_cli("serve", str(tmp_path), "--port", port, *extra, timeout=30)
            assert result.returncode == 1, result.stdout + result.stderr
            assert f"port {port} on 127.0.0.1 is" in result.stderr
            assert f"(by pid {os.getpid()}: " in result.stderr  # this test process


def test_reuse_port_shares_the_port_on_purpose(tmp_path: Path, servers: list[Server]) -> None:
    first = serve(tmp_path, "a", text="a")
    servers.append(first)
    second = serve(tmp_path, "b", "--reuse-port", text="b", port=first.port)
    servers.append(second)
    # The kernel spreads new connections over both servers' sockets (once the
    # second one's worker listens: its readiness check may have been answered by
    # the first).
    answers: set[str] = set()
    deadline = time.monotonic() + 20
    while answers != {"a", "b"} and time.monotonic() < deadline:
        answers.add(fresh_get(first, "/hello").text)
    assert answers == {"a", "b"}
