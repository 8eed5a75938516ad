"""Cold and warm requests of a script importing `zod`, against the real npm registry.

    .venv/bin/python benches/cold_zod.py [--rounds 3] [--warm 200]

Each round starts a real server (one Granian worker, no reload) on a fresh scripts
folder holding one script that imports zod, and times:

- cold, empty cache: the first request with an empty tarball cache — resolve, download,
  verify, unpack, bundle, run;
- cold, warm cache: the same on another fresh folder with the tarball cache filled
  (what a second project of the same user sees);
- bundle only: a new server on the first folder, packages installed, nothing cached
  in the process;
- warm: sequential requests after that (p50, p99), in serverless mode (a fresh isolate
  evaluates the bundle on every request) and in worker mode (`// @mode worker`: the
  isolate, with zod loaded, is kept).

Needs the network (the public npm registry); prints a message and exits 0 when it is
unreachable. Requests go to 127.0.0.1 only; every server is stopped at the end.
Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from hoody_exec.deps.registry import default_registry

SCRIPT = """import { z } from 'zod';

const User = z.object({ name: z.string().min(1), age: z.number().int().nonnegative() });

return User.parse({ name: 'Ada', age: 36 });
"""
EXPECTED = {"name": "Ada", "age": 36}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, root: Path, cache: Path, log: Path) -> None:
        self.port = free_port()
        env = dict(os.environ)
        env.pop("HOODY_EXEC_CONFIG", None)
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hoody_exec.cli",
                "serve",
                str(root),
                "--port",
                str(self.port),
                "--no-reload",
                "--npm-cache-dir",
                str(cache),
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=120)
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited; see {log}")
            try:
                if self.client.get("/api/v1/exec/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not start; see {log}")
            time.sleep(0.05)

    def timed_get(self, path: str) -> float:
        started = time.perf_counter()
        response = self.client.get(path)
        elapsed = time.perf_counter() - started
        if response.status_code != 200 or response.json() != EXPECTED:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
        return elapsed

    def stop(self) -> None:
        self.client.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


def registry_reachable() -> bool:
    try:
        return httpx.get(default_registry() + "zod", timeout=10).status_code == 200
    except httpx.HTTPError:
        return False


def fresh_folder(base: Path, name: str) -> Path:
    folder = base / name
    folder.mkdir()
    (folder / "user.ts").write_text(SCRIPT)
    (folder / "user_worker.ts").write_text("// @mode worker\n" + SCRIPT)
    return folder


def one_round(base: Path, warm_requests: int) -> tuple[dict[str, float | list[float]], str]:
    cache = base / "cache"
    log = base / "server.log"
    results: dict[str, float | list[float]] = {}

    first = fresh_folder(base, "first")
    server = Server(first, cache, log)
    try:
        results["cold, empty cache"] = server.timed_get("/user")
    finally:
        server.stop()

    second = fresh_folder(base, "second")
    server = Server(second, cache, log)
    try:
        results["cold, warm cache"] = server.timed_get("/user")
    finally:
        server.stop()

    server = Server(first, cache, log)
    try:
        results["bundle only (installed)"] = server.timed_get("/user")
        results["warm serverless"] = [server.timed_get("/user") for _ in range(warm_requests)]
        server.timed_get("/user_worker")
        results["warm worker"] = [server.timed_get("/user_worker") for _ in range(warm_requests)]
    finally:
        server.stop()
    manifest = json.loads((first / "node_modules" / "zod" / "package.json").read_text())
    return results, str(manifest["version"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warm", type=int, default=200)
    args = parser.parse_args()
    if not registry_reachable():
        print("the npm registry is unreachable: nothing measured")
        return
    rows: dict[str, list[float]] = {}
    warm: dict[str, list[float]] = {}
    zod_version = "?"
    for index in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="hoody-cold-zod-") as tmp:
            base = Path(tmp)
            result, zod_version = one_round(base, args.warm)
        for key, value in result.items():
            if isinstance(value, list):
                warm.setdefault(key, []).extend(value)
            else:
                assert isinstance(value, float)
                rows.setdefault(key, []).append(value)
        print(
            f"round {index + 1}: "
            + ", ".join(f"{k} {v[-1] * 1000:.0f} ms" for k, v in rows.items())
        )
    print()
    print(f"zod {zod_version}, {args.rounds} rounds, {args.warm} warm requests per round")
    print()
    print("| request | median ms | min ms | max ms |")
    print("|---|---|---|---|")
    for key, values in rows.items():
        ms = [v * 1000 for v in values]
        print(f"| {key} | {statistics.median(ms):.0f} | {min(ms):.0f} | {max(ms):.0f} |")
    for key, values in warm.items():
        warm_ms = sorted(v * 1000 for v in values)
        p99 = warm_ms[min(len(warm_ms) - 1, int(len(warm_ms) * 0.99))]
        print(
            f"| {key}, {len(warm_ms)} sequential (p50; p99 in the last column) | "
            f"{statistics.median(warm_ms):.2f} | {warm_ms[0]:.2f} | p99 {p99:.2f} |"
        )


if __name__ == "__main__":
    main()
