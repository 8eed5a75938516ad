"""File tree → route table (SPEC §2.1).

`hello.ts` → `/hello`, `users/index.ts` → `/users`, `users/[id].ts` →
`/users/:id`, `files/[...rest].ts` → catch-all. Matching walks the segments with
a fixed precedence so the result never depends on directory listing order:
static segment > `[param]` > `[...rest]`, then extension (`.ts` > `.tsx` > `.js` >
`.mjs` for the same path).

A symlink that leads outside the folder (to a file, or to a folder) is not a
route: its URL answers 403 without saying where it leads, as the management API
does for such paths.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

# NOTE: `.tsx` and `.mjs` are routable too (swc transpiles TSX; `.mjs` is what
# Node users write for ESM). When one route has several files, the order below
# decides, most TypeScript-ish first, as SPEC §2.1 asks for `.ts` over `.js`.
EXTENSIONS: tuple[str, ...] = (".ts", ".tsx", ".js", ".mjs")
RESERVED_PREFIX = "/api/v1/exec"
# Folders that are never scanned even though they do not start with `_` or `.`.
IGNORED_DIRS = frozenset({"node_modules"})

_PARAM = re.compile(r"\[([A-Za-z_$][\w$]*)\]")
_REST = re.compile(r"\[\.\.\.([A-Za-z_$][\w$]*)\]")

SegmentKind = Literal["static", "param", "rest"]


@dataclass(frozen=True)
class Segment:
    kind: SegmentKind
    value: str  # literal text, or the parameter name


@dataclass(frozen=True)
class Route:
    """One routable script."""

    pattern: str  # "/users/[id]"
    file: str  # POSIX path relative to the root: "users/[id].ts"
    segments: tuple[Segment, ...]
    shadowed: tuple[str, ...] = ()  # same pattern, lower-priority files (".js" twins)
    outside: bool = False  # a symlink leading outside the folder: refused, not served

    @property
    def is_dynamic(self) -> bool:
        return any(segment.kind != "static" for segment in self.segments)

    def __repr__(self) -> str:
        return f"Route({self.pattern!r} -> {self.file!r})"


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    params: dict[str, str]


@dataclass(frozen=True)
class RouteMiss:
    """Why nothing matched (for 404 bodies and `route resolve` diagnostics)."""

    reason: str
    status: int = 404
    error: str = "not_found"


OUTSIDE_REASON = (
    "this path is a symlink that leads outside the scripts folder; such scripts are not served"
)


@dataclass
class _Node:
    static: dict[str, _Node] = field(default_factory=dict)
    param: tuple[str, _Node] | None = None
    rest: tuple[str, Route] | None = None
    route: Route | None = None


class RouteTable:
    """Immutable once built; the server swaps in a new table on file events."""

    def __init__(
        self, routes: Iterable[Route], problems: Iterable[str] = (), refused: Iterable[Route] = ()
    ) -> None:
        self.routes: tuple[Route, ...] = tuple(sorted(routes, key=_display_order))
        self.problems: tuple[str, ...] = tuple(problems)
        self._root = _Node()
        self._by_file: dict[str, Route] = {}
        for route in self.routes:
            self._insert(route)
        # After the real routes: at one position a real file wins over a link.
        for route in refused:
            self._insert(route)

    def __len__(self) -> int:
        return len(self.routes)

    def __repr__(self) -> str:
        return f"RouteTable({len(self.routes)} routes)"

    def by_file(self, file: str) -> Route | None:
        return self._by_file.get(file)

    def match(self, path: str) -> RouteMatch | None:
        found = self.resolve(path)
        return found if isinstance(found, RouteMatch) else None

    def resolve(self, path: str) -> RouteMatch | RouteMiss:
        """The route for a URL path (already percent-decoded), or why there is none."""
        if _is_reserved(path):
            return RouteMiss(f"{RESERVED_PREFIX}/ is reserved for the management API")
        parts = [part for part in path.split("/") if part]
        if any(part.startswith(("_", ".")) for part in parts):
            return RouteMiss("names starting with '_' or '.' are private and not routable")
        params: dict[str, str] = {}
        route = self._walk(self._root, parts, 0, params)
        if route is None:
            return RouteMiss(f"no script in the folder matches {path!r}")
        if route.outside:
            return RouteMiss(OUTSIDE_REASON, 403, "forbidden_path")
        return RouteMatch(route, params)

    def _walk(
        self, node: _Node, parts: list[str], index: int, params: dict[str, str]
    ) -> Route | None:
        # Backtracking keeps precedence per segment: a static child is tried before
        # a [param] child, and a catch-all only when neither leads to a route.
        if index == len(parts):
            if node.route is not None:
                return node.route
        else:
            part = parts[index]
            child = node.static.get(part)
            if child is not None:
                found = self._walk(child, parts, index + 1, params)
                if found is not None:
                    return found
            if node.param is not None:
                name, child = node.param
                params[name] = part
                found = self._walk(child, parts, index + 1, params)
                if found is not None:
                    return found
                del params[name]
        if node.rest is not None and index < len(parts):
            name, route = node.rest
            params[name] = "/".join(parts[index:])
            return route
        return None

    def _insert(self, route: Route) -> None:
        if not route.outside:
            self._by_file[route.file] = route
        node = self._root
        for segment in route.segments:
            if segment.kind == "static":
                node = node.static.setdefault(segment.value, _Node())
            elif segment.kind == "param":
                if node.param is None or node.param[0] != segment.value:
                    # Two different names at one position ([id] vs [slug]) are reported
                    # by build_route_table; the first one wins here.
                    node.param = node.param or (segment.value, _Node())
                node = node.param[1]
            else:
                node.rest = node.rest or (segment.value, route)
                return
        node.route = node.route or route


def _is_reserved(path: str) -> bool:
    return path == RESERVED_PREFIX or path.startswith(RESERVED_PREFIX + "/")


def _display_order(route: Route) -> tuple[object, ...]:
    # Most specific first so the printed table reads in matching order.
    kinds = {"static": 0, "param": 1, "rest": 2}
    return (*tuple((kinds[s.kind], s.value) for s in route.segments), (-1, ""))


def route_for_file(relative: str) -> tuple[str, tuple[Segment, ...]] | None:
    """The pattern and segments of a script path relative to the root, or None if
    it is not routable (private, wrong extension, bad bracket name)."""
    path = PurePosixPath(relative)
    if path.suffix not in EXTENSIONS or path.name.endswith(".d.ts"):
        return None
    parts = [*path.parts[:-1], path.name[: -len(path.suffix)]]
    if any(part.startswith(("_", ".")) or part in IGNORED_DIRS for part in parts):
        return None
    if parts[-1] == "index":
        parts.pop()
    segments: list[Segment] = []
    for position, part in enumerate(parts):
        if rest := _REST.fullmatch(part):
            if position != len(parts) - 1:
                return None
            segments.append(Segment("rest", rest.group(1)))
        elif param := _PARAM.fullmatch(part):
            segments.append(Segment("param", param.group(1)))
        elif "[" in part or "]" in part:
            return None
        else:
            segments.append(Segment("static", part))
    pattern = "/" + "/".join(parts)
    return pattern, tuple(segments)


def leads_outside(root: Path, relative: str) -> bool:
    """True if `root/relative` is, or lies under, a symlink whose target is outside
    `root` (an already resolved path). Resolved as far as it goes, so a dangling
    link to outside counts."""
    real = os.path.realpath(os.path.join(root, relative))
    base = str(root)
    return real != base and not real.startswith(base.rstrip(os.sep) + os.sep)


def scan_scripts(root: Path) -> list[str]:
    """Every candidate script file under `root` (POSIX paths relative to it)."""
    return _scan(root)[0]


def _scan(root: Path) -> tuple[list[str], list[str]]:
    """Candidate scripts, and the symlinked folders leading outside (never walked)."""
    found: list[str] = []
    linked_out: list[str] = []
    for directory, dirnames, filenames in os.walk(root):
        # Pruning private folders here keeps node_modules and .git out of the walk.
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(("_", ".")) and d not in IGNORED_DIRS
        )
        base = Path(directory).relative_to(root)
        # NOTE: os.walk lists a symlinked folder but does not enter it.
        linked_out.extend(
            (base / d).as_posix()
            for d in dirnames
            if (Path(directory) / d).is_symlink() and leads_outside(root, (base / d).as_posix())
        )
        for name in sorted(filenames):
            if name.endswith(EXTENSIONS) and not name.startswith(("_", ".")):
                found.append((base / name).as_posix())
    return found, linked_out


def build_route_table(root: Path) -> RouteTable:
    """Scan `root` and build its route table; unroutable oddities become `problems`."""
    by_pattern: dict[str, list[tuple[str, tuple[Segment, ...]]]] = {}
    problems: list[str] = []
    refused: list[Route] = []
    root = root.resolve()
    files, linked_out = _scan(root)
    for folder in linked_out:
        # Everything under a folder link leading outside is refused, as one catch-all.
        under = route_for_file(f"{folder}/[...rest].ts")
        if under is not None:
            problems.append(f"{folder}: a symlink leading outside the scripts folder; not served")
            refused.append(Route(under[0], folder, under[1], outside=True))
    for relative in files:
        routed = route_for_file(relative)
        if routed is None:
            if not relative.endswith(".d.ts"):
                problems.append(
                    f"{relative}: not routable (use [name] or a final [...name] in brackets)"
                )
            continue
        pattern, segments = routed
        # Walked folders are real ones, so only a file that is a link can lead out.
        if (root / relative).is_symlink() and leads_outside(root, relative):
            problems.append(f"{relative}: a symlink leading outside the scripts folder; not served")
            refused.append(Route(pattern, relative, segments, outside=True))
            continue
        if _is_reserved(pattern):
            problems.append(f"{relative}: {pattern} is reserved for the management API; ignored")
            continue
        by_pattern.setdefault(_shape(segments), []).append((relative, segments))
    routes: list[Route] = []
    for candidates in by_pattern.values():
        candidates.sort(key=lambda item: _file_priority(item[0]))
        (file, segments), *others = candidates
        shadowed = tuple(other for other, _ in others)
        pattern = "/" + "/".join(_segment_text(s) for s in segments)
        for other in shadowed:
            problems.append(f"{other}: shadowed by {file} (same route {pattern})")
        routes.append(Route(pattern, file, segments, shadowed))
    problems.extend(_param_name_clashes(routes))
    return RouteTable(routes, problems, refused)


def _shape(segments: tuple[Segment, ...]) -> str:
    # Routes with the same shape collide: /users/[id] and /users/[slug] are one URL set,
    # and users/index.ts and users.ts are both /users.
    return "/".join(s.value if s.kind == "static" else f"<{s.kind}>" for s in segments)


def _segment_text(segment: Segment) -> str:
    if segment.kind == "param":
        return f"[{segment.value}]"
    if segment.kind == "rest":
        return f"[...{segment.value}]"
    return segment.value


def _file_priority(relative: str) -> tuple[int, int, str]:
    path = PurePosixPath(relative)
    # `users.ts` before `users/index.ts`: the shallower file is the more explicit one.
    return EXTENSIONS.index(path.suffix), len(path.parts), relative


def _param_name_clashes(routes: list[Route]) -> list[str]:
    names: dict[str, tuple[str, str]] = {}
    problems: list[str] = []
    for route in routes:
        prefix: list[str] = []
        for segment in route.segments:
            if segment.kind == "param":
                key = "/".join(prefix)
                seen = names.setdefault(key, (segment.value, route.file))
                if seen[0] != segment.value:
                    problems.append(
                        f"{route.file}: parameter [{segment.value}] conflicts with "
                        f"[{seen[0]}] of {seen[1]} at the same position; {seen[1]} wins"
                    )
            prefix.append(segment.value if segment.kind == "static" else "<param>")
    return problems
