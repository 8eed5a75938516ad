"""Errors that end a request early, each able to explain itself as JSON.

SPEC §4: every limit names itself, its configured value, what was measured and
the magic comment or setting that changes it — so nobody has to file an issue to
decode a 504.
"""

from __future__ import annotations

from typing import Any


class ScriptFailure(Exception):
    """A request that ends with an error response instead of the script's result."""

    status: int = 500

    def __init__(
        self, message: str, *, script: str, headers: list[tuple[str, str]] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.script = script
        self.headers = headers or []

    def to_json(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, "script": self.script}

    @property
    def code(self) -> str:
        return "internal_error"


class LimitExceeded(ScriptFailure):
    """A limit stopped the request (timeout, memory cap, queue full)."""

    def __init__(
        self,
        *,
        limit: str,
        status: int,
        message: str,
        script: str,
        configured: int,
        measured: int,
        unit: str,
        setting: str,
        headers: list[tuple[str, str]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, script=script, headers=headers)
        self.limit = limit
        self.status = status
        self.configured = configured
        self.measured = measured
        self.unit = unit
        self.setting = setting
        self.extra = extra or {}

    @property
    def code(self) -> str:
        return f"{self.limit}_exceeded"

    def to_json(self) -> dict[str, Any]:
        return {
            **super().to_json(),
            "limit": self.limit,
            "configured": self.configured,
            "measured": self.measured,
            "unit": self.unit,
            "setting": self.setting,
            **self.extra,
        }


TIMEOUT_SETTING = "// @timeout <milliseconds> at the top of the script (0 or unlimited: no limit)"


# What each phase of a call (runtime/engine.py) was spent on, for the 504 message.
PHASES = {
    "prepare": "loading the script and reading the request",
    "queue": "waiting in the @concurrent queue",
    "isolate": "getting an isolate",
    "load": "evaluating the script",
    "run": "running the script",
}


def timeout_exceeded(
    script: str,
    configured_ms: int,
    elapsed_ms: int,
    phases_ms: dict[str, float],
    terminated: bool,
) -> LimitExceeded:
    """504. `phases_ms`: the time of each phase (PHASES) up to the deadline, so the
    message says where it went: queued behind other calls, or running."""
    stopped = "; its JavaScript was terminated" if terminated else ""
    spent = ", ".join(
        f"{round(ms)} ms {PHASES.get(name, name)}" for name, ms in phases_ms.items() if ms >= 0.5
    )
    return LimitExceeded(
        limit="timeout",
        status=504,
        message=(
            f"{script} did not finish within its timeout of {configured_ms} ms "
            f"(ran {elapsed_ms} ms: {spent or 'nothing measurable'}){stopped}"
        ),
        script=script,
        configured=configured_ms,
        measured=elapsed_ms,
        unit="ms",
        setting=TIMEOUT_SETTING,
        extra={
            "queued_ms": round(phases_ms.get("queue", 0.0)),
            "running_ms": round(phases_ms.get("run", 0.0)),
            "timings_ms": {name: round(ms, 1) for name, ms in phases_ms.items()},
        },
    )


def body_timeout_exceeded(
    script: str | None,
    *,
    configured_ms: int,
    waited_ms: int,
    received: int,
    expected: int | None,
    by_script_timeout: bool,
) -> LimitExceeded:
    """408: the client did not send its request body in time. `by_script_timeout`: the
    script's @timeout (counted from the request's arrival) ran out first, else the
    server's --body-timeout did."""
    got = f"{received} of {expected}" if expected is not None else f"{received}"
    extra = {"received_bytes": received, "expected_bytes": expected}
    if by_script_timeout and script is not None:
        return LimitExceeded(
            limit="timeout",
            status=408,
            message=(
                f"the request body did not arrive within the timeout of {script} "
                f"({configured_ms} ms, counted from the request's arrival): "
                f"{got} bytes received"
            ),
            script=script,
            configured=configured_ms,
            measured=waited_ms,
            unit="ms",
            setting=TIMEOUT_SETTING,
            extra=extra,
        )
    return LimitExceeded(
        limit="body_timeout",
        status=408,
        message=(
            f"the request body did not arrive within the server's body timeout of "
            f"{configured_ms / 1000:g} s: {got} bytes received"
        ),
        script=script or "",
        configured=configured_ms,
        measured=waited_ms,
        unit="ms",
        setting="hoody-exec serve --body-timeout <seconds> (server-wide)",
        extra=extra,
    )


def memory_exceeded(script: str, limit_bytes: int, used_bytes: int) -> LimitExceeded:
    return LimitExceeded(
        limit="memory",
        status=500,
        message=(
            f"{script} used more memory than the isolate cap of {limit_bytes // 1_048_576} MiB "
            f"(heap at the last collection: {used_bytes // 1_048_576} MiB); "
            "the isolate was recycled"
        ),
        script=script,
        configured=limit_bytes,
        measured=used_bytes,
        unit="bytes",
        setting="hoody-exec serve --memory-limit <MiB> (server-wide)",
    )


def cpu_exceeded(script: str, limit_ms: int, used_ms: int) -> LimitExceeded:
    return LimitExceeded(
        limit="cpu_time",
        status=503,
        message=(
            f"{script} used more than its CPU time limit of {limit_ms} ms "
            f"(used {used_ms} ms while the request ran); its isolate was ended"
        ),
        script=script,
        configured=limit_ms,
        measured=used_ms,
        unit="ms",
        setting="hoody-exec serve --cpu-limit <milliseconds> (server-wide; 0: no limit)",
    )


def queue_full(script: str, cap: int, waiting: int, max_waiting: int) -> LimitExceeded:
    return LimitExceeded(
        limit="concurrency_queue",
        status=503,
        message=(
            f"{script} already has {waiting} requests waiting behind its @concurrent cap "
            f"of {cap}; the queue holds at most {max_waiting}"
        ),
        script=script,
        configured=max_waiting,
        measured=waiting,
        unit="requests",
        setting=(
            "// @concurrent <n> raises the cap of simultaneous runs; "
            "hoody-exec serve --max-queue <n> the number allowed to wait"
        ),
        headers=[("retry-after", "1")],
        extra={"concurrent": cap},
    )


def memory_budget_exceeded(
    script: str, *, budget_bytes: int, in_use: int, pool_size: int, cap_bytes: int, waited_ms: int
) -> LimitExceeded:
    mib = 1_048_576
    in_use_bytes = (in_use + pool_size) * cap_bytes
    return LimitExceeded(
        limit="memory_budget",
        status=503,
        message=(
            f"{script} needs an isolate ({cap_bytes // mib} MiB cap), but this worker "
            f"process's isolates ({in_use} in use, {pool_size} pre-created) already reserve "
            f"{in_use_bytes // mib} MiB of its {budget_bytes // mib} MiB isolate memory "
            f"budget; waited {waited_ms} ms for one to end"
        ),
        script=script,
        configured=budget_bytes // mib,
        measured=in_use_bytes // mib,
        unit="MiB",
        setting=(
            "hoody-exec serve --isolate-memory-budget <MiB> (per worker process; "
            "--memory-limit sets each isolate's cap, --pool-size the pre-created ones)"
        ),
        headers=[("retry-after", "1")],
        extra={
            "limit_mb": budget_bytes // mib,
            "in_use_mb": in_use_bytes // mib,
            "isolate_cap_mb": cap_bytes // mib,
            "isolates_in_use": in_use,
            "pool_size": pool_size,
            "waited_ms": waited_ms,
        },
    )


class ScriptLoadFailed(ScriptFailure):
    """The script could not be loaded (magic comments, syntax, imports)."""

    def __init__(self, message: str, *, script: str, problems: list[dict[str, Any]]) -> None:
        super().__init__(message, script=script)
        self.problems = problems

    @property
    def code(self) -> str:
        return "load_error"

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "problems": self.problems}


class ScriptThrew(ScriptFailure):
    """JavaScript threw; positions are those of the original source."""

    def __init__(
        self,
        *,
        name: str,
        message: str,
        script: str,
        line: int | None,
        column: int | None,
        stack: str | None,
    ) -> None:
        super().__init__(message, script=script)
        self.name = name
        self.line = line
        self.column = column
        self.stack = stack

    @property
    def code(self) -> str:
        return self.name

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "error": self.name,
            "message": self.message,
            "script": self.script,
            "line": self.line,
            "column": self.column,
        }
        if self.stack is not None:
            body["stack"] = self.stack
        return body


class IsolateLost(ScriptFailure):
    """A worker isolate died under a request that did nothing wrong itself."""

    status = 503

    @property
    def code(self) -> str:
        return "isolate_terminated"


class RequestStopped(ScriptFailure):
    """The request was stopped before its script finished: cancelled through the
    management API (503) or abandoned by its client (499, nothing is sent)."""

    def __init__(self, message: str, *, script: str, reason: str, rid: str) -> None:
        super().__init__(message, script=script)
        self.reason = reason
        self.rid = rid
        # NOTE: 499 is nginx's "client closed request": only logs and metrics see it.
        self.status = 499 if reason == CLIENT_CLOSED else 503

    @property
    def code(self) -> str:
        return self.reason

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "request_id": self.rid}


CANCELLED = "cancelled"
CLIENT_CLOSED = "client_closed"


def failure_reason(failure: Exception | None, stream_outcome: str | None) -> str | None:
    """The `reason` label of a failed request's metrics, None if it did not fail.

    Codes of the error responses (timeout_exceeded, memory_exceeded,
    memory_budget_exceeded, concurrency_queue_exceeded, load_error,
    isolate_terminated, internal_error), and of requests stopped early
    (cancelled, client_closed);
    `script_error` for anything the script threw (its error names are unbounded);
    `stream_<outcome>` for a streamed body that ended early on the server's side.
    """
    if failure is not None:
        if isinstance(failure, ScriptThrew):
            return "script_error"
        return str(getattr(failure, "code", "internal_error"))
    if stream_outcome in ("failed", "timeout", "lost"):
        return f"stream_{stream_outcome}"
    return None


AI_SETTING = (
    "hoody-exec serve --ai-base-url <URL of an OpenAI-compatible gateway> "
    "(or HOODY_EXEC_AI_BASE_URL)"
)


class AiNotConfigured(ScriptFailure):
    """`@ai true` on a server without a gateway: names the setting to add."""

    status = 503

    @property
    def code(self) -> str:
        return "ai_not_configured"

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "setting": AI_SETTING, "docs": "docs/ai.md"}


def ai_not_configured(script: str) -> AiNotConfigured:
    return AiNotConfigured(
        f"{script} uses @ai true, but this server has no AI gateway configured; "
        f"start it with {AI_SETTING}, the key in HOODY_EXEC_AI_API_KEY "
        "(or the variable --ai-api-key-env names)",
        script=script,
    )
