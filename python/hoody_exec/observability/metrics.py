"""Request metrics shared by every worker process, in prometheus-client's
multiprocess file format.

Each worker process writes its own files in the run folder of its server,
`<scripts folder>/.hoody/metrics/<pid of the serve process>/`:

- `counter_<pid>.db`, `histogram_<pid>.db`: request counters and latency
  histograms, updated per request (a few writes into a memory-mapped file);
- `gauge_liveall_<pid>.db`: this process's in-flight requests, isolates, memory
  and start time, refreshed by a sampler every SAMPLE_INTERVAL_S;
- `active_<pid>.json`: its in-flight requests, rewritten by the sampler when the
  table changed (other processes read it for `monitor/active-requests`).

Any process aggregates all of them with prometheus-client's MultiProcessCollector,
so the management API answers for the whole server whichever worker it lands on.

NOTE: the files are written here with prometheus-client's own MmapedDict and key
format rather than through its Counter/Histogram objects: those pick their
storage from a process-wide setting read at import time (PROMETHEUS_MULTIPROC_DIR)
and take a process-wide lock plus a getpid() per update. Writing directly keeps
the request path to a dict lookup and a struct pack, and the folder is our own
variable (RUN_DIR_ENV), so no other library in the process can start writing
files with the same names into it.
"""

from __future__ import annotations

import asyncio
import atexit
import bisect
import contextlib
import glob
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sized
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.mmap_dict import MmapedDict, mmap_key
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.utils import floatToGoString

from hoody_exec.observability.logging import get_logger

log = get_logger("hoody_exec.metrics")

# Set by `hoody-exec serve` before Granian starts the workers, which inherit it.
RUN_DIR_ENV = "HOODY_EXEC_RUN_DIR"
METRICS_DIR = Path(".hoody") / "metrics"
SERVER_FILE = "server.json"
SAMPLE_INTERVAL_S = 1.0

# Latency buckets (seconds): roughly 1.5x apart from 0.5 ms to 5 min, so a
# percentile interpolated inside one bucket is off by at most that bucket's width.
BOUNDS: tuple[float, ...] = (
    0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05,
    0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 7.5, 10.0,
    15.0, 20.0, 30.0, 60.0, 120.0, 300.0,
)  # fmt: skip
_LE = (*(floatToGoString(b) for b in BOUNDS), "+Inf")

# Metric names (docs/observability.md lists them with their labels).
REQUESTS = "hoody_exec_requests"  # counter: script, mode, status (2xx…5xx)
ERRORS = "hoody_exec_request_errors"  # counter: script, mode, reason
DURATION = "hoody_exec_request_duration_seconds"  # histogram: script, mode, isolate
ISOLATE_WAIT = "hoody_exec_isolate_wait_seconds"  # counter: script, mode
IN_FLIGHT = "hoody_exec_worker_requests_in_flight"
ISOLATES = "hoody_exec_worker_isolates"  # kind: worker, pool_ready, primed_ready, serverless
RSS = "hoody_exec_worker_resident_memory_bytes"
V8_HEAP = "hoody_exec_worker_v8_heap_used_bytes"
STARTED = "hoody_exec_worker_start_time_seconds"
REPLACEMENTS = "hoody_exec_worker_replacements"  # counter: cause (SIGKILL, exit 1…)
AI_TOKENS = "hoody_exec_ai_tokens"  # counter: script, model, kind (prompt, completion)
WS_OPEN = "hoody_exec_websocket_connections"  # gauge: script
WS_MESSAGES = "hoody_exec_websocket_messages"  # counter: script, direction (in, out)
WS_BYTES = "hoody_exec_websocket_bytes"  # counter: script, direction
WS_CLOSES = "hoody_exec_websocket_closes"  # counter: script, code
WS_DROPPED = "hoody_exec_websocket_dropped"  # counter: script
SCHEDULE_RUNS = "hoody_exec_schedule_runs"  # counter: script, outcome
SCHEDULE_LATENESS = "hoody_exec_schedule_lateness_seconds"  # histogram: script

_HELP = {
    REQUESTS: "Script requests answered, by status class.",
    ERRORS: "Script requests that failed (timeouts, limits, errors thrown, load errors).",
    DURATION: "Script request duration from arrival to the last byte, by isolate temperature.",
    ISOLATE_WAIT: "Seconds script requests waited for their isolate (a pool that ran dry).",
    IN_FLIGHT: "Script requests in flight in the worker process (sampled).",
    ISOLATES: "Live V8 isolates of the worker process by kind (sampled).",
    RSS: "Resident memory of the worker process (sampled).",
    V8_HEAP: "V8 heap used by idle worker-mode isolates of the process (sampled).",
    STARTED: "Start time of the worker process (UNIX seconds).",
    REPLACEMENTS: "Worker processes that died unasked and were replaced, by cause.",
    AI_TOKENS: "Tokens used at the AI gateway (as its answers report them), by script and model.",
    WS_OPEN: "Open WebSocket connections of @websocket scripts (sampled).",
    WS_MESSAGES: "WebSocket messages received (in) and sent (out).",
    WS_BYTES: "WebSocket message bytes received (in) and sent (out).",
    WS_CLOSES: "WebSocket connections closed, by close code.",
    WS_DROPPED: "Broadcast messages dropped for a socket whose send buffer was full.",
    SCHEDULE_RUNS: "Scheduled and manual runs of @schedule scripts, by outcome "
    "(ok, error, timeout, skipped).",
    SCHEDULE_LATENESS: "How late scheduled runs started after their scheduled time.",
}

TIMEOUT_REASONS = frozenset({"timeout_exceeded", "stream_timeout"})


# ---------------------------------------------------------------- run folder
def prepare_run_dir(root: Path, owner: int | None = None) -> Path:
    """A fresh run folder for the server process `owner` (this one by default).

    Called by `hoody-exec serve` before the workers start; folders left by servers
    that are gone are removed, the folders of servers still running are kept.
    """
    owner = os.getpid() if owner is None else owner
    base = root / METRICS_DIR
    base.mkdir(parents=True, exist_ok=True)
    for child in base.iterdir():
        if child.is_dir() and child.name.isdigit() and not _alive(int(child.name)):
            shutil.rmtree(child, ignore_errors=True)
    run = base / str(owner)
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir()
    _write_json(run / SERVER_FILE, {"pid": owner, "started_at": time.time()})
    return run


def run_dir_for() -> Path:
    """This process's run folder: the serve process's; otherwise (`hoody-exec run`,
    an app built directly: one process) a temporary folder removed at exit, so
    nothing is left in the scripts folder."""
    configured = os.environ.get(RUN_DIR_ENV)
    if configured and Path(configured).is_dir():
        return Path(configured)
    run = Path(tempfile.mkdtemp(prefix="hoody-exec-metrics-"))
    atexit.register(shutil.rmtree, run, ignore_errors=True)
    _write_json(run / SERVER_FILE, {"pid": os.getpid(), "started_at": time.time()})
    return run


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _histogram_keys(metric: str, names: list[str], values: list[str]) -> tuple[list[str], str]:
    """The bucket keys (up to +Inf) and the sum key of one histogram series."""
    buckets = [
        mmap_key(metric, metric + "_bucket", [*names, "le"], [*values, le], _HELP[metric])
        for le in _LE
    ]
    return buckets, mmap_key(metric, metric + "_sum", names, values, _HELP[metric])


def _write_json(path: Path, data: object) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def _read_rss() -> int | None:
    try:
        with open("/proc/self/statm", "rb") as statm:
            fields = statm.read().split()
        return int(fields[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


# ---------------------------------------------------------------- writer
class _File:
    """One metrics file of this process; values kept in a dict, written through."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file: MmapedDict | None = MmapedDict(str(path))
        # NOTE: a reused pid finds the file of a dead process: its counts continue.
        self.values: dict[str, float] = {k: v for k, v, _ in self.file.read_all_values()}
        self._failed = False

    def inc(self, key: str, amount: float = 1.0) -> None:
        value = self.values.get(key, 0.0) + amount
        self.values[key] = value
        self._write(key, value)

    def set(self, key: str, value: float) -> None:
        if self.values.get(key) != value:
            self.values[key] = value
            self._write(key, value)

    def _write(self, key: str, value: float) -> None:
        # Metrics must never fail a request: a full disk (the file grows when a new
        # series appears) or a request ending after shutdown closed the file.
        if self.file is None:
            return
        try:
            self.file.write_value(key, value, 0.0)
        except (OSError, ValueError) as error:
            if not self._failed:
                self._failed = True
                log.warning("metrics file not writable", file=str(self.path), error=str(error))

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


class ServerCounters:
    """The serve process's own counters (it answers no request): worker replacements.

    Its file sits beside the workers' and is merged the same way; opened at the
    first count, so a server whose workers never died has none.
    """

    def __init__(self, run_dir: Path) -> None:
        self.dir = run_dir
        self._file: _File | None = None

    def replaced(self, cause: str) -> None:
        if self._file is None:
            self._file = _File(self.dir / f"counter_{os.getpid()}.db")
        key = mmap_key(
            REPLACEMENTS, REPLACEMENTS + "_total", ["cause"], [cause], _HELP[REPLACEMENTS]
        )
        self._file.inc(key)


@dataclass
class ActiveRequest:
    """What the in-flight table holds for one request (the Request fills it in)."""

    rid: str
    method: str
    path: str
    script: str
    started_at: float  # UNIX time
    started: float  # time.monotonic() at arrival
    mode: str | None = None
    # Stops the request (monitor/cancel-request): reason → False if it is already
    # sending its answer.
    stop: Callable[[str], bool] | None = field(default=None, repr=False)


class SocketTotals(Protocol):
    messages_in: dict[str, int]
    messages_out: dict[str, int]
    bytes_in: dict[str, int]
    bytes_out: dict[str, int]
    closes: dict[tuple[str, int], int]
    dropped: dict[str, int]


class SocketSource(Protocol):
    """What the monitor reads of server/websockets' SocketHub."""

    counters: SocketTotals
    version: int

    @property
    def by_script(self) -> Mapping[str, Sized]: ...
    def listing(self) -> list[dict[str, Any]]: ...


class IsolateSource(Protocol):
    """What the sampler asks of the runtime (which it does not import: the server
    and the runtime call observability, never the other way)."""

    def isolate_counts(self) -> dict[str, int]: ...

    def idle_worker_isolates(self) -> list[Any]: ...


class Monitor:
    """This process's request metrics, in-flight table and sampler."""

    def __init__(self, runtime: IsolateSource) -> None:
        self.dir = run_dir_for()
        self.runtime = runtime
        self.pid = os.getpid()
        self.started_at = time.time()
        # Live gauges of a dead process that had our pid must not count as ours.
        mark_process_dead(self.pid, str(self.dir))
        self._counters = _File(self.dir / f"counter_{self.pid}.db")
        self._histograms = _File(self.dir / f"histogram_{self.pid}.db")
        self._gauges = _File(self.dir / f"gauge_liveall_{self.pid}.db")
        self._keys: dict[tuple[str, ...], str] = {}
        self._buckets: dict[tuple[str, str, str], tuple[list[str], str]] = {}
        self.active: dict[str, ActiveRequest] = {}
        self._active_version = 0
        self._active_written = -1
        self._heap_bytes: int | None = None
        self._heap_task: asyncio.Task[int | None] | None = None
        self._sampler: asyncio.Task[None] | None = None
        # This process's WebSockets (server/websockets), set by the app.
        self.sockets: SocketSource | None = None
        self._socket_scripts: set[str] = set()
        self._gauges.set(self._gauge_key(STARTED), self.started_at)

    # ------------------------------------------------------------ per request
    def begin(self, entry: ActiveRequest) -> None:
        self.active[entry.rid] = entry
        self._active_version += 1

    def finish(
        self,
        rid: str,
        script: str,
        mode: str,
        status: int,
        isolate: str,
        reason: str | None,
        duration_s: float,
        isolate_wait_s: float = 0.0,
    ) -> None:
        """Count one finished request: a few dict lookups and mmap writes."""
        if self.active.pop(rid, None) is not None:
            self._active_version += 1
        status_class = f"{status // 100}xx"
        key = self._keys.get((REQUESTS, script, mode, status_class))
        if key is None:
            key = self._key(REQUESTS, "_total", script=script, mode=mode, status=status_class)
            self._keys[(REQUESTS, script, mode, status_class)] = key
        self._counters.inc(key)
        if reason is not None:
            key = self._keys.get((ERRORS, script, mode, reason))
            if key is None:
                key = self._key(ERRORS, "_total", script=script, mode=mode, reason=reason)
                self._keys[(ERRORS, script, mode, reason)] = key
            self._counters.inc(key)
        if isolate_wait_s > 0:
            key = self._keys.get((ISOLATE_WAIT, script, mode))
            if key is None:
                key = self._key(ISOLATE_WAIT, "_total", script=script, mode=mode)
                self._keys[(ISOLATE_WAIT, script, mode)] = key
            self._counters.inc(key, isolate_wait_s)
        found = self._buckets.get((script, mode, isolate))
        if found is None:
            found = _histogram_keys(
                DURATION, ["script", "mode", "isolate"], [script, mode, isolate]
            )
            self._buckets[(script, mode, isolate)] = found
            # Every bucket (up to +Inf) is exported from the first observation on,
            # as the exposition format expects.
            for key in (*found[0], found[1]):
                self._histograms.inc(key, 0.0)
        buckets, sum_key = found
        self._histograms.inc(buckets[bisect.bisect_left(BOUNDS, duration_s)])
        self._histograms.inc(sum_key, duration_s)

    def schedule_run(self, script: str, outcome: str, lateness_s: float | None) -> None:
        """Count one run of a @schedule script (and, if it started, its lateness)."""
        self._counters.inc(self._key(SCHEDULE_RUNS, "_total", script=script, outcome=outcome))
        if lateness_s is None:
            return
        buckets, sum_key = _histogram_keys(SCHEDULE_LATENESS, ["script"], [script])
        for key in buckets:
            self._histograms.inc(key, 0.0)
        late = max(lateness_s, 0.0)
        self._histograms.inc(buckets[bisect.bisect_left(BOUNDS, late)])
        self._histograms.inc(sum_key, late)

    def ai_tokens(self, script: str, model: str, prompt: int, completion: int) -> None:
        """Count the tokens one answer of the AI gateway reported."""
        for kind, amount in (("prompt", prompt), ("completion", completion)):
            key = self._keys.get((AI_TOKENS, script, model, kind))
            if key is None:
                key = self._key(AI_TOKENS, "_total", script=script, model=model, kind=kind)
                self._keys[(AI_TOKENS, script, model, kind)] = key
            self._counters.inc(key, float(amount))

    def _key(self, metric: str, suffix: str, **labels: str) -> str:
        return mmap_key(metric, metric + suffix, list(labels), list(labels.values()), _HELP[metric])

    def _gauge_key(self, metric: str, **labels: str) -> str:
        return mmap_key(metric, metric, list(labels), list(labels.values()), _HELP[metric])

    # ------------------------------------------------------------ sampler
    def start(self) -> None:
        self.sample()
        self._sampler = asyncio.get_running_loop().create_task(self._sample_forever())

    async def stop(self) -> None:
        if self._sampler is not None:
            self._sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sampler
        self.close()

    def close(self) -> None:
        # This process no longer exists as far as the live figures go; its counts stay.
        mark_process_dead(self.pid, str(self.dir))
        with contextlib.suppress(OSError):
            (self.dir / f"active_{self.pid}.json").unlink()
        for item in (self._counters, self._histograms, self._gauges):
            item.close()

    async def _sample_forever(self) -> None:
        while True:
            await asyncio.sleep(SAMPLE_INTERVAL_S)
            try:
                self.sample()
                self._sample_heap()
            except Exception:  # a failed sample must not end sampling
                log.exception("metrics sample failed")

    def sample(self) -> None:
        """Refresh this process's live gauges and its in-flight file."""
        gauges = self._gauges
        gauges.set(self._gauge_key(IN_FLIGHT), float(len(self.active)))
        for kind, count in self.runtime.isolate_counts().items():
            gauges.set(self._gauge_key(ISOLATES, kind=kind), float(count))
        rss = _read_rss()
        if rss is not None:
            gauges.set(self._gauge_key(RSS), float(rss))
        if self._heap_bytes is not None:
            gauges.set(self._gauge_key(V8_HEAP), float(self._heap_bytes))
        version = self._active_version
        if self.sockets is not None:
            self._sample_sockets(self.sockets)
            version += self.sockets.version
        if self._active_written != version:
            self._active_written = version
            _write_json(
                self.dir / f"active_{self.pid}.json",
                {
                    "pid": self.pid,
                    "written_at": time.time(),
                    "requests": self.active_list(),
                    "sockets": self.socket_list(),
                },
            )

    def _sample_sockets(self, source: SocketSource) -> None:
        counters, gauges = self._counters, self._gauges
        totals = source.counters
        for direction, messages, sizes in (
            ("in", totals.messages_in, totals.bytes_in),
            ("out", totals.messages_out, totals.bytes_out),
        ):
            for script, count in messages.items():
                labels = {"script": script, "direction": direction}
                counters.set(self._key(WS_MESSAGES, "_total", **labels), float(count))
                counters.set(self._key(WS_BYTES, "_total", **labels), float(sizes.get(script, 0)))
        for (script, code), count in totals.closes.items():
            counters.set(self._key(WS_CLOSES, "_total", script=script, code=str(code)), count)
        for script, count in totals.dropped.items():
            counters.set(self._key(WS_DROPPED, "_total", script=script), float(count))
        open_now = {script: len(group) for script, group in source.by_script.items()}
        self._socket_scripts |= set(open_now)
        for script in self._socket_scripts:
            gauges.set(self._gauge_key(WS_OPEN, script=script), float(open_now.get(script, 0)))

    def socket_list(self) -> list[dict[str, Any]]:
        if self.sockets is None:
            return []
        return [{**item, "pid": self.pid} for item in self.sockets.listing()]

    def _sample_heap(self) -> None:
        """Ask idle worker isolates for their heap, off the event loop.

        NOTE: heap_stats waits for the isolate's thread, so only isolates with no
        call in flight are asked, and a new round starts only after the last one.
        """
        task = self._heap_task
        if task is not None and not task.done():
            return
        if task is not None and task.exception() is None:
            self._heap_bytes = task.result()
        isolates = self.runtime.idle_worker_isolates()
        self._heap_task = asyncio.get_running_loop().create_task(
            asyncio.to_thread(_heap_used, isolates)
        )

    def active_list(self) -> list[dict[str, Any]]:
        now = time.monotonic()
        return [
            {
                "request_id": entry.rid,
                "method": entry.method,
                "path": entry.path,
                "script": entry.script,
                "mode": entry.mode,
                "started_at": entry.started_at,
                "elapsed_ms": round((now - entry.started) * 1000, 1),
                "pid": self.pid,
            }
            for entry in list(self.active.values())
        ]

    # ------------------------------------------------------------ reading
    def prometheus_text(self) -> bytes:
        """Every process's metrics in the Prometheus text format (0.0.4).

        Reads files (call it off the event loop, after `sample()` on it)."""
        self._reap()
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(self.dir))
        return generate_latest(registry)

    def collect(self) -> Figures:
        """Every process's figures, merged (off the event loop, as above)."""
        self._reap()
        files = glob.glob(os.path.join(self.dir, "*.db"))
        metrics = MultiProcessCollector.merge(files, accumulate=False)
        return Figures.from_metrics(metrics)

    def other_active(self) -> list[dict[str, Any]]:
        """The in-flight tables other live processes wrote at their last sample."""
        return self._others("requests")

    def other_sockets(self) -> list[dict[str, Any]]:
        """The open WebSockets other live processes listed at their last sample."""
        return self._others("sockets")

    def _others(self, table: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for path in self.dir.glob("active_*.json"):
            pid = int(path.stem.removeprefix("active_") or 0)
            if pid == self.pid or not _alive(pid):
                continue
            try:
                data = json.loads(path.read_text())
            except (OSError, ValueError):
                continue  # replaced or removed while we read it
            now = time.time()
            for item in data.get(table, []):
                if table == "requests":
                    item["elapsed_ms"] = round((now - item["started_at"]) * 1000, 1)
                item["as_of"] = data.get("written_at")
                found.append(item)
        return found

    def server_started_at(self) -> float:
        try:
            return float(json.loads((self.dir / SERVER_FILE).read_text())["started_at"])
        except (OSError, ValueError, KeyError, TypeError):
            return self.started_at

    def _reap(self) -> None:
        """Forget the live figures of worker processes that exited (a crash, a
        restart): their counters stay, their gauges and in-flight file go."""
        for path in glob.glob(os.path.join(self.dir, "gauge_liveall_*.db")):
            pid = int(os.path.basename(path)[len("gauge_liveall_") : -3])
            if pid != self.pid and not _alive(pid):
                mark_process_dead(pid, str(self.dir))
                with contextlib.suppress(OSError):
                    (self.dir / f"active_{pid}.json").unlink()


def _heap_used(isolates: Iterable[Any]) -> int | None:
    total = 0
    for isolate in isolates:
        try:
            total += int(isolate.heap_stats().get("used_heap_size", 0))
        except Exception:  # closed or terminated meanwhile
            continue
    return total


# ---------------------------------------------------------------- figures
@dataclass
class Histogram:
    counts: list[float] = field(default_factory=lambda: [0.0] * (len(BOUNDS) + 1))
    total_s: float = 0.0

    @property
    def count(self) -> int:
        return int(sum(self.counts))

    def add(self, other: Histogram) -> None:
        self.counts = [a + b for a, b in zip(self.counts, other.counts, strict=True)]
        self.total_s += other.total_s

    def quantile(self, q: float) -> float | None:
        """Seconds, interpolated linearly inside the bucket holding rank q·count
        (as Prometheus' histogram_quantile); None without observations. Past the
        last finite bound it answers that bound."""
        total = sum(self.counts)
        if total <= 0:
            return None
        rank = q * total
        seen = 0.0
        for index, count in enumerate(self.counts):
            if count and seen + count >= rank:
                if index == len(BOUNDS):
                    return BOUNDS[-1]
                lower = BOUNDS[index - 1] if index else 0.0
                upper = BOUNDS[index]
                return lower + (upper - lower) * max(rank - seen, 0.0) / count
            seen += count
        return BOUNDS[-1]


@dataclass
class ScriptFigures:
    script: str
    modes: set[str] = field(default_factory=set)
    status: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    latency: dict[str, Histogram] = field(default_factory=dict)  # cold, warm, none

    @property
    def requests(self) -> int:
        return sum(self.status.values())

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def timeouts(self) -> int:
        return sum(n for reason, n in self.errors.items() if reason in TIMEOUT_REASONS)

    def overall(self) -> Histogram:
        merged = Histogram()
        for histogram in self.latency.values():
            merged.add(histogram)
        return merged


@dataclass
class ProcessFigures:
    pid: int
    in_flight: int = 0
    isolates: dict[str, int] = field(default_factory=dict)
    rss_bytes: int | None = None
    v8_heap_used_bytes: int | None = None
    started_at: float | None = None


@dataclass
class Figures:
    scripts: dict[str, ScriptFigures]
    processes: dict[int, ProcessFigures]
    replacements: dict[str, int] = field(default_factory=dict)  # by cause

    @classmethod
    def from_metrics(cls, metrics: Iterable[Any]) -> Figures:
        scripts: dict[str, ScriptFigures] = {}
        processes: dict[int, ProcessFigures] = {}
        replacements: dict[str, int] = {}

        def script_of(labels: dict[str, str]) -> ScriptFigures:
            name = labels["script"]
            found = scripts.get(name)
            if found is None:
                found = scripts[name] = ScriptFigures(name)
            found.modes.add(labels["mode"])
            return found

        for metric in metrics:
            for sample in metric.samples:
                labels = sample.labels
                if metric.name == REQUESTS:
                    figures = script_of(labels)
                    status = labels["status"]
                    figures.status[status] = figures.status.get(status, 0) + int(sample.value)
                elif metric.name == ERRORS:
                    figures = script_of(labels)
                    reason = labels["reason"]
                    figures.errors[reason] = figures.errors.get(reason, 0) + int(sample.value)
                elif metric.name == DURATION:
                    figures = script_of(labels)
                    histogram = figures.latency.setdefault(labels["isolate"], Histogram())
                    if sample.name.endswith("_sum"):
                        histogram.total_s += sample.value
                    elif "le" in labels:
                        index = _LE.index(labels["le"])
                        histogram.counts[index] += sample.value
                elif metric.name == REPLACEMENTS:
                    cause = labels["cause"]
                    replacements[cause] = replacements.get(cause, 0) + int(sample.value)
                elif "pid" in labels:
                    pid = int(labels["pid"])
                    process = processes.setdefault(pid, ProcessFigures(pid))
                    _gauge_into(process, metric.name, labels, sample.value)
        return cls(scripts, processes, replacements)


def _gauge_into(process: ProcessFigures, name: str, labels: dict[str, str], value: float) -> None:
    if name == IN_FLIGHT:
        process.in_flight = int(value)
    elif name == ISOLATES:
        process.isolates[labels["kind"]] = int(value)
    elif name == RSS:
        process.rss_bytes = int(value)
    elif name == V8_HEAP:
        process.v8_heap_used_bytes = int(value)
    elif name == STARTED:
        process.started_at = value
