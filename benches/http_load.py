"""HTTP load comparison on loopback: a raw Granian ASGI hello app (the ceiling), a
worker-mode hello script, a serverless hello script (issue 3), and a worker script
that fetches the worker script (composition, issue 4), measured in one run with
wrk (`apt-get install wrk`).

    .venv/bin/python benches/http_load.py [--seconds 5]

Prints a Markdown table for docs/benchmarks.md. Traffic goes to 127.0.0.1 only,
each run is bounded in time, and every server is stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {url}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not start: {url}")


@dataclass
class Result:
    name: str
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def wrk(name: str, url: str, connections: int, seconds: int) -> Result:
    out = subprocess.run(
        ["wrk", "--latency", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout

    def latency(label: str) -> float:
        m = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            raise RuntimeError(out)
        scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]
        return float(m.group(1)) * scale

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(x) for x in m.groups())
    return Result(name, connections, rps, latency("50%"), latency("99%"), errors)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")

    raw_port, hoody_port = free_port(), free_port()
    env = dict(os.environ, PYTHONPATH=str(HERE))
    raw = subprocess.Popen(
        [str(VENV_BIN / "granian"), "--interface", "asgi", "--host", "127.0.0.1",
         "--port", str(raw_port), "--workers", "1", "--log-level", "warning", "raw_asgi:app"],
        env=env, cwd=HERE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    hoody = subprocess.Popen(
        [str(VENV_BIN / "hoody-exec"), "serve", str(HERE / "load_scripts"), "--host",
         "127.0.0.1", "--port", str(hoody_port), "--workers", "1", "--no-reload"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        raw_url = f"http://127.0.0.1:{raw_port}/"
        base = f"http://127.0.0.1:{hoody_port}"
        wait_ready(raw_url, raw)
        wait_ready(f"{base}/api/v1/exec/health", hoody)
        targets = [
            ("raw Granian ASGI", raw_url),
            ("worker script", f"{base}/worker"),
            ("serverless script", f"{base}/serverless"),
            ("worker script fetching a worker script", f"{base}/compose"),
        ]
        for _, url in targets:  # warm: worker isolate built, bundles cached
            httpx.get(url, timeout=10).raise_for_status()
        results = [
            wrk(name, url, connections, args.seconds)
            for connections in (1, 64)
            for name, url in targets
        ]
    finally:
        for proc in (raw, hoody):
            proc.terminate()
            proc.wait(timeout=15)

    print("| target | connections | req/s | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r.name} | {r.connections} | {r.rps:,.0f} | {r.p50_ms:.2f} | "
            f"{r.p99_ms:.2f} | {r.errors} |"
        )


if __name__ == "__main__":
    main()
