"""HTTP load comparison on loopback, every row in one run with wrk (Debian's `wrk`):

- Bun `Bun.serve` answering in the main thread, and with a new `Worker` per request;
- Deno `Deno.serve`, the same two ways;
- a raw Granian ASGI hello app (the ceiling of our server);
- hoody-exec: a worker-mode and a serverless hello script, a worker script that
  fetches the worker script (composition), and a serverless script importing zod
  (validating the JSON body; also driven open-loop at a steady rate).

    .venv/bin/python benches/http_load.py [--seconds 5] [--rows bun,hoody-serverless]
    .venv/bin/python benches/http_load.py --list

Bun comes from the npm package `bun` and Deno from the PyPI package `deno`, both
installed by this script into a cache folder (`--tools-dir`, default
~/.cache/hoody-exec/bench-tools); a row whose runtime cannot be installed is
skipped with a message. The zod row installs zod on its first request (the
scripts folder lives in the same cache). Each server runs pinned to CPU 1
(`taskset -c 1`) and wrk to CPU 0 when the machine has two CPUs or more.

Rows are data (`ROWS`): another benchmark can import this module, pick rows with
`select_rows` and reuse `run_rows`. Prints Markdown tables for docs/benchmarks.md.
Traffic goes to 127.0.0.1 only, each measurement is bounded in time, and every
server is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
DEFAULT_TOOLS = Path.home() / ".cache" / "hoody-exec" / "bench-tools"
BUN_SPEC = "bun@1"
DENO_SPEC = "deno>=2,<3"
ZOD_BODY = b'{"name":"widget","quantity":3,"tags":["a","b"]}'


# ---------------------------------------------------------------- pinning
def pinning() -> tuple[list[str], list[str]]:
    """taskset prefixes for the servers (CPU 1) and the load generator (CPU 0)."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2 or shutil.which("taskset") is None:
        print("note: fewer than 2 CPUs or no taskset: servers and wrk are not pinned")
        return [], []
    return ["taskset", "-c", str(cpus[1])], ["taskset", "-c", str(cpus[0])]


# ---------------------------------------------------------------- tools
class Unavailable(Exception):
    """A row's runtime could not be installed or started: the row is skipped."""


def _run_install(cmd: Sequence[str], what: str) -> None:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise Unavailable(f"installing {what} failed: {error}") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise Unavailable(f"installing {what} failed: {' / '.join(tail)}")


def _works(binary: Path) -> bool:
    try:
        return (
            subprocess.run([str(binary), "--version"], capture_output=True, timeout=30).returncode
            == 0
        )
    except OSError:
        return False


def _bun_candidates(folder: Path) -> list[Path]:
    modules = folder / "node_modules"
    # NOTE: the package's install step moves its platform binary to bun/bin/bun.exe;
    # where install steps do not run, the binary stays in the optional dependency.
    found = [modules / "bun" / "bin" / "bun.exe", *sorted(modules.glob("@oven/bun-*/bin/bun"))]
    # The plain build needs AVX2; the "baseline" build runs on any x86-64.
    return sorted((p for p in found if p.is_file()), key=lambda p: "baseline" in str(p))


def bun_binary(tools: Path) -> Path:
    """Bun from the npm package `bun` (its platform binary is an optional dependency)."""
    folder = tools / "bun"
    if not _bun_candidates(folder):
        if shutil.which("npm") is None:
            raise Unavailable("npm is not installed (needed to install bun)")
        folder.mkdir(parents=True, exist_ok=True)
        _run_install(
            ["npm", "install", "--prefix", str(folder), "--no-audit", "--no-fund", BUN_SPEC], "bun"
        )
    for binary in _bun_candidates(folder):
        if _works(binary):
            return binary
    raise Unavailable(f"no working bun binary in {folder}")


def deno_binary(tools: Path) -> Path:
    """Deno from the PyPI package `deno`, installed into its own target folder."""
    folder = tools / "deno"
    found = sorted(folder.glob("deno/bin/deno*")) + sorted(folder.glob("bin/deno"))
    if not found:
        folder.mkdir(parents=True, exist_ok=True)
        _run_install(
            [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(folder), DENO_SPEC],
            "deno",
        )
        found = sorted(folder.glob("deno/bin/deno*")) + sorted(folder.glob("bin/deno"))
    for binary in found:
        binary.chmod(binary.stat().st_mode | 0o111)
        if _works(binary):
            return binary
    raise Unavailable(f"no working deno binary in {folder}")


def version(binary: Path) -> str:
    out = subprocess.run([str(binary), "--version"], capture_output=True, text=True).stdout
    m = re.search(r"\d+\.\d+\.\d+", out)
    return m.group(0) if m else out.strip()


# ---------------------------------------------------------------- servers
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise Unavailable(f"the server exited with status {process.returncode}: {url}")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise Unavailable(f"the server did not answer 200 within {seconds:g} s: {url}")


@dataclass
class Context:
    tools: Path
    pin_server: list[str]
    log: Path
    versions: dict[str, str] = field(default_factory=dict)


@dataclass
class Server:
    """A started server: `base` URL and its process (None: shared, stopped elsewhere)."""

    base: str
    process: subprocess.Popen[bytes]


def _spawn(
    ctx: Context, cmd: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    log = ctx.log.open("ab")
    try:
        return subprocess.Popen(
            ctx.pin_server + cmd, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT
        )
    finally:
        log.close()


def start_runtime(which: str, mode: str) -> Callable[[Context], Server]:
    def start(ctx: Context) -> Server:
        binary = bun_binary(ctx.tools) if which == "bun" else deno_binary(ctx.tools)
        ctx.versions[which] = version(binary)
        port = free_port()
        script = str(HERE / "runtimes" / "serve.mjs")
        args = (
            ["run", script]
            if which == "bun"
            else ["run", "--allow-net", "--allow-env", "--allow-read", script]
        )
        env = dict(os.environ, PORT=str(port), MODE=mode, NO_COLOR="1")
        process = _spawn(ctx, [str(binary), *args], env=env)
        base = f"http://127.0.0.1:{port}"
        wait_ready(f"{base}/", process)
        return Server(base, process)

    return start


def start_granian(ctx: Context) -> Server:
    port = free_port()
    process = _spawn(
        ctx,
        [str(VENV_BIN / "granian"), "--interface", "asgi", "--host", "127.0.0.1", "--port",
         str(port), "--workers", "1", "--log-level", "warning", "raw_asgi:app"],
        env=dict(os.environ, PYTHONPATH=str(HERE)), cwd=HERE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    wait_ready(f"{base}/", process)
    return Server(base, process)


def start_hoody(folder: Callable[[Context], Path], *extra: str) -> Callable[[Context], Server]:
    def start(ctx: Context) -> Server:
        port = free_port()
        env = dict(os.environ)
        env.pop("HOODY_EXEC_CONFIG", None)
        process = _spawn(
            ctx,
            [str(VENV_BIN / "hoody-exec"), "serve", str(folder(ctx)), "--host", "127.0.0.1",
             "--port", str(port), "--workers", "1", "--no-reload", *extra],
            env=env,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        wait_ready(f"{base}/api/v1/exec/health", process)
        return Server(base, process)

    return start


def load_scripts(_: Context) -> Path:
    return HERE / "load_scripts"


def zod_scripts(ctx: Context) -> Path:
    """A scripts folder in the cache, so zod is installed once, not on every run."""
    folder = ctx.tools / "zod-scripts"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(HERE / "fixtures" / "zod_order.ts", folder / "order.ts")
    return folder


# ---------------------------------------------------------------- measurements
@dataclass
class Result:
    row: str
    how: str  # "c=1", "c=32", "open 10/s" ...
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


WRK_POST = """wrk.method = "POST"
wrk.body = [[{body}]]
wrk.headers["content-type"] = "application/json"
"""


def wrk(
    row: str, url: str, connections: int, seconds: int, pin: list[str], body: bytes | None = None
) -> Result:
    cmd = [*pin, "wrk", "--latency", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", url]
    with tempfile.TemporaryDirectory() as tmp:
        if body is not None:
            script = Path(tmp) / "post.lua"
            script.write_text(WRK_POST.format(body=body.decode()))
            cmd[len(pin) + 1 : len(pin) + 1] = ["-s", str(script)]
        out = subprocess.run(
            cmd, capture_output=True, text=True, check=True, timeout=seconds + 60
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
    return Result(row, f"c={connections}", rps, latency("50%"), latency("99%"), errors)


async def _paced(
    url: str, rate: float, seconds: float, body: bytes | None
) -> tuple[list[float], int]:
    """Open loop: a request starts every 1/rate s whatever the earlier ones do."""
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(timeout=30) as client:

        async def one() -> None:
            nonlocal errors
            began = time.perf_counter()
            try:
                if body is None:
                    response = await client.get(url)
                else:
                    response = await client.post(
                        url, content=body, headers={"content-type": "application/json"}
                    )
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            latencies.append((time.perf_counter() - began) * 1000)
            errors += 0 if ok else 1

        tasks = []
        start = time.perf_counter()
        for i in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
    return latencies, errors


def paced(row: str, url: str, rate: float, seconds: int, body: bytes | None) -> Result:
    latencies, errors = asyncio.run(_paced(url, rate, seconds, body))
    q = statistics.quantiles(latencies, n=100)
    return Result(
        row,
        f"open {rate:g}/s",
        len(latencies) / seconds,
        statistics.median(latencies),
        q[98],
        errors,
    )


# ---------------------------------------------------------------- rows
@dataclass(frozen=True)
class Row:
    key: str
    name: str
    start: Callable[[Context], Server]
    path: str = "/"
    connections: tuple[int, ...] = (1, 32)
    body: bytes | None = None  # POSTed (JSON) instead of a GET
    open_rate: float | None = None  # also drive it open-loop at this many requests/s
    shared: str | None = None  # rows with the same key share one server


HOODY_HELLO = start_hoody(load_scripts)
ROWS: list[Row] = [
    Row("bun-plain", "Bun `Bun.serve`", start_runtime("bun", "plain")),
    Row("bun-worker", "Bun, a new `Worker` per request", start_runtime("bun", "worker")),
    Row("deno-plain", "Deno `Deno.serve`", start_runtime("deno", "plain")),
    Row("deno-worker", "Deno, a new `Worker` per request", start_runtime("deno", "worker")),
    Row("granian", "raw Granian ASGI", start_granian),
    Row("hoody-worker", "hoody-exec `@mode worker`", HOODY_HELLO, "/worker", shared="hoody"),
    Row("hoody-serverless", "hoody-exec `@mode serverless`", HOODY_HELLO, "/serverless",
        shared="hoody"),
    Row("hoody-compose", "hoody-exec worker script fetching a worker script", HOODY_HELLO,
        "/compose", shared="hoody"),
    Row("hoody-zod", "hoody-exec serverless + zod (validates the body)", start_hoody(zod_scripts),
        "/order", connections=(1, 8), body=ZOD_BODY, open_rate=10.0),
]  # fmt: skip


def select_rows(spec: str | None, rows: Sequence[Row] = ROWS) -> list[Row]:
    """Rows whose key starts with one of the comma-separated prefixes (all if None)."""
    if not spec:
        return list(rows)
    wanted = [s.strip() for s in spec.split(",") if s.strip()]
    chosen = [row for row in rows if any(row.key.startswith(w) for w in wanted)]
    unknown = [w for w in wanted if not any(row.key.startswith(w) for row in rows)]
    if unknown:
        keys = ", ".join(row.key for row in rows)
        raise SystemExit(f"--rows: no row matches {', '.join(unknown)}; rows are: {keys}")
    return chosen


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextlib.contextmanager
def _servers() -> Iterator[dict[str, Server]]:
    started: dict[str, Server] = {}
    try:
        yield started
    finally:
        for server in started.values():
            _stop(server.process)


def run_rows(
    rows: Sequence[Row], ctx: Context, seconds: int, pin_load: list[str]
) -> tuple[list[Result], list[str]]:
    """Measure each row (servers started as needed, one at a time unless shared)."""
    results: list[Result] = []
    skipped: list[str] = []
    with _servers() as started:
        for row in rows:
            key = row.shared or row.key
            try:
                server = started.get(key)
                if server is None:
                    for other in [k for k in started if k != key]:
                        _stop(started.pop(other).process)  # one server at a time on the core
                    server = started[key] = row.start(ctx)
                url = server.base + row.path
                warm(url, row.body)
            except Unavailable as why:
                print(f"skipped {row.key}: {why}", flush=True)
                skipped.append(f"{row.key}: {why}")
                continue
            if row.open_rate is not None:
                results.append(paced(row.name, url, row.open_rate, max(seconds, 10), row.body))
            for connections in row.connections:
                results.append(wrk(row.name, url, connections, seconds, pin_load, row.body))
            print(f"measured {row.key}", flush=True)
    return results, skipped


def warm(url: str, body: bytes | None) -> None:
    """A first request (builds, installs) and a few more, all answered 200."""
    for _ in range(5):
        try:
            if body is None:
                response = httpx.get(url, timeout=300)
            else:
                response = httpx.post(
                    url, content=body, headers={"content-type": "application/json"}, timeout=300
                )
        except httpx.HTTPError as error:
            raise Unavailable(f"{url}: {error}") from None
        if response.status_code != 200:
            raise Unavailable(f"{url} answered {response.status_code}: {response.text[:300]}")


def table(results: Sequence[Result]) -> str:
    lines = ["| server | load | req/s | p50 ms | p99 ms | errors |", "|---|---|---|---|---|---|"]
    for r in results:
        lines.append(
            f"| {r.row} | {r.how} | {r.rps:,.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | {r.errors} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5, help="seconds per wrk measurement")
    parser.add_argument("--rows", help="comma-separated row keys or prefixes (default: all)")
    parser.add_argument(
        "--tools-dir",
        type=Path,
        default=DEFAULT_TOOLS,
        help="where bun, deno and zod are installed",
    )
    parser.add_argument("--list", action="store_true", help="list the rows and exit")
    args = parser.parse_args(argv)
    rows = select_rows(args.rows)
    if args.list:
        for row in ROWS:
            print(f"{row.key:18} {row.name}")
        return
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install -y wrk")
    pin_server, pin_load = pinning()
    args.tools_dir.mkdir(parents=True, exist_ok=True)
    log = args.tools_dir / "servers.log"
    ctx = Context(args.tools_dir, pin_server, log)
    began = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    results, skipped = run_rows(rows, ctx, args.seconds, pin_load)
    print()
    versions = ", ".join(f"{k} {v}" for k, v in sorted(ctx.versions.items()))
    print(
        f"{began}, {platform.node()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}; servers on {' '.join(pin_server) or 'any CPU'}, wrk on "
        f"{' '.join(pin_load) or 'any CPU'}; {versions} (server output: {log})"
    )
    print()
    print(table(results))
    for line in skipped:
        print(f"\nskipped {line}")


if __name__ == "__main__":
    main()
