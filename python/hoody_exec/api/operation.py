"""What one management operation is: method, path, models and handler."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from hoody_exec.api.paths import Confinement

if TYPE_CHECKING:
    from hoody_exec.server.app import HoodyApp

Method = Literal["GET", "POST", "PUT", "DELETE"]


@dataclass(frozen=True)
class RawReply:
    """A finished answer that is not JSON (Prometheus text, a stored document)."""

    body: bytes
    media_type: str
    status: int = 200


@dataclass(frozen=True)
class StreamReply:
    """An answer sent chunk by chunk (Server-Sent Events); the router stops
    iterating (and closes the generator) when the client goes away."""

    chunks: AsyncIterator[bytes]
    media_type: str = "text/event-stream"
    headers: tuple[tuple[str, str], ...] = (("cache-control", "no-store"),)


Reply = BaseModel | tuple[int, BaseModel] | dict[str, Any] | RawReply | StreamReply
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
    # What a 200 carries: JSON unless the handler returns a RawReply/StreamReply.
    media_type: str = "application/json"
    # The documented success status; a handler answering otherwise returns
    # `(status, model)` (system/restart: 202 Accepted).
    success: int = 200
    # The operationId, when the path's own would repeat another's (two methods on
    # one path: GET and DELETE sdk/{id}).
    name: str | None = None

    @property
    def operation_id(self) -> str:
        if self.name is not None:
            return self.name
        plain = self.path.replace("{", "").replace("}", "")
        return plain.strip("/").replace("/", "_").replace("-", "_")

    @property
    def path_parameters(self) -> tuple[str, ...]:
        """`/templates/update-custom/{name}` → `("name",)`."""
        return tuple(_PARAM.findall(self.path))

    def match(self, path: str) -> dict[str, str] | None:
        """Path parameters if `path` fits this operation's template, else None."""
        if not self.path_parameters:
            return {} if path == self.path else None
        found = _pattern(self.path).fullmatch(path)
        return None if found is None else found.groupdict()


_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@cache
def _pattern(template: str) -> re.Pattern[str]:
    parts = _PARAM.split(template)
    # split alternates literal, name, literal, …
    regex = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^/]+)" for i, part in enumerate(parts)
    )
    return re.compile(regex)
