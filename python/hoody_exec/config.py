"""Server settings: one Struct, passed to Granian's worker processes as JSON.

NOTE: Granian imports the app in each worker process; an environment variable is
the one channel that survives its spawn/fork on every platform, so the CLI
encodes the settings into `HOODY_EXEC_CONFIG` and `create_app` decodes them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import msgspec

CONFIG_ENV = "HOODY_EXEC_CONFIG"
ADMIN_TOKEN_ENV = "HOODY_EXEC_ADMIN_TOKEN"
ALLOW_FETCH_ENV = "HOODY_EXEC_ALLOW_FETCH"
AI_BASE_URL_ENV = "HOODY_EXEC_AI_BASE_URL"
AI_MODEL_ENV = "HOODY_EXEC_AI_MODEL"
AI_API_KEY_ENV = "HOODY_EXEC_AI_API_KEY"  # the default name of the key's variable
DEFAULT_AI_MODEL = "google/gemini-2.5-flash-lite"


class ServerConfig(msgspec.Struct, kw_only=True, frozen=True):
    root: str  # the scripts folder (absolute)
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    reuse_port: bool = False  # share a port another server listens on (SO_REUSEPORT)
    reload: bool = True
    admin_token: str | None = None
    log_format: Literal["console", "json"] = "console"
    env_names: tuple[str, ...] = ()  # `--env NAME`: host variables scripts may read
    memory_limit_mb: int = 128
    cpu_limit_ms: int = 30_000  # CPU time per request (0: no limit)
    pool_size: int = 4
    max_queue: int = 1000  # requests allowed to wait behind one script's @concurrent cap
    max_body_mb: int = 32
    # Sum of the caps of this worker process's isolates; None: derived from the
    # machine (runtime/budget.py default_budget_mb).
    isolate_memory_budget_mb: int | None = None
    isolate_memory_wait_s: float = 5.0  # how long a request may wait for budget
    # Isolates primed with serverless scripts' bundles, reserved in the budget;
    # None: a share of the budget (runtime/budget.py default_primed), 0: none.
    primed_isolates: int | None = None
    # Seconds a client may take to send a whole request body (scripts: also within
    # their @timeout); a slow or stalled upload past it is answered 408.
    body_timeout_s: float = 30.0
    log_max_mb: int = 100  # total size cap of the stored logs (.hoody/logs/)
    log_files: int = 10  # files the stored logs rotate through
    npm_registry: str | None = None  # None: HOODY_EXEC_NPM_REGISTRY, else the npm registry
    npm_cache_dir: str | None = None  # None: HOODY_EXEC_CACHE_DIR, else the user cache
    auto_install: bool = True  # install a missing imported package on the first request
    # `--allow-fetch`: destinations beyond the public internet and this server that
    # scripts' fetch may reach (CIDR, IP or host name, optional :port)
    allow_fetch: tuple[str, ...] = ()
    # `@ai` (docs/ai.md): the OpenAI-compatible gateway, the *name* of the variable
    # holding its key (the key itself never travels in this JSON) and `model`'s default.
    ai_base_url: str | None = None
    ai_api_key_env: str = AI_API_KEY_ENV
    ai_model: str = DEFAULT_AI_MODEL
    # `@websocket` limits (docs/websockets.md): per message, per socket, per script
    # and process, and how long a socket may stay silent (0: forever).
    ws_max_message_kb: int = 1024
    ws_send_buffer_kb: int = 1024
    ws_max_connections: int = 10_000
    ws_idle_timeout_s: float = 300.0

    @property
    def root_path(self) -> Path:
        return Path(self.root)

    def to_env(self) -> str:
        return msgspec.json.encode(self).decode()

    @classmethod
    def from_env(cls) -> ServerConfig:
        raw = os.environ.get(CONFIG_ENV)
        if not raw:
            raise RuntimeError(
                f"{CONFIG_ENV} is not set: start the server with `hoody-exec serve DIR`"
            )
        return msgspec.json.decode(raw, type=cls)
