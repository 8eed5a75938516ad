"""What one management operation is: method, path, models and handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from hoody_exec.api.paths import Confinement

if TYPE_CHECKING:
    from hoody_exec.server.app import HoodyApp

Method = Literal["GET", "POST", "PUT", "DELETE"]
Reply = BaseModel | tuple[int, BaseModel] | dict[str, Any]
Handler = Callable[["Context", Any], Awaitable[Reply]]


@dataclass
class Context:
    """What handlers work with: the serving app and the confined scripts folder."""

    app: HoodyApp
    paths: Confinement

    @property
    def root(self) -> Path:
        return self.paths.root

    def changed(self, *paths: Path) -> None:
        """Tell the serving app at once (routes, caches), before the watcher does."""
        self.app.on_changes(set(paths))


@dataclass(frozen=True)
class Operation:
    method: Method
    path: str  # below the reserved prefix: "/scripts/read"
    tag: str
    summary: str
    request: type[BaseModel]
    response: type[BaseModel] | None  # None: a free-form JSON object (the OpenAPI document)
    handler: Handler
    open: bool = False  # no admin token needed
    description: str = ""
    errors: tuple[int, ...] = field(default=(400, 401, 422))

    @property
    def operation_id(self) -> str:
        return self.path.strip("/").replace("/", "_").replace("-", "_")
