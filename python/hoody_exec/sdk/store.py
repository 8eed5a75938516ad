"""Imported SDKs under `.hoody/sdk/<id>/`: `index.ts` (the module scripts import as
`sdk:<id>`), `openapi.json` (the document it was made from) and `meta.json`.

Each file is replaced atomically (a temporary file, then rename); `meta.json`
goes last, so a re-import is visible as a whole once it is listed. The SDK keeps
the *name* of the environment variable holding its credential, never the value.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import msgspec

from hoody_exec.api.files import atomic_write
from hoody_exec.webapi import credentials, egress
from hoody_exec.webapi.egress import Allowance, parse_allowance

SDK_DIR = Path(".hoody") / "sdk"
MODULE = "index.ts"
DOCUMENT = "openapi.json"
META = "meta.json"
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
_ID = re.compile(ID_PATTERN)


class SdkAuth(msgspec.Struct, frozen=True):
    header: str  # the header the credential travels in
    env: str  # the allowed environment variable holding it


class SdkOperation(msgspec.Struct, frozen=True):
    name: str
    method: str
    path: str
    operation_id: str | None
    summary: str | None
    parameters: list[dict[str, object]]
    body: str | None
    returns: str


class SdkMeta(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    title: str
    version: str
    openapi: str
    base_url: str
    auth: SdkAuth | None
    hash: str  # sha256 of the document (canonical JSON)
    generated_at: str
    source: str  # "inline" or the URL it was fetched from
    operations: list[SdkOperation]


def valid_id(sdk_id: str) -> bool:
    return bool(_ID.match(sdk_id))


class SdkStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.base = root / SDK_DIR

    def folder(self, sdk_id: str) -> Path:
        return self.base / sdk_id

    def save(self, meta: SdkMeta, module: str, document: bytes) -> list[Path]:
        """Write (or replace) the SDK; the paths written."""
        folder = self.folder(meta.id)
        written = [folder / DOCUMENT, folder / MODULE, folder / META]
        atomic_write(written[0], document)
        atomic_write(written[1], module.encode())
        atomic_write(written[2], msgspec.json.encode(meta))
        return written

    def load(self, sdk_id: str) -> SdkMeta | None:
        try:
            raw = (self.folder(sdk_id) / META).read_bytes()
            return msgspec.json.decode(raw, type=SdkMeta)
        except (OSError, msgspec.DecodeError):
            return None

    def list(self) -> list[SdkMeta]:
        try:
            names = sorted(p.name for p in self.base.iterdir() if p.is_dir())
        except OSError:
            return []
        return [meta for name in names if (meta := self.load(name)) is not None]

    def delete(self, sdk_id: str) -> list[Path] | None:
        """Remove the SDK; the files it had, or None if there was none."""
        folder = self.folder(sdk_id)
        if not folder.is_dir():
            return None
        files = [p for p in folder.iterdir() if p.is_file()]
        # Renamed away first: a bundle starting now sees no SDK, not half of one.
        trash = folder.with_name(f".{sdk_id}.deleted.{os.getpid()}")
        os.replace(folder, trash)
        shutil.rmtree(trash, ignore_errors=True)
        return files


class SdkRegistry:
    """What one process needs of the imported SDKs at fetch time: their base URLs
    (allowed destinations) and credentials (attached by the host, so they never
    enter an isolate). Re-read when the folder's SDKs change (a few stats)."""

    def __init__(self, root: Path, env: Callable[[], Mapping[str, str]]) -> None:
        self.store = SdkStore(root)
        self._env = env
        self._stamp: tuple[object, ...] | None = None
        self._metas: list[SdkMeta] = []
        self._allowances: tuple[Allowance, ...] = ()

    def _fresh(self) -> list[SdkMeta]:
        stamp = _stamp(self.store.base)
        if stamp != self._stamp:
            self._stamp = stamp
            self._metas = self.store.list()
            self._allowances = tuple(
                found for meta in self._metas if (found := allowance_for(meta.base_url))
            )
        return self._metas

    def allowances(self) -> tuple[Allowance, ...]:
        self._fresh()
        return self._allowances

    def credentials(self, url: str) -> list[tuple[str, str]]:
        """Headers to add to a fetch of `url`: the auth of every SDK whose base URL
        it is under."""
        found = []
        env = None
        for meta in self._fresh():
            if meta.auth is None or not under_base(url, meta.base_url):
                continue
            env = env if env is not None else self._env()
            value = env.get(meta.auth.env)
            if value is not None:
                found.append((meta.auth.header, value))
        return found


def _stamp(base: Path) -> tuple[object, ...]:
    stamps: list[object] = []
    with contextlib.suppress(OSError):
        stamps.append(base.stat().st_mtime_ns)
        for child in base.iterdir():
            with contextlib.suppress(OSError):
                stamps.append((child.name, (child / META).stat().st_mtime_ns))
    return tuple(stamps)


def _origin(url: str) -> tuple[str, str, int | None, str]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port, parts.path


def under_base(url: str, base_url: str) -> bool:
    scheme, host, port, path = _origin(url)
    b_scheme, b_host, b_port, b_path = _origin(base_url)
    prefix = b_path.rstrip("/")
    within = path == prefix or path.startswith(prefix + "/") or not prefix
    return (scheme, host, port) == (b_scheme, b_host, b_port) and within


def allowance_for(base_url: str) -> Allowance | None:
    """The egress allowance of a base URL: its host and port."""
    _, host, port, _ = _origin(base_url)
    if not host or port is None:
        return None
    target = f"[{host}]" if ":" in host else host
    try:
        return parse_allowance(f"{target}:{port}")
    except ValueError:
        return None


def activate(root: Path, env: Callable[[], Mapping[str, str]]) -> SdkRegistry:
    """Make this process's fetch follow the folder's SDKs: their base URLs become
    allowed destinations and their credentials are attached by the host."""
    registry = SdkRegistry(root, env)
    egress.configure(replace(egress.policy(), extra=registry.allowances))
    credentials.configure(registry.credentials)
    return registry
