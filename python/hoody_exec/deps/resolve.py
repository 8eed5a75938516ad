"""Resolution: from the folder's wanted packages to an install tree.

The tree is npm's: every package is hoisted as high as it can go (a flat
`node_modules`), and a package whose range conflicts with the one already
reachable is nested under the package that needs it
(`node_modules/a/node_modules/b`). Node's lookup (walk up `node_modules`
folders) then finds the right version for every dependent.

Determinism: dependencies are visited breadth-first, each package's
dependencies in name order, so the same inputs always give the same tree.
Peer dependencies are resolved at the level of the package that declares them
(its siblings), so a peer the folder installed itself is reused; a missing peer
is installed like a dependency; a peer already present in an incompatible
version is kept and reported as a warning (npm's `--legacy-peer-deps` stance:
the folder's own choice wins).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from hoody_exec.deps.errors import (
    DependencyError,
    InvalidSpecifier,
    NoMatchingVersion,
    ResolutionConflict,
)
from hoody_exec.deps.lockfile import InstallPath, ResolvedPackage, path_to_key
from hoody_exec.deps.registry import Packument, RegistryClient
from hoody_exec.deps.semver import Range, Version, max_satisfying
from hoody_exec.deps.specifiers import is_dist_tag, validate_package_name

__all__ = ["Resolution", "Resolver", "pick_version"]

_ANY_RANGES = frozenset({"", "*", "x", "X", "latest"})
# NOTE: a dependency cycle whose members want each other's *other* versions
# (a@1 → b@1 → a@2 → b@2 → a@1) has no finite npm layout: every copy nests one
# level deeper. Real trees stay far below this depth.
MAX_DEPTH = 32
MAX_PACKAGES = 20_000


@dataclass(frozen=True, slots=True)
class _Edge:
    origin: InstallPath  # the path whose node_modules lookup starts the search
    name: str  # the folder name looked up (an alias for npm: specs)
    spec: str  # the range as written (may be `npm:real@range` or a dist-tag)
    dependent: str  # for messages: "your package.json" or "a@1.0.0"
    peer: bool = False


@dataclass(slots=True)
class Resolution:
    tree: dict[InstallPath, ResolvedPackage] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _split_alias(name: str, spec: str) -> tuple[str, str]:
    """`npm:real@range` → (real, range); anything else → (name, spec)."""
    if not spec.startswith("npm:"):
        return name, spec
    body = spec[4:]
    at = body.find("@", 1)
    return (body, "latest") if at == -1 else (body[:at], body[at + 1 :] or "latest")


@lru_cache(maxsize=4096)
def _range(text: str) -> Range | None:
    return Range.try_parse(text)


@lru_cache(maxsize=16384)
def _version(text: str) -> Version | None:
    return Version.try_parse(text)


def pick_version(packument: Packument, wanted: str) -> str:
    """npm's choice: the `latest` tag when it satisfies, else the highest matching version."""
    tags = packument.dist_tags
    if is_dist_tag(wanted):
        version = tags.get(wanted)
        if version is None or packument.manifest(version) is None:
            raise NoMatchingVersion(packument.name, wanted, sorted(tags), tags=True)
        return version
    try:
        range_ = Range.parse(wanted)
    except ValueError as error:
        raise InvalidSpecifier(f"{packument.name}@{wanted}", str(error)) from None
    usable = [v for v in packument.versions if packument.manifest(v) is not None]
    latest = tags.get("latest")
    if latest in usable and (wanted.strip() in _ANY_RANGES or range_.test(Version.parse(latest))):
        return latest
    best = max_satisfying(usable, range_)
    if best is None:
        parsed = sorted((v for v in map(Version.try_parse, usable) if v), reverse=True)
        raise NoMatchingVersion(packument.name, wanted, [str(v) for v in parsed])
    return next(v for v in usable if Version.try_parse(v) == best)


ProgressFn = Callable[[str], None]


class Resolver:
    """Resolves with `registry`; versions in `preferred` (the previous tree) win when they
    still satisfy, so adding a package does not upgrade the others."""

    def __init__(
        self,
        registry: RegistryClient | None,
        preferred: dict[InstallPath, ResolvedPackage] | None = None,
        progress: ProgressFn | None = None,
    ) -> None:
        self.registry = registry
        self.progress = progress or (lambda _message: None)
        self._preferred: dict[str, list[ResolvedPackage]] = {}
        for pkg in (preferred or {}).values():
            self._preferred.setdefault(pkg.name, []).append(pkg)

    async def resolve(self, root: dict[str, str]) -> Resolution:
        result = Resolution()
        tree = result.tree
        edges: dict[str, list[_Edge]] = {}
        queue: deque[InstallPath] = deque()
        pending = [
            _Edge((), name, spec, "your package.json") for name, spec in sorted(root.items())
        ]
        self._prefetch(root)
        while True:
            for edge in pending:
                placed = await self._place(edge, tree, edges, result)
                if placed is not None:
                    queue.append(placed)
            if not queue:
                break
            if len(tree) > MAX_PACKAGES:
                raise ResolutionConflict(
                    ", ".join(sorted(root)), f"the tree grew past {MAX_PACKAGES} packages"
                )
            path = queue.popleft()
            pending = self._edges_of(path, tree[path], tree)
        return result

    def _edges_of(
        self,
        path: InstallPath,
        pkg: ResolvedPackage,
        tree: dict[InstallPath, ResolvedPackage],
    ) -> list[_Edge]:
        who = f"{pkg.name}@{pkg.version}"
        edges = [_Edge(path, n, s, who) for n, s in sorted(pkg.dependencies.items())]
        for name, spec in sorted(pkg.peer_dependencies.items()):
            if name in pkg.dependencies:
                continue
            if name in pkg.optional_peers and _lookup(tree, path[:-1], name) is None:
                continue  # NOTE: optional peers are used when present, never installed.
            edges.append(_Edge(path[:-1], name, spec, f"{who} (peer)", peer=True))
        return edges

    def _prefetch(self, deps: dict[str, str]) -> None:
        """Start fetching the packuments `deps` will need, so a deep tree costs about one
        round trip per level instead of one per package."""
        if self.registry is None:
            return
        for name, spec in sorted(deps.items()):
            real = _split_alias(name, spec)[0]
            try:
                validate_package_name(real)
            except InvalidSpecifier:
                continue  # reported, with its dependent, when the edge is placed
            if not self._has_preferred(real):
                self.registry.prefetch(real)

    def _has_preferred(self, name: str) -> bool:
        return name in self._preferred

    async def _satisfies(self, pkg: ResolvedPackage, edge: _Edge) -> bool:
        real, wanted = _split_alias(edge.name, edge.spec)
        if pkg.name != real:
            return False
        if is_dist_tag(wanted):
            if wanted == "latest":
                return True  # NOTE: an installed copy serves `latest`; upgrades are explicit.
            if self.registry is None:
                return False
            packument = await self.registry.packument(real)
            return packument.dist_tags.get(wanted) == pkg.version
        range_ = _range(wanted)
        version = _version(pkg.version)
        if range_ is None:
            raise _unsupported(edge)
        return version is not None and range_.test(version)

    async def _choose(self, edge: _Edge) -> ResolvedPackage:
        real, wanted = _split_alias(edge.name, edge.spec)
        validate_package_name(real, f"{edge.name}@{edge.spec}")
        if not is_dist_tag(wanted):
            range_ = _range(wanted)
            if range_ is None:
                raise _unsupported(edge)
            candidates = [
                p
                for p in self._preferred.get(real, [])
                if (v := _version(p.version)) is not None and range_.test(v)
            ]
            if candidates:
                return max(candidates, key=lambda p: Version.parse(p.version))
        if self.registry is None:
            raise ResolutionConflict(
                real, f"{wanted!r} is not in the lockfile and installs are offline"
            )
        self.progress(f"resolving {real}@{wanted}")
        packument = await self.registry.packument(real)
        version = pick_version(packument, wanted)
        manifest = packument.manifest(version)
        assert manifest is not None
        checksum = manifest.dist.checksum()
        if checksum is None:
            raise DependencyError(
                f"{real}@{version}", "the registry publishes no integrity or shasum for it"
            )
        optional = manifest.optional_dependencies
        return ResolvedPackage(
            name=real,
            version=version,
            resolved=manifest.dist.tarball,
            integrity=str(checksum),
            # NOTE: optional dependencies are platform binaries in practice; isolates run
            # no native code, so they are skipped.
            dependencies={k: v for k, v in manifest.dependencies.items() if k not in optional},
            peer_dependencies=dict(manifest.peer_dependencies),
            optional_peers=frozenset(
                k for k, meta in manifest.peer_dependencies_meta.items() if meta.optional
            ),
        )

    async def _place(
        self,
        edge: _Edge,
        tree: dict[InstallPath, ResolvedPackage],
        edges: dict[str, list[_Edge]],
        result: Resolution,
    ) -> InstallPath | None:
        """Satisfy `edge`; returns the path of a newly placed package (to visit), else None."""
        found = _lookup(tree, edge.origin, edge.name)
        if found is not None and await self._satisfies(tree[found], edge):
            edges.setdefault(edge.name, []).append(edge)
            return None
        if found is not None and edge.peer:
            have = tree[found]
            result.warnings.append(
                f"{edge.dependent} wants {edge.name}@{edge.spec} but {have.name}@{have.version} "
                "is installed; keeping it"
            )
            return None
        chosen = await self._choose(edge)
        # The shallowest level at which the new package is still the one the dependent finds.
        start = len(found) if found is not None else 0
        for depth in range(start, len(edge.origin) + 1):
            level = edge.origin[:depth]
            target = (*level, edge.name)
            if target in tree:
                continue
            if not await self._safe_to_place(target, chosen, edges, tree):
                continue
            if len(target) > MAX_DEPTH:
                raise ResolutionConflict(
                    edge.name,
                    f"cannot place {chosen.name}@{chosen.version} for {edge.dependent}: a "
                    "dependency cycle between different versions nests without end "
                    f"({path_to_key(target[:4])}/…)",
                )
            tree[target] = chosen
            edges.setdefault(edge.name, []).append(edge)
            self._prefetch({**chosen.dependencies, **chosen.peer_dependencies})
            return target
        raise ResolutionConflict(
            edge.name, f"cannot place {chosen.name}@{chosen.version} for {edge.dependent}"
        )

    async def _safe_to_place(
        self,
        target: InstallPath,
        chosen: ResolvedPackage,
        edges: dict[str, list[_Edge]],
        tree: dict[InstallPath, ResolvedPackage],
    ) -> bool:
        """Placing `chosen` at `target` must not change what an earlier dependent gets."""
        level, name = target[:-1], target[-1]
        for edge in edges.get(name, ()):
            if edge.origin[: len(level)] != level:
                continue
            current = _lookup(tree, edge.origin, name)
            if current is not None and len(current) > len(target):
                continue  # a closer copy still shadows the new one for this dependent
            if not await self._satisfies(chosen, edge):
                return False
        return True


def _unsupported(edge: _Edge) -> InvalidSpecifier:
    return InvalidSpecifier(
        f"{edge.name}@{edge.spec}",
        f"required by {edge.dependent}: only npm version ranges, dist-tags and npm: "
        "aliases are supported (not git, file or URL dependencies)",
    )


def _lookup(
    tree: dict[InstallPath, ResolvedPackage], origin: InstallPath, name: str
) -> InstallPath | None:
    """Where Node finds `name` from the package at `origin`: nearest node_modules upward."""
    for depth in range(len(origin), -1, -1):
        candidate = (*origin[:depth], name)
        if candidate in tree:
            return candidate
    return None
