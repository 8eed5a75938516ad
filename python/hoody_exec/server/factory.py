"""The target Granian imports in every worker: `hoody_exec.server.factory:create_app`."""

from __future__ import annotations

from hoody_exec.api.app import ManagementApi
from hoody_exec.config import ServerConfig
from hoody_exec.observability import configure_logging
from hoody_exec.observability.logstore import store_for
from hoody_exec.observability.redact import REDACTOR
from hoody_exec.schedules.scheduler import Scheduler
from hoody_exec.sdk.store import activate as activate_sdks
from hoody_exec.server.app import HoodyApp


def create_app() -> HoodyApp:
    config = ServerConfig.from_env()
    store = store_for(
        config.root_path.resolve(),
        max_bytes=config.log_max_mb * 1024 * 1024,
        files=config.log_files,
    )
    configure_logging(config.log_format, store=store)
    management = ManagementApi(config)
    app = HoodyApp(config, management=management)
    management.attach(app)
    app.scheduler = Scheduler(app)
    activate_sdks(app.root, lambda: app.runtime.loader.env)
    bind_app_secrets(app, management.token)
    return app


def bind_app_secrets(app: HoodyApp, admin_token: str) -> None:
    """Teach the redactor this worker's secrets (called once the app exists)."""
    loader = app.runtime.loader

    def script_secrets(file: str) -> tuple[bytes | None, str | None]:
        script = loader.cached(file)
        if script is None:
            return None, None
        magic = script.magic
        if magic.token_env is not None:
            return None, loader.env.get(magic.token_env)
        return magic.token_digest, None

    REDACTOR.admin_token = admin_token
    if app.gateway is not None and app.gateway.api_key:
        REDACTOR.extra = (app.gateway.api_key,)
    REDACTOR.env = lambda: loader.env
    REDACTOR.script_secrets = script_secrets
