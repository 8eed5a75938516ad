"""The npm registry client: packuments (abbreviated metadata) and tarballs, over httpx.

Packuments are cached in memory for the life of one client (one install) and on
disk as an offline fallback: when the registry cannot be reached, the last copy
seen is used so that a folder can still be installed from the tarball cache.
"""

from __future__ import annotations

import asyncio
import os
from types import TracebackType
from urllib.parse import quote

import httpx
import msgspec

from hoody_exec.deps.cache import PackageCache
from hoody_exec.deps.errors import PackageNotFound, RegistryError, RegistryUnreachable
from hoody_exec.deps.integrity import Integrity, parse_integrity
from hoody_exec.tls import trust_context

__all__ = [
    "DEFAULT_REGISTRY",
    "REGISTRY_ENV",
    "Dist",
    "Manifest",
    "Packument",
    "RegistryClient",
    "default_registry",
]

DEFAULT_REGISTRY = "https://registry.npmjs.org/"
REGISTRY_ENV = "HOODY_EXEC_NPM_REGISTRY"
_ACCEPT = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*"
_MAX_PACKUMENT = 64 * 1024 * 1024


def default_registry() -> str:
    """`$HOODY_EXEC_NPM_REGISTRY`, else `$npm_config_registry`, else the public registry."""
    npm_setting = os.environ.get("npm_config_registry")  # noqa: SIM112 (npm's own spelling)
    url = os.environ.get(REGISTRY_ENV) or npm_setting or DEFAULT_REGISTRY
    return url if url.endswith("/") else url + "/"


class Dist(msgspec.Struct, frozen=True):
    tarball: str
    integrity: str | None = None
    shasum: str | None = None

    def checksum(self) -> Integrity | None:
        return parse_integrity(self.integrity, self.shasum)


class PeerMeta(msgspec.Struct, frozen=True):
    optional: bool = False


class Manifest(msgspec.Struct, frozen=True, rename="camel"):
    name: str
    version: str
    dist: Dist
    dependencies: dict[str, str] = {}
    peer_dependencies: dict[str, str] = {}
    peer_dependencies_meta: dict[str, PeerMeta] = {}
    optional_dependencies: dict[str, str] = {}


class _RawPackument(msgspec.Struct, frozen=True):
    name: str
    versions: dict[str, msgspec.Raw] = {}
    dist_tags: dict[str, str] = msgspec.field(default_factory=dict, name="dist-tags")


class Packument:
    """A package's published versions; each manifest is decoded on first use, and one
    malformed old version makes only that version unusable, not the package."""

    __slots__ = ("_manifests", "_raw", "dist_tags", "name")

    def __init__(
        self, name: str, versions: dict[str, msgspec.Raw], dist_tags: dict[str, str]
    ) -> None:
        self.name = name
        self.dist_tags = dist_tags
        self._raw = versions
        self._manifests: dict[str, Manifest | None] = {}

    def __repr__(self) -> str:
        return f"<Packument {self.name} ({len(self._raw)} versions)>"

    @property
    def versions(self) -> list[str]:
        return list(self._raw)

    def manifest(self, version: str) -> Manifest | None:
        if version not in self._manifests:
            raw = self._raw.get(version)
            try:
                self._manifests[version] = None if raw is None else _manifest_decoder.decode(raw)
            except msgspec.DecodeError:
                self._manifests[version] = None
        return self._manifests[version]


_decoder = msgspec.json.Decoder(_RawPackument)
_manifest_decoder = msgspec.json.Decoder(Manifest)


class RegistryClient:
    """One install's view of the registry. Use as `async with RegistryClient(...) as r:`."""

    def __init__(
        self,
        url: str | None = None,
        *,
        cache: PackageCache | None = None,
        timeout: float = 30.0,
        max_tarball_bytes: int = 256 * 1024 * 1024,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url or default_registry()
        if not self.url.endswith("/"):
            self.url += "/"
        self.cache = cache
        self.max_tarball_bytes = max_tarball_bytes
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=True,
            verify=trust_context(),
            transport=transport,
            headers={"user-agent": "hoody-exec (npm installer)"},
        )
        self._packuments: dict[str, asyncio.Task[Packument]] = {}

    def __repr__(self) -> str:
        return f"RegistryClient({self.url!r})"

    async def __aenter__(self) -> RegistryClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for task in self._packuments.values():
            if not task.done():
                task.cancel()
            elif not task.cancelled():
                task.exception()  # mark as retrieved: a caller may have been cancelled
        await self._client.aclose()

    def packument_url(self, name: str) -> str:
        # Scoped names keep their '@' and encode the slash: @scope%2fname.
        return self.url + quote(name, safe="@")

    def prefetch(self, name: str) -> None:
        """Start fetching `name`'s packument in the background (errors surface on use)."""
        if name not in self._packuments:
            self._packuments[name] = asyncio.ensure_future(self._fetch_packument(name))

    async def packument(self, name: str) -> Packument:
        """The packument of `name`; concurrent callers share one request."""
        self.prefetch(name)
        return await asyncio.shield(self._packuments[name])

    async def _fetch_packument(self, name: str) -> Packument:
        url = self.packument_url(name)
        try:
            response = await self._client.get(url, headers={"accept": _ACCEPT})
        except httpx.HTTPError as error:
            cached = self.cache.get_packument(name) if self.cache else None
            if cached is not None:
                return _decode(name, cached)
            raise RegistryUnreachable(name, self.url, _describe(error)) from error
        if response.status_code == 404:
            raise PackageNotFound(name, self.url)
        if response.status_code >= 400:
            cached = self.cache.get_packument(name) if self.cache else None
            if cached is not None and response.status_code >= 500:
                return _decode(name, cached)
            raise RegistryError(name, f"the registry answered HTTP {response.status_code}")
        if len(response.content) > _MAX_PACKUMENT:
            raise RegistryError(name, "packument larger than 64 MiB")
        packument = _decode(name, response.content)
        if self.cache is not None:
            await asyncio.to_thread(self.cache.put_packument, name, response.content)
        return packument

    async def tarball(self, package: str, url: str) -> bytes:
        """Download a tarball (bounded by `max_tarball_bytes`)."""
        chunks: list[bytes] = []
        size = 0
        try:
            async with self._client.stream("GET", url) as response:
                if response.status_code == 404:
                    raise RegistryError(package, f"tarball not found (404): {url}")
                if response.status_code >= 400:
                    raise RegistryError(
                        package, f"tarball download answered HTTP {response.status_code}: {url}"
                    )
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > self.max_tarball_bytes:
                        raise RegistryError(
                            package,
                            f"tarball larger than the {self.max_tarball_bytes} byte limit",
                        )
                    chunks.append(chunk)
        except httpx.HTTPError as error:
            raise RegistryUnreachable(package, url, _describe(error)) from error
        return b"".join(chunks)


def _decode(name: str, data: bytes) -> Packument:
    try:
        raw = _decoder.decode(data)
    except msgspec.DecodeError as error:
        raise RegistryError(name, f"the registry sent an unreadable packument: {error}") from None
    return Packument(raw.name, raw.versions, raw.dist_tags)


def _describe(error: httpx.HTTPError) -> str:
    text = str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}" if text != type(error).__name__ else text
