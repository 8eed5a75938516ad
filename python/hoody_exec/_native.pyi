"""The native core of hoody-exec (Rust, PyO3). Private: import through `hoody_exec`
(transpile/bundle) or `hoody_exec.runtime` (isolates)."""

import asyncio
from collections.abc import Callable, Sequence
from typing import Final, Literal, final

__version__: Final[str]

# ---------------------------------------------------------------- errors
class HoodyExecError(Exception):
    """Root of every error the native core raises."""

class TranspileError(HoodyExecError, ValueError):
    """Syntax errors in one file. `errors` lists every recovered error; the
    attributes describe the first one."""

    filename: str
    line: int  # 1-based
    column: int  # 1-based
    errors: list[SyntaxIssue]

@final
class SyntaxIssue:
    filename: str
    line: int
    column: int
    message: str
    frame: str  # the source lines around it with a caret

class BundleError(HoodyExecError, ValueError):
    """An import could not be resolved or a module could not be read."""

    filename: str  # the importing file, relative to the root
    line: int
    column: int
    specifier: str | None
    # When the import is a package not in node_modules: what to install
    # ("zod", "ms@2", "@scope/pkg@^1", "buffer@^6" for `node:buffer`); else None.
    missing_package: str | None

class EngineError(HoodyExecError, RuntimeError):
    """V8 could not be started (library missing, wrong version) or an isolate
    could not be created."""

class JsError(HoodyExecError):
    """JavaScript threw. Positions are mapped through the source map."""

    name: str  # "TypeError", ...
    message: str
    stack: str  # mapped stack
    filename: str | None
    line: int | None  # 1-based, in the original file
    column: int | None  # 1-based

class IsolateTerminated(HoodyExecError):
    """The isolate was terminated (Isolate.terminate or close) while the call ran."""

class CpuLimitExceeded(HoodyExecError):
    """The call used more CPU time than the isolate's `cpu_limit_ms`."""

    limit_ms: int
    used_ms: int

class MemoryLimitExceeded(HoodyExecError):
    """The isolate went over its memory cap; it is unusable afterwards."""

    limit: int  # bytes
    used: int  # bytes at the last GC

# ---------------------------------------------------------------- TypeScript
@final
class Transpiled:
    code: str
    map: str  # source map JSON
    imports: list[str]  # specifiers in source order, without duplicates

def transpile(source: str, filename: str = "script.ts") -> Transpiled: ...

@final
class Bundle:
    code: str
    map: str
    entry: str  # module id of the entry
    style: Literal["body", "module"]
    modules: list[str]  # ids of every module in the bundle
    inputs: list[tuple[str, str]]  # (absolute path, sha256 hex) of every file read
    hash: str  # sha256 over every input and the options

def bundle(
    root: str,
    entry: str,
    *,
    injected: Sequence[str] = ...,
    global_name: str = "__hoody_entry",
    provided: Sequence[str] = (),
) -> Bundle:
    """Bundle `entry` (a path relative to `root`) and everything it imports: relative
    files, packages in `node_modules`, Node built-ins with a browser package.
    `provided`: package names the runtime supplies; an import of exactly such a name
    becomes the module id `<provided>/<name>`, whose exports are
    `globalThis.__hoody_provided(name)` when the bundle runs."""

def node_builtins() -> dict[str, str | None]:
    """Every Node built-in module name (without `node:`) → the installer specifier of
    the npm package bundled in its place (`"path"` → `"path-browserify@^1"`), or None
    when it is not available in isolates (`fs`, `child_process`, …)."""

# ---------------------------------------------------------------- engine
def v8_version() -> str:
    """Starts V8 if needed (lazily: after the server forked) and returns its version."""

def register_source(name: str, code: str) -> None:
    """Registers a script that isolates fetch on demand (`__hoody.host.source(name)`),
    process-wide; the lazy Web runtime keeps its API families here. Raises
    EngineError if it is larger than one mailbox reply (131,040 UTF-16 units)."""

def context_count() -> int:
    """Live isolates in this process (for tests and metrics)."""

HostHandler = Callable[[int, str, bytes], None]

FAULT_OP: str
"""The op of the host message (id 0) an isolate sends when the watchdog ends it
while no call waits on it: JSON data with `reason` ("cpu" or "memory"), `label`
(the label of the call that left the work behind, or null) and the limit."""

def engine_threads() -> list[tuple[str, int, int, int | None]]:
    """Every engine thread started so far as `(name, tid, parent_tid, pkru)`, the
    V8 root thread first; only these create and free isolates (starts V8)."""

def protection_keys() -> tuple[bool, int | None, str | None]:
    """`(has_pku, root_pkru, violation)`: whether the CPU has memory protection
    keys, the PKRU V8 was initialised with, and why the engine refuses to create
    isolates if a thread broke the rule (starts V8)."""

@final
class Isolate:
    """One V8 isolate with its own thread. Methods returning futures must be called
    on a running asyncio loop; results are delivered on that loop."""

    def __init__(self, *, memory_limit: int = 134_217_728, cpu_limit_ms: int | None = None) -> None:
        """`cpu_limit_ms`: CPU time one call may use, and work left running with
        no call in flight may use without a pause; past it the isolate is ended
        (calls fail with CpuLimitExceeded). None or 0: no limit."""
    @property
    def id(self) -> int: ...
    @property
    def alive(self) -> bool: ...
    def set_host_handler(self, handler: HostHandler | None) -> None:
        """`handler(id, op, data)` runs on the loop for every `__hoody.host.post`
        (id 0) and `__hoody.host.request` (id > 0, answer with resolve/reject). Posts
        that came while no handler was set (module code of a primed isolate) are
        handed to the next handler."""
    def eval(
        self, code: str, filename: str = "<eval>", source_map: str | None = None
    ) -> asyncio.Future[str | float | int | bool | None]:
        """Run a classic script; resolves with its completion value if it is a
        primitive (None otherwise). `source_map` maps errors back."""
    @property
    def memory_limit(self) -> int: ...
    @property
    def pending_calls(self) -> int: ...
    @property
    def unserved_requests(self) -> int:
        """Host requests refused because no handler was set (module code of a primed
        isolate asked for one before any request)."""
    @property
    def cpu_time_ms(self) -> float | None:
        """CPU time the isolate's thread has used (None once it has ended)."""
    def call(self, payload: str, label: str | None = None) -> asyncio.Future[str | bytes]:
        """`await __hoody.onCall(payload)` inside the isolate; `label` names the
        call in fault reports (`FAULT_OP`)."""
    def resolve(self, request_id: int, value: str | bytes) -> None: ...
    def reject(self, request_id: int, message: str, name: str = "Error") -> None:
        """Rejects a host request with `new globalThis[name](message)` (an Error
        subclass name such as "TypeError"; "Error" otherwise)."""
    def terminate(self) -> None:
        """Stop all JavaScript now; pending calls fail with IsolateTerminated; the
        isolate is dead afterwards (free it off the loop: it is freed in the background)."""
    def heap_stats(self) -> dict[str, int]: ...
    def memory_limit_reached(self) -> bool: ...
    def close(self) -> None: ...

@final
class IsolatePool:
    """Pre-created, never-used isolates (with `prelude` already evaluated), refilled
    by `fillers` background threads. With `program` (code, filename, source map),
    each isolate also runs that script's bundle: a pool *primed* for one script."""

    def __init__(
        self,
        size: int,
        *,
        memory_limit: int = 134_217_728,
        cpu_limit_ms: int | None = None,
        prelude: Sequence[tuple[str, str]] = (),
        program: tuple[str, str, str | None] | None = None,
        fillers: int = 1,
    ) -> None: ...
    def resize(self, size: int) -> None:
        """Keeps `size` isolates ready from now on (ready ones beyond it are freed)."""
    def take(self) -> Isolate:
        """A ready isolate; creates one inline (blocking for milliseconds, without
        the GIL) if the pool is empty: call it off the event loop in that case."""
    def try_take(self) -> Isolate | None:
        """A ready isolate, or None when the pool is empty; never blocks."""
    @property
    def ready(self) -> int: ...
    @property
    def size(self) -> int: ...
    @property
    def last_error(self) -> str | None:
        """Why the background refill last failed (a broken prelude, say)."""
    def close(self) -> None: ...

@final
class Reactor:
    """Delivers completions from isolate threads to one asyncio loop (internal)."""

    def fileno(self) -> int: ...
    def drain(self) -> None: ...
