"""Soak: many ordinary requests with hostile scripts hit in between, then a look
at whether the worker process came back to where it was (issue 11).

    .venv/bin/python benches/soak.py [--serverless 20000] [--worker 50000]

One `hoody-exec serve` on 127.0.0.1 (bounded: a fixed number of requests, every
hostile client gives up by itself). Between rounds of hello requests it hits: a
busy loop (stopped by the CPU limit), a promise that never settles with clients
that leave after 1 s, a worker script that leaves a runaway promise chain behind
its answer, a script that allocates 100 MB, and clients that promise a body and
never send it. At the end it checks that the worker process is the same one,
its RSS is within 5 % of where it was after warm-up, its thread and isolate counts
are back at their baseline, and it spends no CPU once idle. Prints Markdown for
docs/benchmarks.md and exits 1 if a check fails.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

TOKEN = "soak-admin-token"
CLIENT_THREADS = 4

SCRIPTS = {
    "hello.ts": "return { message: 'Hello from Hoody Exec!', time: Date.now() };\n",
    "hello-worker.ts": "// @mode worker\nreturn { message: 'Hello from Hoody Exec!' };\n",
    "spin.ts": "while (true) {}\n",
    "forever.ts": "await new Promise(() => {});\n",
    "runaway.ts": "// @mode worker\n"
    "if (query.go) { const spin = () => Promise.resolve().then(spin); spin(); }\n"
    "return 'answered';\n",
    "alloc.ts": "const a: number[][] = [];\n"
    "for (let i = 0; i < 400; i++) a.push(new Array(25000).fill(i));\n"
    "return { n: a.length };\n",
    "echo.ts": "// @timeout 2000\nreturn { length: (await request.text()).length };\n",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Proc:
    """Figures of one process from /proc."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def threads(self) -> int:
        return len(os.listdir(f"/proc/{self.pid}/task"))

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker_pids(serve_pid: int) -> list[int]:
    """The Granian worker processes (children of the serve process)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == serve_pid:
            found.append(int(entry))
    return found


def hammer(port: int, path: str, count: int) -> Counter[int]:
    """`count` GETs over CLIENT_THREADS keep-alive connections."""
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    share = [count // CLIENT_THREADS + (i < count % CLIENT_THREADS) for i in range(CLIENT_THREADS)]

    def run(n: int) -> None:
        local: Counter[int] = Counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(n):
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            local[response.status] += 1
        conn.close()
        with lock:
            statuses.update(local)

    threads = [threading.Thread(target=run, args=(n,)) for n in share]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def hostile_round(port: int) -> Counter[str]:
    """One visit of every hostile script; each client gives up by itself."""
    seen: Counter[str] = Counter()
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        seen[f"spin {client.get('/spin').status_code}"] += 1
        seen[f"runaway {client.get('/runaway', params={'go': '1'}).status_code}"] += 1
        seen[f"alloc {client.get('/alloc').status_code}"] += 1

    def leave_after_a_second() -> None:
        with contextlib.suppress(httpx.TimeoutException):
            httpx.get(f"http://127.0.0.1:{port}/forever", timeout=1.0)

    leavers = [threading.Thread(target=leave_after_a_second) for _ in range(10)]
    for t in leavers:
        t.start()
    # Clients that promise 100 bytes, send 3 and go silent.
    slow = []
    for _ in range(10):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
        slow.append(sock)
    for t in leavers:
        t.join()
    for sock in slow:
        sock.settimeout(5)
        try:
            answer = sock.recv(64)
            seen[f"slow-body {answer.split(b' ')[1].decode() if answer else 'closed'}"] += 1
        except TimeoutError:
            seen["slow-body no answer"] += 1
        sock.close()
    seen["forever left"] += 10
    return seen


def isolates(port: int) -> int:
    body = httpx.get(
        f"http://127.0.0.1:{port}/api/v1/exec/monitor/stats",
        headers={"authorization": f"Bearer {TOKEN}"},
        timeout=10,
    ).json()
    counts = body.get("data", body)["isolates"]
    return int(counts["worker"] + counts["serverless"] + counts["pool_ready"])


def settle(port: int, seconds: float = 3.0) -> None:
    """Wait until the server is idle (isolates freed, queues empty)."""
    time.sleep(seconds)
    isolates(port)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--serverless", type=int, default=20_000)
    parser.add_argument("--worker", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="hoody-soak-"))
    for name, text in SCRIPTS.items():
        (root / name).write_text(text)
    port = free_port()
    log = (root.parent / f"{root.name}.log").open("wb")
    serve = subprocess.Popen(
        [
            *(sys.executable, "-m", "hoody_exec.cli", "serve", str(root), "--port", str(port)),
            *("--admin-token", TOKEN, "--no-reload", "--cpu-limit", "500"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/hello", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or serve.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.1)
        (pid,) = worker_pids(serve.pid)
        proc = Proc(pid)

        # Warm-up: every script once, then enough hello traffic to fill caches.
        hostile_round(port)
        hammer(port, "/hello", 2000)
        hammer(port, "/hello-worker", 2000)
        settle(port)
        base = (proc.rss_mb(), proc.threads(), isolates(port))

        statuses: Counter[str] = Counter()
        hostile: Counter[str] = Counter()
        started = time.monotonic()
        for _ in range(args.rounds):
            for path, total in (("/hello", args.serverless), ("/hello-worker", args.worker)):
                for status, n in hammer(port, path, total // args.rounds).items():
                    statuses[f"{path} {status}"] += n
            hostile.update(hostile_round(port))
        elapsed = time.monotonic() - started

        settle(port)
        end = (proc.rss_mb(), proc.threads(), isolates(port))
        cpu_before = proc.cpu_s()
        time.sleep(5)
        idle_cpu = proc.cpu_s() - cpu_before
        same_worker = worker_pids(serve.pid) == [pid]
    finally:
        serve.terminate()
        serve.wait(timeout=20)
        log.close()

    checks = {
        "same worker process": same_worker,
        "RSS within 5 % of warm-up": end[0] <= base[0] * 1.05,
        "threads back at baseline": end[1] <= base[1],
        "isolates back at baseline": end[2] <= base[2],
        "no CPU once idle (< 0.05 s in 5 s)": idle_cpu < 0.05,
        "every hello answered 200": all(k.endswith(" 200") for k in statuses),
    }
    print(
        f"Soak: {args.serverless} serverless + {args.worker} worker hello requests in "
        f"{args.rounds} rounds, {elapsed:.0f} s, hostile scripts between rounds\n"
    )
    print("| figure | after warm-up | at the end |\n|---|---|---|")
    print(f"| worker RSS | {base[0]:.1f} MiB | {end[0]:.1f} MiB |")
    print(f"| worker threads | {base[1]} | {end[1]} |")
    print(f"| live isolates | {base[2]} | {end[2]} |")
    print(f"| CPU in 5 s idle | | {idle_cpu:.2f} s |\n")
    print("Answers: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    print("Hostile: " + ", ".join(f"{k}: {v}" for k, v in sorted(hostile.items())) + "\n")
    for name, ok in checks.items():
        print(f"- {'met' if ok else 'NOT met'}: {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
