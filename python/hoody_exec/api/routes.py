"""route: resolve, discover, test — the live route table, explained."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from hoody_exec.api.analysis import comments_dict, mode_and_problems
from hoody_exec.api.errors import ApiError
from hoody_exec.api.models import (
    DiscoveredRoute,
    DiscoverResult,
    DiscoverRoutes,
    ResolveResult,
    ResolveRoute,
    RouteRef,
    RouteTestRequest,
    RouteTestResult,
)
from hoody_exec.api.operation import Context, Operation
from hoody_exec.routing import (
    RESERVED_PREFIX,
    Route,
    RouteMatch,
    RouteTable,
    Segment,
    route_for_file,
)


def url_path(url: str) -> str:
    """The decoded path of a URL or path, as the server's router sees it."""
    if "\x00" in url:
        raise ApiError(400, "invalid_url", "NUL bytes are not allowed in URLs")
    parts = urlsplit(
        url if "://" in url else "http://host" + ("" if url.startswith("/") else "/") + url
    )
    return unquote(parts.path) or "/"


def _table(ctx: Context, path: str) -> RouteTable:
    routes = ctx.app.routes
    if not isinstance(routes.table.resolve(path), RouteMatch):
        routes.rescan_if_stale()
    return routes.table


async def resolve(ctx: Context, body: ResolveRoute) -> ResolveResult:
    path = url_path(body.url)
    found = _table(ctx, path).resolve(path)
    if isinstance(found, RouteMatch):
        return ResolveResult(
            url=body.url,
            path=path,
            matched=True,
            route=RouteRef(pattern=found.route.pattern, file=found.route.file),
            params=found.params,
            reason=f"{found.route.file} serves {found.route.pattern}",
        )
    return ResolveResult(
        url=body.url, path=path, matched=False, route=None, params={}, reason=found.reason
    )


async def discover(ctx: Context, body: DiscoverRoutes) -> DiscoverResult:
    table = ctx.app.routes.rebuild()
    env = ctx.app.runtime.loader.env
    found = []
    for route in table.routes:
        mode: str | None = None
        problems: list[str] = []
        comments: dict[str, str] = {}
        if body.include_comments:
            mode, problems, source = mode_and_problems(ctx.root / route.file, env)
            comments = comments_dict(source)
        found.append(
            DiscoveredRoute(
                pattern=route.pattern,
                file=route.file,
                dynamic=route.is_dynamic,
                params=[s.value for s in route.segments if s.kind != "static"],
                shadowed=list(route.shadowed),
                mode=mode,
                comments=comments,
                problems=problems,
            )
        )
    return DiscoverResult(routes=found, count=len(found), problems=list(table.problems))


def _pattern_route(pattern: str) -> Route:
    """A route from `/users/[id]` or from a file path such as `users/[id].ts`."""
    text = pattern.strip()
    if "\x00" in text or "\\" in text or ".." in text.split("/"):
        raise ApiError(
            400, "invalid_pattern", "a pattern is /a/[param]/[...rest]", {"pattern": text}
        )
    file = text.lstrip("/")
    if not file.endswith((".ts", ".tsx", ".js", ".mjs")):
        file = (file or "index") + ".ts"
    routed = route_for_file(file)
    if routed is None:
        raise ApiError(
            400,
            "invalid_pattern",
            f"{pattern!r} is not a route pattern: use static segments, [name] and a final "
            "[...name]; no segment may start with '_' or '.'",
            {"pattern": pattern},
        )
    shown, segments = routed
    text_pattern = "/" + "/".join(_segment_text(s) for s in segments)
    return Route(text_pattern if segments else shown, file, segments)


def _segment_text(segment: Segment) -> str:
    if segment.kind == "param":
        return f"[{segment.value}]"
    if segment.kind == "rest":
        return f"[...{segment.value}]"
    return segment.value


def explain(route: Route, path: str) -> tuple[bool, dict[str, str], list[str], str]:
    """Match `path` against one route, segment by segment, saying why."""
    parts = [p for p in path.split("/") if p]
    steps: list[str] = []
    params: dict[str, str] = {}
    if path == RESERVED_PREFIX or path.startswith(RESERVED_PREFIX + "/"):
        return False, {}, steps, "/api/v1/exec/ is reserved for the management API"
    private = next((p for p in parts if p.startswith(("_", "."))), None)
    if private is not None:
        return (
            False,
            {},
            steps,
            f"segment {private!r} starts with '_' or '.': private, not routable",
        )
    for index, segment in enumerate(route.segments):
        if segment.kind == "rest":
            rest = parts[index:]
            if not rest:
                steps.append(f"[...{segment.value}] needs at least one segment; none left")
                return False, {}, steps, f"nothing left for the catch-all [...{segment.value}]"
            params[segment.value] = "/".join(rest)
            steps.append(f"[...{segment.value}] takes {'/'.join(rest)!r}")
            return True, params, steps, f"matches {route.pattern} (catch-all)"
        if index >= len(parts):
            steps.append(
                f"segment {index + 1}: the URL ends; the pattern expects {_segment_text(segment)}"
            )
            return False, {}, steps, f"the URL has {len(parts)} segment(s), the pattern more"
        part = parts[index]
        if segment.kind == "static":
            if part != segment.value:
                steps.append(f"segment {index + 1}: {part!r} is not the static {segment.value!r}")
                return (
                    False,
                    {},
                    steps,
                    f"segment {index + 1} differs: {part!r} ≠ {segment.value!r}",
                )
            steps.append(f"segment {index + 1}: {part!r} equals the static segment")
        else:
            params[segment.value] = part
            steps.append(f"segment {index + 1}: [{segment.value}] = {part!r}")
    if len(parts) > len(route.segments):
        extra = "/".join(parts[len(route.segments) :])
        steps.append(f"left over: {extra!r}; the pattern has no catch-all")
        return (
            False,
            {},
            steps,
            f"the URL has {len(parts)} segment(s), the pattern {len(route.segments)}",
        )
    return True, params, steps, f"matches {route.pattern}"


async def test(ctx: Context, body: RouteTestRequest) -> RouteTestResult:
    path = url_path(body.url)
    if body.pattern is not None:
        route = _pattern_route(body.pattern)
        matched, params, steps, reason = explain(route, path)
        return RouteTestResult(
            url=body.url,
            path=path,
            matched=matched,
            pattern=route.pattern,
            file=None,
            params=params,
            reason=reason,
            steps=steps,
        )
    found = _table(ctx, path).resolve(path)
    if not isinstance(found, RouteMatch):
        return RouteTestResult(
            url=body.url,
            path=path,
            matched=False,
            pattern=None,
            file=None,
            params={},
            reason=found.reason,
            steps=[],
        )
    _, _, steps, _ = explain(found.route, path)
    kinds = {s.kind for s in found.route.segments}
    why = (
        "static segments win over [param], [param] over [...rest]"
        if kinds - {"static"}
        else "an exact static match"
    )
    return RouteTestResult(
        url=body.url,
        path=path,
        matched=True,
        pattern=found.route.pattern,
        file=found.route.file,
        params=found.params,
        reason=f"{found.route.file} serves {found.route.pattern} ({why})",
        steps=steps,
    )


_ERRORS = (400, 401, 422)

OPERATIONS = (
    Operation(
        "POST",
        "/route/resolve",
        "route",
        "Which script a URL maps to, with its params",
        ResolveRoute,
        ResolveResult,
        resolve,
        errors=_ERRORS,
    ),
    Operation(
        "POST",
        "/route/discover",
        "route",
        "Every route with its magic comments",
        DiscoverRoutes,
        DiscoverResult,
        discover,
        errors=_ERRORS,
    ),
    Operation(
        "POST",
        "/route/test",
        "route",
        "Test a URL against the table or a given pattern, with the reason",
        RouteTestRequest,
        RouteTestResult,
        test,
        errors=_ERRORS,
    ),
)
