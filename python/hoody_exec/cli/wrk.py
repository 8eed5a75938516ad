"""Running wrk for `hoody-exec bench` when it is installed, and reading its report."""

from __future__ import annotations

import re
import shutil
import subprocess

from hoody_exec.cli.loadgen import Target
from hoody_exec.cli.summary import Summary

_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}
_DURATION = r"([\d.]+)(us|ms|s|m)"


def available() -> bool:
    return shutil.which("wrk") is not None


def usable_for(target: Target) -> bool:
    """wrk sends a method or a body only through a Lua script: plain GETs only."""
    return target.method == "GET" and not target.body


def run_wrk(url: str, target: Target, *, connections: int, seconds: float) -> Summary:
    threads = max(1, min(connections, 4))
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s"]
    for name, value in target.headers:
        command += ["-H", f"{name}: {value}"]
    command += ["--latency", url]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed (exit {done.returncode}): {done.stderr.strip()}")
    return parse_report(done.stdout)


def parse_report(text: str) -> Summary:
    """The figures of `wrk --latency`'s report."""
    requests = re.search(r"(\d+) requests in " + _DURATION, text)
    if requests is None:
        raise RuntimeError(f"wrk's report has no request count:\n{text}")
    percentiles = {
        int(q): _seconds(value, unit)
        for q, value, unit in re.findall(r"^\s+(50|90|99)%\s+" + _DURATION, text, re.M)
    }
    latency_max = re.search(r"Latency\s+\S+\s+\S+\s+" + _DURATION, text)
    errors: dict[str, int] = {}
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    if socket is not None:
        for kind, count in zip(
            ("connect", "read", "write", "timeout"), socket.groups(), strict=True
        ):
            if int(count):
                errors[kind] = int(count)
    total = int(requests.group(1))
    non_ok = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    failed = int(non_ok.group(1)) if non_ok else 0
    return Summary(
        tool="wrk",
        requests=total,
        seconds=_seconds(requests.group(2), requests.group(3)),
        p50=percentiles.get(50, 0.0),
        p90=percentiles.get(90, 0.0),
        p99=percentiles.get(99, 0.0),
        max=_seconds(latency_max.group(1), latency_max.group(2)) if latency_max else 0.0,
        statuses={"2xx/3xx": total - failed, "other": failed} if failed else {"2xx/3xx": total},
        errors=errors,
    )


def _seconds(value: str, unit: str) -> float:
    return float(value) * _UNITS[unit]
