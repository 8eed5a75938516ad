"""WebSocket load comparison on loopback: hoody-exec (`@websocket`, worker mode)
beside Bun (`Bun.serve` with its `websocket` handlers), in one run:

- echo round trip on one connection (p50, p99),
- messages per second with 100 connections echoing in a closed loop,
- one broadcast to 1,000 clients: time until the last one has it (median of 10).

A raw Granian ASGI app doing the same in plain Python (`raw_ws_asgi.py`) is the
ceiling of the server hoody-exec runs on.

    .venv/bin/python benches/ws_load.py [--seconds 5] [--only bun|hoody]

The load generator is the same for both: `runtimes/ws_client.mjs`, run by Bun (its
WebSocket client is fast enough not to be the bottleneck), pinned to CPU 0 and the
server to CPU 1 (benches/http_load.py: `pinning`). Bun comes from the npm package
`bun`, installed into the tools cache as in the HTTP bench. Prints a Markdown table
for docs/benchmarks.md; every server is stopped at the end.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from http_load import (
    DEFAULT_TOOLS,
    VENV_BIN,
    Unavailable,
    bun_binary,
    free_port,
    pinning,
    version,
    wait_ready,
)

HERE = Path(__file__).resolve().parent


def start_bun(bun: Path, pin: list[str], log: Path) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    env = dict(os.environ, PORT=str(port), NO_COLOR="1")
    with log.open("ab") as out:
        process = subprocess.Popen(
            [*pin, str(bun), "run", str(HERE / "runtimes" / "ws_serve.mjs")],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    wait_ready(f"http://127.0.0.1:{port}/", process)
    return f"ws://127.0.0.1:{port}/", process


def start_granian(pin: list[str], log: Path) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(
            [*pin, str(VENV_BIN / "granian"), "--interface", "asgi", "--host", "127.0.0.1",
             "--port", str(port), "--workers", "1", "--log-level", "warning", "raw_ws_asgi:app"],
            env=dict(os.environ, PYTHONPATH=str(HERE)), cwd=HERE, stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    wait_ready(f"http://127.0.0.1:{port}/", process)
    return f"ws://127.0.0.1:{port}/", process


def start_hoody(pin: list[str], log: Path) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    env = dict(os.environ)
    env.pop("HOODY_EXEC_CONFIG", None)
    with log.open("ab") as out:
        process = subprocess.Popen(
            [*pin, str(VENV_BIN / "hoody-exec"), "serve", str(HERE / "ws_scripts"),
             "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--no-reload",
             "--ws-max-connections", "2000", "--log-format", "json"],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    wait_ready(f"http://127.0.0.1:{port}/api/v1/exec/health", process)
    return f"ws://127.0.0.1:{port}/echo", process


def measure(bun: Path, pin: list[str], url: str, seconds: int) -> dict[str, dict[str, float]]:
    env = dict(os.environ, URL=url, SECONDS=str(seconds), NO_COLOR="1")
    done = subprocess.run(
        [*pin, str(bun), "run", str(HERE / "runtimes" / "ws_client.mjs")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise Unavailable(f"the load generator failed: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5, help="seconds of the throughput run")
    parser.add_argument(
        "--only", choices=["bun", "granian", "hoody"], help="measure one server only"
    )
    parser.add_argument("--tools-dir", type=Path, default=DEFAULT_TOOLS, help="where bun lives")
    args = parser.parse_args(argv)
    pin_server, pin_load = pinning()
    args.tools_dir.mkdir(parents=True, exist_ok=True)
    log = args.tools_dir / "ws-servers.log"
    try:
        bun = bun_binary(args.tools_dir)
    except Unavailable as error:
        sys.exit(f"Bun is needed as the load generator: {error}")
    began = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    figures: dict[str, dict[str, dict[str, float]]] = {}
    starts = {
        "bun": functools.partial(start_bun, bun),
        "granian": start_granian,
        "hoody": start_hoody,
    }
    for name, start in starts.items():
        if args.only not in (None, name):
            continue
        url, process = start(pin_server, log)
        try:
            figures[name] = measure(bun, pin_load, url, args.seconds)
        finally:
            _stop(process)
        print(name, json.dumps(figures[name]), flush=True)
    print()
    print(
        f"{began}, {platform.node()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}; servers on {' '.join(pin_server) or 'any CPU'}, the "
        f"client (bun {version(bun)}) on {' '.join(pin_load) or 'any CPU'}"
    )
    print()
    print(table(figures))


def table(figures: dict[str, dict[str, dict[str, float]]]) -> str:
    rows = [
        ("echo round trip p50 (1 connection)", "echo", "p50_ms", "ms", False),
        ("echo round trip p99 (1 connection)", "echo", "p99_ms", "ms", False),
        ("messages/s (100 connections)", "throughput", "messages_per_s", "/s", True),
        ("broadcast to 1,000: last received", "broadcast", "last_received_ms", "ms", False),
    ]
    lines = [
        "| measure | Bun | raw Granian ASGI | hoody-exec | hoody / Bun |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, group, key, unit, higher_better in rows:
        values = [figures.get(name, {}).get(group, {}).get(key) for name in SERVERS]
        bun, hoody = values[0], values[2]
        ratio = ""
        if bun and hoody:
            factor = bun / hoody if higher_better else hoody / bun
            ratio = f"{factor:.2f}x {'slower' if factor > 1 else 'faster'}"
        cells = [f"{v:,.2f} {unit}" if v is not None else "-" for v in values]
        lines.append(f"| {label} | {' | '.join(cells)} | {ratio} |")
    return "\n".join(lines)


SERVERS = ("bun", "granian", "hoody")


if __name__ == "__main__":
    main()
