"""`hoody-lock.json`: the exact tree an install produced, so the next one repeats it.

    {
      "lockfileVersion": 1,
      "dependencies": {"zod": "^3.23.8"},          # what package.json asked for
      "packages": {
        "node_modules/zod": {"version": "3.23.8", "resolved": "<tarball url>",
                             "integrity": "sha512-…", "dependencies": {…}},
        "node_modules/a/node_modules/b": {…}        # nested where ranges conflict
      }
    }

Keys are install paths (like npm's package-lock v3); `name` is written only when
it differs from the folder name (an `npm:` alias).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from hoody_exec.deps.cache import atomic_write

__all__ = [
    "LOCKFILE_NAME",
    "InstallPath",
    "LockedPackage",
    "Lockfile",
    "ResolvedPackage",
    "key_to_path",
    "path_to_key",
    "read_lockfile",
    "write_lockfile",
]

LOCKFILE_NAME = "hoody-lock.json"
LOCKFILE_VERSION = 1

# ("a", "b") is node_modules/a/node_modules/b; () is the scripts folder itself.
InstallPath = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ResolvedPackage:
    name: str  # the real package name (differs from the folder name for npm: aliases)
    version: str
    resolved: str  # tarball URL
    integrity: str  # SRI; legacy SHA-1 shasums are stored as sha1-<base64>
    dependencies: dict[str, str] = field(default_factory=dict)
    peer_dependencies: dict[str, str] = field(default_factory=dict)
    optional_peers: frozenset[str] = frozenset()


class LockedPackage(msgspec.Struct, omit_defaults=True, rename="camel"):
    version: str
    resolved: str
    integrity: str
    name: str | None = None
    dependencies: dict[str, str] = {}
    peer_dependencies: dict[str, str] = {}
    optional_peers: list[str] = []


class Lockfile(msgspec.Struct, rename="camel"):
    lockfile_version: int = LOCKFILE_VERSION
    dependencies: dict[str, str] = {}
    packages: dict[str, LockedPackage] = {}

    @classmethod
    def from_tree(cls, root: dict[str, str], tree: dict[InstallPath, ResolvedPackage]) -> Lockfile:
        packages = {
            path_to_key(path): LockedPackage(
                version=pkg.version,
                resolved=pkg.resolved,
                integrity=pkg.integrity,
                name=pkg.name if pkg.name != path[-1] else None,
                dependencies=dict(sorted(pkg.dependencies.items())),
                peer_dependencies=dict(sorted(pkg.peer_dependencies.items())),
                optional_peers=sorted(pkg.optional_peers),
            )
            for path, pkg in sorted(tree.items(), key=lambda item: path_to_key(item[0]))
        }
        return cls(dependencies=dict(sorted(root.items())), packages=packages)

    def tree(self) -> dict[InstallPath, ResolvedPackage]:
        tree: dict[InstallPath, ResolvedPackage] = {}
        for key, locked in self.packages.items():
            path = key_to_path(key)
            tree[path] = ResolvedPackage(
                name=locked.name or path[-1],
                version=locked.version,
                resolved=locked.resolved,
                integrity=locked.integrity,
                dependencies=dict(locked.dependencies),
                peer_dependencies=dict(locked.peer_dependencies),
                optional_peers=frozenset(locked.optional_peers),
            )
        return tree


class LockfileError(ValueError):
    pass


def path_to_key(path: InstallPath) -> str:
    return "/".join(f"node_modules/{name}" for name in path)


def key_to_path(key: str) -> InstallPath:
    if not key.startswith("node_modules/"):
        raise LockfileError(f"{key!r} is not a node_modules path")
    parts = key[len("node_modules/") :].split("/node_modules/")
    for part in parts:
        pieces = part.split("/")
        scoped = part.startswith("@") and len(pieces) == 2
        if not (len(pieces) == 1 or scoped) or any(p in ("", ".", "..") for p in pieces):
            raise LockfileError(f"{key!r} is not a node_modules path")
    return tuple(parts)


_encoder = msgspec.json.Encoder(order="deterministic")
_decoder = msgspec.json.Decoder(Lockfile)


def read_lockfile(folder: Path) -> Lockfile | None:
    """The folder's lockfile, or None when absent. A malformed one raises LockfileError."""
    path = folder / LOCKFILE_NAME
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        lock = _decoder.decode(data)
        for key in lock.packages:
            key_to_path(key)
    except msgspec.DecodeError as error:
        raise LockfileError(f"{path}: not a hoody-exec lockfile: {error}") from None
    except LockfileError as error:
        raise LockfileError(f"{path}: {error}") from None
    if lock.lockfile_version != LOCKFILE_VERSION:
        raise LockfileError(
            f"{path}: lockfileVersion {lock.lockfile_version} is not supported "
            f"(this hoody-exec reads {LOCKFILE_VERSION})"
        )
    return lock


def write_lockfile(folder: Path, lock: Lockfile) -> None:
    data = msgspec.json.format(_encoder.encode(lock), indent=2) + b"\n"
    atomic_write(folder / LOCKFILE_NAME, data)
