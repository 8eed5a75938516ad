"""The ASGI application: request → route → script → policies → runtime → response.

Plain ASGI (Granian runs it). The event loop never runs JavaScript: the runtime
awaits futures the engine completes from its isolate threads.
"""

from __future__ import annotations

import asyncio
import gc
import os
import secrets
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from hoody_exec.config import ServerConfig
from hoody_exec.observability import LogPolicy, get_logger, redact_headers, redact_query
from hoody_exec.observability.logging import flush_logs, log_line, truncate_body
from hoody_exec.observability.metrics import ActiveRequest, Monitor
from hoody_exec.routing import RESERVED_PREFIX, LiveRoutes, RouteMatch
from hoody_exec.routing.table import OUTSIDE_REASON, leads_outside
from hoody_exec.runtime.budget import MIB, default_budget_mb
from hoody_exec.runtime.clearing import ClearSignal
from hoody_exec.runtime.engine import RunResult, Runtime
from hoody_exec.runtime.limits import (
    CANCELLED,
    CLIENT_CLOSED,
    RequestStopped,
    ScriptFailure,
    ScriptLoadFailed,
    ai_not_configured,
    body_timeout_exceeded,
    failure_reason,
)
from hoody_exec.runtime.loader import LoadedScript
from hoody_exec.runtime.protocol import AiSettings, CallRequest
from hoody_exec.runtime.streams import StreamedBody, StreamFailed
from hoody_exec.runtime.streams import close_all as close_streams
from hoody_exec.scripts import load_allowed_env
from hoody_exec.server import body as bodies
from hoody_exec.server import instances
from hoody_exec.server.asgi import (
    JSON_HEADERS,
    ASGIApp,
    BodyTimeout,
    BodyTooLarge,
    Headers,
    Receive,
    Scope,
    Send,
    cookies_of,
    declared_length,
    disconnected,
    header_list,
    json_body,
    may_have_body,
    parse_query,
    read_body,
    send_head,
    send_response,
)
from hoody_exec.server.auth import CHALLENGE, token_matches
from hoody_exec.server.cancel import CancelInbox
from hoody_exec.server.cors import cors_headers, is_preflight, preflight_headers
from hoody_exec.server.late import LateStart
from hoody_exec.server.reload import Watcher
from hoody_exec.server.websockets import (
    SocketHub,
    SocketLimits,
    close_sockets_first,
    serve_websocket,
)
from hoody_exec.webapi import egress, gateway, gateway_usage

if TYPE_CHECKING:
    from hoody_exec.schedules.scheduler import Scheduler

log = get_logger("hoody_exec.server")

# Seconds between a request's re-checks of a script's files when no watcher runs.
RECHECK_S = 0.05


class HoodyApp:
    def __init__(self, config: ServerConfig, *, management: ASGIApp | None = None) -> None:
        self.config = config
        self.root = config.root_path.resolve()
        self.routes = LiveRoutes(self.root)
        self.gateway = gateway.from_settings(
            config.ai_base_url, config.ai_api_key_env, config.ai_model
        )
        gateway.configure(self.gateway)
        # The AI gateway is always reachable, wherever it lives (loopback included).
        allow = (
            (*config.allow_fetch, self.gateway.allowance) if self.gateway else config.allow_fetch
        )
        egress.configure(egress.EgressPolicy.for_server(allow, host=config.host, port=config.port))
        budget_mb = config.isolate_memory_budget_mb or default_budget_mb(
            config.workers, config.memory_limit_mb, config.pool_size
        )
        self.runtime = Runtime(
            self.root,
            env=self._allowed_env(),
            memory_limit=config.memory_limit_mb * 1024 * 1024,
            cpu_limit_ms=config.cpu_limit_ms,
            pool_size=config.pool_size,
            max_queue=config.max_queue,
            memory_budget=budget_mb * MIB,
            budget_wait_s=config.isolate_memory_wait_s,
            primed_isolates=config.primed_isolates,
        )
        self.monitor = Monitor(self.runtime)
        # Tokens each request used at the AI gateway, until its log line is written.
        self.ai_usage: dict[str, dict[str, dict[str, int]]] = {}
        gateway_usage.set_sink(self._count_ai_usage)
        self.sockets = SocketHub(SocketLimits.from_config(config))
        self.sockets.register_host_ops(self.runtime.registry)
        self.runtime.on_worker_end = self.sockets.on_worker_end
        self.monitor.sockets = self.sockets
        self.clear_signal = ClearSignal(self.monitor.dir, self.runtime, processes=config.workers)
        self.cancels = CancelInbox(
            self.monitor.dir,
            cancel=lambda rid: self.cancel(rid) is True,
            busy=lambda: bool(self.monitor.active),
        )
        # The management API (its own issue) mounts here; until then 404 JSON.
        self.management = management
        # `@schedule` runs (set by the server factory; `hoody-exec run` has none).
        self.scheduler: Scheduler | None = None
        self.late = LateStart()
        self.watcher: Watcher | None = None
        # Whether requests look at the files themselves (see _follow_files).
        self._check_files = False
        self._follow_files(watching=False)
        self.heartbeat: instances.Heartbeat | None = None
        self._started = False
        self.started_at = time.time()

    def _count_ai_usage(self, usage: gateway_usage.Usage) -> None:
        self.monitor.ai_tokens(
            usage.script, usage.model, usage.prompt_tokens, usage.completion_tokens
        )
        if usage.request_id is None or usage.request_id not in self.monitor.active:
            return
        per_model = self.ai_usage.setdefault(usage.request_id, {})
        # NOTE: not "…_tokens": the redactor hides fields named like credentials.
        counts = per_model.setdefault(usage.model, {"prompt": 0, "completion": 0})
        counts["prompt"] += usage.prompt_tokens
        counts["completion"] += usage.completion_tokens

    def _allowed_env(self) -> dict[str, str]:
        """The variables scripts may read, never holding the AI gateway's key."""
        env = load_allowed_env(self.root, self.config.env_names)
        key = self.gateway.api_key if self.gateway is not None else None
        hidden = [n for n, v in env.items() if n == self.config.ai_api_key_env or v == key]
        for name in hidden:
            log.warning(
                "an allowed variable holds the AI gateway's key; scripts do not get it",
                variable=name,
            )
            del env[name]
        return env

    # ------------------------------------------------------------ ASGI entry
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            if not self._started:
                await self.startup()
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            if not self._started:
                await self.startup()
            await serve_websocket(self, scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.startup()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def startup(self) -> None:
        """Runs in each worker process after Granian forked it: V8 may start now."""
        if self._started:
            return
        self._started = True
        if self.config.reload:
            self.watcher = Watcher(
                self.root, self.on_changes, lambda: self._follow_files(watching=False)
            )
            self.watcher.start()
            self._follow_files(watching=True)
        record = instances.current()
        if record is not None:  # started by `hoody-exec serve`: keep its entry fresh
            self.heartbeat = instances.Heartbeat(self.root, record)
            self.heartbeat.start()
        # Fill the isolate pool off the request path.
        await asyncio.to_thread(self.runtime.pool)
        budget = self.runtime.budget
        log.info(
            "isolate memory budget",
            budget_mb=budget.budget_bytes // MIB,
            isolate_cap_mb=budget.cap_bytes // MIB,
            pool_size=budget.pool_size,
            primed_isolates=budget.primed,
            isolates_for_requests=budget.slots,
        )
        self.monitor.start()
        close_sockets_first(self.sockets)
        if self.config.workers > 1:  # nobody else can send cancels to a single process
            self.cancels.start()
        if self.scheduler is not None:
            self.scheduler.start()
        # NOTE: what exists now (modules, the app, the management API's models) lives
        # as long as the process. Frozen, the collector no longer walks it in every
        # full collection, which under load took a fifth of a worker-mode request.
        gc.collect()
        gc.freeze()

    async def shutdown(self) -> None:
        if self.scheduler is not None:
            await self.scheduler.stop()
        await close_streams("the server is shutting down")
        await self.sockets.shutdown("the server is shutting down")
        await self.late.stop()
        if self.watcher is not None:
            await self.watcher.stop()
        if self.heartbeat is not None:
            await self.heartbeat.stop()
        await self.cancels.stop()
        await self.runtime.aclose()
        await self.monitor.stop()
        flush_logs()

    def _follow_files(self, *, watching: bool) -> None:
        """How saved files reach the routes and the bundles.

        NOTE: a file-system call per request (stat of every input of the script, a
        realpath, an is_file) is a tenth of a worker-mode request, so requests make
        none while the watcher's events cover changes, nor with `--no-reload`
        (which follows nothing: only the management API's own writes apply). A
        server that wants changes but has no watcher re-checks, time-bounded.
        """
        reload = self.config.reload
        self.routes.follow = reload
        self.runtime.loader.recheck_s = None if watching or not reload else RECHECK_S
        self._check_files = reload and not watching

    def cancel(self, rid: str) -> bool | None:
        """Stop this process's request `rid`: True if it was stopped, False if it is
        already sending its answer, None if no such request runs here."""
        entry = self.monitor.active.get(rid)
        if entry is None or entry.stop is None:
            return None
        return entry.stop(CANCELLED)

    def on_changes(self, paths: set[Path]) -> None:
        """watchfiles events (this process): routes, caches, env, eager bundles."""
        if any(path.name == ".env" for path in paths):
            self.runtime.loader.set_env(self._allowed_env())
        self.routes.apply_changes(paths)
        affected = self.runtime.loader.invalidate(paths)
        self.runtime.forget(affected)
        for file in affected:
            if self.sockets.count(file):
                asyncio.get_running_loop().create_task(self._restart_sockets(file))
        for path in paths:
            try:
                relative = path.resolve().relative_to(self.root).as_posix()
            except ValueError:
                continue
            if self.routes.table.by_file(relative) is not None and path.exists():
                self.runtime.loader.preload(relative)
        if self.scheduler is not None:
            self.scheduler.on_changes(paths)

    async def _restart_sockets(self, file: str) -> None:
        """A script with open sockets changed: once its new program differs (a save
        that changes nothing keeps them), its worker isolate is retired, which closes
        them with 1012 (server/websockets/hub.py)."""
        try:
            script = await self.runtime.loader.load(file)
        except ScriptFailure:
            script = None
        self.runtime.retire_changed(file, None if script is None else script.hash)

    # ------------------------------------------------------------ HTTP
    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        if path == RESERVED_PREFIX or path.startswith(RESERVED_PREFIX + "/"):
            await self._reserved(scope, receive, send)
            return
        if scope["method"].upper() in REFUSED_METHODS:
            await _method_refused(send, scope["method"], path)
            return
        started = time.monotonic()
        found = self.routes.table.resolve(path)
        if not isinstance(found, RouteMatch) and self.routes.rescan_if_stale():
            found = self.routes.table.resolve(path)
        if not isinstance(found, RouteMatch):
            body = {"error": found.error, "message": found.reason, "path": path}
            await _json(send, found.status, body)
            return
        if self._check_files and leads_outside(self.root, found.route.file):
            # Made a link after the last scan: refused as the scan would have.
            self.routes.rebuild()
            body = {"error": "forbidden_path", "message": OUTSIDE_REASON, "path": path}
            await _json(send, 403, body)
            return
        if self._check_files and not (self.root / found.route.file).is_file():
            # Deleted a moment ago and the watcher has not told us yet.
            self.routes.rebuild()
            await _json(
                send, 404, {"error": "not_found", "message": "the script was removed", "path": path}
            )
            return
        await Request(self, scope, receive, send, found, started).handle()

    async def _reserved(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The management API serves its own (richer) health; this one is the fallback.
        health = scope["path"] == f"{RESERVED_PREFIX}/health"
        if health and self.management is None and scope["method"] in ("GET", "HEAD"):
            await _json(
                send,
                200,
                {
                    "status": "ok",
                    "pid": os.getpid(),
                    "uptime_s": round(time.time() - self.started_at, 3),
                    "routes": len(self.routes.table),
                    "active_requests": self.runtime.active_calls,
                },
            )
            return
        if self.management is not None:
            await self.management(scope, receive, send)
            return
        await _json(
            send,
            404,
            {"error": "not_found", "message": "no such management endpoint", "path": scope["path"]},
        )


# NOTE: the Fetch standard forbids these methods (`new Request` throws on them), so
# no script could ever see one. TRACE and TRACK echo the request back, which lets
# a page read cookies it may not (cross-site tracing); CONNECT asks for a tunnel,
# which this is not. Most servers refuse them the same way. Any other method,
# standard or not (PROPFIND, PURGE…), reaches the script.
REFUSED_METHODS = frozenset({"CONNECT", "TRACE", "TRACK"})
ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"


async def _method_refused(send: Send, method: str, path: str) -> None:
    await _json(
        send,
        405,
        {
            "error": "method_not_allowed",
            "message": f"{method} is not served: scripts receive every method except "
            "CONNECT, TRACE and TRACK (forbidden by the Fetch standard)",
            "method": method,
            "path": path,
        },
        [("allow", ALLOWED_METHODS)],
    )


async def _json(send: Send, status: int, data: object, headers: Headers | None = None) -> None:
    await send_response(send, status, JSON_HEADERS + (headers or []), json_body(data))


class Request:
    """One HTTP request to a script; holds what the log line reports."""

    def __init__(
        self,
        app: HoodyApp,
        scope: Scope,
        receive: Receive,
        send: Send,
        match: RouteMatch,
        started: float,
    ) -> None:
        self.app = app
        self.scope = scope
        self.receive = receive
        self.send = send
        self.match = match
        self.started = started
        self.rid = secrets.token_hex(8)
        self.method: str = scope["method"]
        self.headers = header_list(scope)
        self.query_string: str = scope.get("query_string", b"").decode("latin-1")
        self.status = 500
        self.policy = LogPolicy()
        self.script: LoadedScript | None = None
        self.result: RunResult | None = None
        self.body = b""
        self.response_body = b""
        self.error: str | None = None
        self.failure: ScriptFailure | None = None
        self.active = ActiveRequest(
            self.rid, self.method, scope["path"], match.route.file, time.time(), started
        )
        self.active.stop = self.stop
        # Why the request is being stopped (CANCELLED, CLIENT_CLOSED), None if not.
        self.stopped: str | None = None
        self._running: asyncio.Task[Any] | None = None  # this task, while the script runs
        self._pump: asyncio.Future[str | None] | None = None  # while a body streams
        self._gone: asyncio.Future[None] | None = None  # resolves when the client left
        self._answering = False  # the response has started going out
        # The server's own request (a scheduled run): `@token` is not asked for.
        self.trusted = False
        self.ai_usage: dict[str, dict[str, int]] | None = None  # tokens per model

    async def handle(self) -> None:
        app = self.app
        app.clear_signal.poll()
        app.monitor.begin(self.active)
        try:
            await self._handle()
        finally:
            if self._gone is not None:
                self._gone.cancel()
            self.active.stop = None  # a cycle (entry ↔ request) left for the collector
            self.ai_usage = app.ai_usage.pop(self.rid, None)
            self._count()
            self._log()

    def stop(self, reason: str) -> bool:
        """Stop the request (CANCELLED: the management API; CLIENT_CLOSED). False
        once its answer is being sent: it is finishing anyway.

        NOTE: the script's run is awaited on this request's own task, so cancelling
        that task (only while it awaits the runtime) unwinds the runtime's waits and
        frees their isolates through the same paths as any other failure.
        """
        if self.stopped is not None:
            return True
        if self._pump is not None:
            self.stopped = reason
            self._pump.cancel()
            return True
        if self._answering:
            return False
        # Still loading (no task to cancel yet): it stops before its script starts.
        self.stopped = reason
        if self._running is not None:
            self._running.cancel()
        return True

    def _watch_connection(self) -> None:
        """Stop the request if its client leaves (started once it runs long)."""
        if self._gone is None and self._running is not None:
            self._gone = asyncio.ensure_future(disconnected(self.receive))
            self._gone.add_done_callback(self._client_left)

    def _client_left(self, gone: asyncio.Future[None]) -> None:
        if not gone.cancelled():
            self.stop(CLIENT_CLOSED)

    def _count(self) -> None:
        script = self.script
        result = self.result
        stream = result.body.outcome if result is not None and result.body is not None else None
        self.app.monitor.finish(
            self.rid,
            self.match.route.file,
            script.magic.mode if script is not None else "unknown",
            self.status,
            # NOTE: a primed isolate counts as warm here (pre-created, as a pool's).
            "none" if result is None else "cold" if result.cold else "warm",
            failure_reason(self.failure, stream),
            time.monotonic() - self.started,
            0.0 if result is None else result.timings.get("isolate", 0.0) / 1000,
        )

    async def _handle(self) -> None:
        file = self.match.route.file
        try:
            script = await self.app.runtime.loader.load(file)
        except ScriptLoadFailed as failure:
            self.error = failure.message
            self.failure = failure
            await self._reply_json(failure.status, failure.to_json(), [])
            return
        self.script = script
        self.active.mode = script.magic.mode
        magic = script.magic
        self.policy = LogPolicy(magic.log_level)
        cors = cors_headers(magic.cors, self.headers)
        if is_preflight(self.method, magic.cors, self.headers):
            await self._reply(204, preflight_headers(magic.cors, self.headers), b"")
            return
        if (
            not self.trusted
            and magic.token_digest is not None
            and not token_matches(magic.token_digest, self.headers, self.query_string)
        ):
            self.error = "missing or wrong token"
            await self._reply_json(
                401,
                {
                    "error": "unauthorized",
                    "message": "this script requires a token: Authorization: Bearer <token>, "
                    "the Basic auth password, X-Token: <token> or ?token=<token>",
                    "script": file,
                },
                [*cors, ("www-authenticate", CHALLENGE)],
            )
            return
        if magic.ai and self.app.gateway is None:
            failure = ai_not_configured(file)
            self.error = failure.message
            self.failure = failure
            await self._reply_json(failure.status, failure.to_json(), cors)
            return
        try:
            self.body = await self._read_body(script)
        except ScriptFailure as failure:
            self.error = failure.message
            self.failure = failure
            await self._reply_json(failure.status, failure.to_json(), cors)
            return
        except BodyTooLarge:
            await self._reply_json(
                413,
                {
                    "error": "body_too_large",
                    "message": f"request bodies are limited to {self.app.config.max_body_mb} MiB",
                    "limit": "body_size",
                    "configured": self.app.config.max_body_mb * 1024 * 1024,
                    "unit": "bytes",
                    "setting": "hoody-exec serve --max-body <MiB>",
                    "script": file,
                },
                cors,
            )
            return
        if self.stopped is not None:
            await self._stopped_run(script, cors, started=False)
            return
        self.app.late.add(self, self._watch_connection)
        task = self._running = asyncio.current_task()
        try:
            self.result = await self.app.runtime.run(
                script, self._call(script), started=self.started, policy=self.policy
            )
        except ScriptFailure as failure:
            self._running = None
            self.error = failure.message
            self.failure = failure
            await self._reply_json(failure.status, failure.to_json(), [*failure.headers, *cors])
            return
        except asyncio.CancelledError:
            # Our own stop() is ours to handle; anyone else's (shutdown) goes on.
            if self.stopped is None or (task is not None and task.uncancel() > 0):
                raise
            self._running = None
            await self._stopped_run(script, cors, started=True)
            return
        finally:
            self._running = None
            self.app.late.discard(self)
        response = self.result.response
        # NOTE: a script returning a fetched Response would pass the inner server's
        # request id along; the id of this request replaces it.
        own = [(k, v) for k, v in response.headers if k.lower() != "x-request-id"]
        headers = [*own, *cors, ("x-request-id", self.rid)]
        if self.result.body is not None:
            await self._stream_reply(response.status, headers, self.result.body)
            return
        await self._reply(response.status, headers, response.body_bytes())

    async def _stopped_run(self, script: LoadedScript, cors: Headers, *, started: bool) -> None:
        """The script's run was stopped by stop(): its serverless isolate is gone."""
        reason = self.stopped or CANCELLED
        worker = script.magic.mode == "worker"
        if not started:
            message = f"request {self.rid} to {script.file} was cancelled before its script ran"
        elif reason == CLIENT_CLOSED:
            # NOTE: a worker isolate is shared: one client leaving only drops its request.
            what = (
                "the request was dropped (the worker isolate lives on)"
                if worker
                else ("its JavaScript was stopped and its isolate freed")
            )
            message = f"the client closed the connection while {script.file} ran; {what}"
        else:
            what = "the request was dropped"
            if worker and await self.app.runtime.end_busy_worker(
                script.file, f"request {self.rid} was cancelled while its JavaScript ran"
            ):
                what = "the worker isolate, busy running JavaScript, was terminated"
            elif not worker:
                what = "its JavaScript was stopped and its isolate freed"
            message = (
                f"request {self.rid} to {script.file} was cancelled through the management "
                f"API (monitor/cancel-request); {what}"
            )
        failure = RequestStopped(message, script=script.file, reason=reason, rid=self.rid)
        self.failure = failure
        self.error = message
        log.warning(
            "request stopped",
            request_id=self.rid,
            script=script.file,
            reason="client closed the connection" if reason == CLIENT_CLOSED else "cancelled",
        )
        if reason == CLIENT_CLOSED:
            self.status = failure.status  # nobody to answer
            return
        await self._reply_json(failure.status, failure.to_json(), cors)

    async def _read_body(self, script: LoadedScript) -> bytes:
        """The body, within the script's @timeout (its deadline runs from the
        request's arrival) and the server's --body-timeout, whichever ends first."""
        if not may_have_body(self.scope, self.headers):
            return b""
        config = self.app.config
        began = time.monotonic()
        own_deadline = began + config.body_timeout_s
        timeout_ms = script.magic.timeout_ms
        script_deadline = None if timeout_ms is None else self.started + timeout_ms / 1000
        by_script = script_deadline is not None and script_deadline <= own_deadline
        try:
            return await read_body(
                self.receive,
                config.max_body_mb * 1024 * 1024,
                deadline=script_deadline if by_script else own_deadline,
            )
        except BodyTimeout as late:
            since = self.started if by_script else began
            raise body_timeout_exceeded(
                script.file,
                configured_ms=(
                    timeout_ms if by_script and timeout_ms else round(config.body_timeout_s * 1000)
                ),
                waited_ms=round((time.monotonic() - since) * 1000),
                received=late.received,
                expected=declared_length(self.headers),
                by_script_timeout=by_script,
            ) from None

    async def _stream_reply(self, status: int, headers: Headers, body: StreamedBody) -> None:
        """Send a streamed body chunk by chunk while watching for the client leaving."""
        self.status = status
        self._answering = True
        await send_head(self.send, status, headers)
        if self.method == "HEAD":
            await body.cancel()
            await self.send({"type": "http.response.body", "body": b""})
            return
        pump = self._pump = asyncio.ensure_future(self._pump_chunks(body))
        gone = self._gone or asyncio.ensure_future(disconnected(self.receive))
        try:
            await asyncio.wait({pump, gone}, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:
            body.finish("cancelled")  # the server is stopping: free the isolate now
            raise
        finally:
            self._pump = None
            gone.cancel()
            if not pump.done():
                pump.cancel()
                await asyncio.gather(pump, return_exceptions=True)
        if pump.cancelled() or pump.exception() is not None:
            # The client went away, the send failed or the request was cancelled:
            # close the producer.
            if self.stopped == CANCELLED:
                self.error = "cancelled through the management API while the response streamed"
                self.failure = RequestStopped(
                    self.error, script=self.match.route.file, reason=CANCELLED, rid=self.rid
                )
            else:
                self.error = "the client disconnected while the response streamed"
            await body.cancel()
            return
        failure = pump.result()
        if failure is not None:
            self.error = failure
            log.warning(
                "streamed response failed",
                script=self.match.route.file,
                request_id=self.rid,
                error=failure,
            )

    async def _pump_chunks(self, body: StreamedBody) -> str | None:
        """The body's chunks to the client; the failure message if it ends early."""
        send = self.send
        try:
            async for chunk in body.chunks():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except StreamFailed as failure:
            # NOTE: the head is gone. Events are whole, so an event stream ends
            # cleanly (EventSource reconnects); other bodies end without their last
            # chunk, which makes the client see a truncated transfer, not a short file.
            if body.sse:
                await send({"type": "http.response.body", "body": b""})
            return failure.message
        await send({"type": "http.response.body", "body": b""})
        return None

    def _call(self, script: LoadedScript) -> CallRequest:
        content_type = next((v for k, v in self.headers if k == "content-type"), None)
        kind = bodies.classify(content_type, self.body)
        text, is_base64 = bodies.encode_body(kind, self.body)
        form = bodies.parse_form(content_type or "", self.body) if kind == "form" else None
        return CallRequest(
            rid=self.rid,
            script=script.file,
            mode=script.magic.mode,
            method=self.method,
            url=self._url(),
            path=self.scope["path"],
            query=parse_query(self.query_string),
            params=self.match.params,
            headers=self.headers,
            body=text,
            body_base64=is_base64,
            body_kind=kind,
            form=form,
            ip=(self.scope.get("client") or (None,))[0],
            cookies=cookies_of(self.headers),
            env=self.app.runtime.loader.env,
            ai=self._ai_settings(script),
            websocket=script.magic.websocket,
        )

    def _ai_settings(self, script: LoadedScript) -> AiSettings | None:
        found = self.app.gateway
        magic = script.magic
        if not magic.ai or script.ai_sdk is None or found is None:
            return None
        model = magic.ai_model if "ai-model" in magic.explicit else found.default_model
        return AiSettings(base_url=found.base_url, model=model)

    def _url(self) -> str:
        host = next((v for k, v in self.headers if k == "host"), None)
        if host is None:
            server = self.scope.get("server") or ("localhost", None)
            host = server[0] if server[1] in (None, 80, 443) else f"{server[0]}:{server[1]}"
        url = f"{self.scope.get('scheme', 'http')}://{host}{quote(self.scope['path'])}"
        return f"{url}?{self.query_string}" if self.query_string else url

    async def _reply_json(self, status: int, data: object, headers: Headers) -> None:
        await self._reply(
            status, [*JSON_HEADERS, *headers, ("x-request-id", self.rid)], json_body(data)
        )

    async def _reply(self, status: int, headers: Headers, body: bytes) -> None:
        self.status = status
        self.response_body = body
        self._answering = True
        await send_response(self.send, status, headers, body, head=self.method == "HEAD")

    def _log(self) -> None:
        policy = self.policy
        failed = self.status >= 500
        if not (policy.requests or (failed and policy.errors)):
            return
        fields: dict[str, Any] = {
            "request_id": self.rid,
            "method": self.method,
            "route": self.match.route.pattern,
            "script": self.match.route.file,
            "status": self.status,
            "duration_ms": round((time.monotonic() - self.started) * 1000, 2),
        }
        if self.script is not None:
            fields["mode"] = self.script.magic.mode
        if self.result is not None:
            fields["isolate"] = self.result.temperature
            # How long the request waited for its isolate (a serverless pool that
            # ran dry shows here before it shows as latency).
            waited = self.result.timings.get("isolate")
            if waited is not None:
                fields["isolate_wait_ms"] = round(waited, 2)
        if self.error is not None:
            fields["error"] = self.error
        if self.ai_usage is not None:
            fields["ai_usage"] = self.ai_usage
        if policy.payloads:
            fields["query"] = redact_query(self.query_string)
            fields["request_headers"] = redact_headers(self.headers)
            fields["request_body"] = truncate_body(self.body)
            fields["response_body"] = truncate_body(self.response_body)
        if policy.lifecycle and self.result is not None:
            fields["timings_ms"] = {k: round(v, 3) for k, v in self.result.timings.items()}
        log_line("error" if failed else "info", "request", fields)
