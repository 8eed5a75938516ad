"""A real server in a subprocess on a free loopback port (Granian + the CLI).

The session server serves a temporary copy of tests/fixtures/scripts, so tests
may write files into it (hot reload). Each case is a folder: /<case>/<script>.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "scripts"
HOOK_TOKEN = "env-secret-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "python"), env.get("PYTHONPATH")]))
    env["HOOK_TOKEN"] = HOOK_TOKEN
    env.pop("HOODY_EXEC_CONFIG", None)
    env.update(extra or {})
    return env


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hoody_exec.cli", *args],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=timeout,
        check=False,
    )


@dataclass
class Server:
    root: Path
    port: int
    log_path: Path
    process: subprocess.Popen[bytes]
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.url, timeout=30)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, *needles: str, timeout: float = 10.0) -> str:
        """The log once one of its lines contains every needle: the request line
        is written after the response has gone out, so reading at once can miss it."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.log_text()
            if any(all(n in line for n in needles) for line in text.splitlines()):
                return text
            if time.monotonic() > deadline:
                return text
            time.sleep(0.02)

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename: an editor's atomic save, never a half-written file.
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text)
        tmp.replace(path)
        return path

    def get_when_routable(self, path: str, **kwargs: object) -> httpx.Response:
        """GET a path that was just created (the route table rescans on a miss)."""
        deadline = time.monotonic() + 10
        while True:
            response = self.client.get(path, **kwargs)  # type: ignore[arg-type]
            if response.status_code != 404 or time.monotonic() > deadline:
                return response
            time.sleep(0.05)

    def get_until(
        self, path: str, check: Callable[[httpx.Response], bool], **kwargs: object
    ) -> httpx.Response:
        """GET until `check` passes (or 10 s): a saved file applies once the watcher's
        event arrives (tens of milliseconds), not on a request racing the save."""
        deadline = time.monotonic() + 10
        while True:
            response = self.client.get(path, **kwargs)  # type: ignore[arg-type]
            if check(response) or time.monotonic() > deadline:
                return response
            time.sleep(0.02)

    def stop(self) -> None:
        self.client.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_server(
    root: Path,
    log_path: Path,
    *args: str,
    env: dict[str, str] | None = None,
    port: int | None = None,
) -> Server:
    port = port or free_port()
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "hoody_exec.cli", "serve", str(root), "--port", str(port), *args],
        stdout=log_file,
        stderr=subprocess.STDOUT,
        env=cli_env(env),
    )
    log_file.close()
    server = Server(root, port, log_path, process)
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.log_text()}")
        try:
            if server.client.get("/api/v1/exec/health").status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"server did not start:\n{server.log_text()}")
        time.sleep(0.1)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("scripts")
    shutil.copytree(FIXTURES, root, dirs_exist_ok=True)
    logs = tmp_path_factory.mktemp("logs") / "server.log"
    srv = start_server(
        root, logs, "--env", "HOOK_TOKEN", "--max-queue", "3", "--memory-limit", "64"
    )
    yield srv
    srv.stop()


@pytest.fixture
def client(server: Server) -> httpx.Client:
    return server.client
