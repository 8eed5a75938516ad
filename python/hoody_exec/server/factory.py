"""The target Granian imports in every worker: `hoody_exec.server.factory:create_app`."""

from __future__ import annotations

from hoody_exec.api.app import ManagementApi
from hoody_exec.config import ServerConfig
from hoody_exec.observability import configure_logging
from hoody_exec.server.app import HoodyApp


def create_app() -> HoodyApp:
    config = ServerConfig.from_env()
    configure_logging(config.log_format)
    management = ManagementApi(config)
    app = HoodyApp(config, management=management)
    management.attach(app)
    return app
