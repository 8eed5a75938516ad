from pathlib import Path

import pytest

from hoody_exec.routing import (
    LiveRoutes,
    RouteMatch,
    RouteMiss,
    build_route_table,
    route_for_file,
)


def make_tree(root: Path, files: list[str]) -> Path:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("return 1;\n")
    return root


@pytest.fixture
def table(tmp_path):
    make_tree(
        tmp_path,
        [
            "index.ts",
            "hello.ts",
            "hello.js",
            "plain.js",
            "mod.mjs",
            "comp.tsx",
            "users/index.ts",
            "users/[id].ts",
            "users/me.ts",
            "users/[id]/posts.ts",
            "files/[...rest].ts",
            "files/readme.ts",
            "_lib/db.ts",
            ".hidden/x.ts",
            "admin/_private.ts",
            "types.d.ts",
            "node_modules/zod/index.js",
            "api/v1/exec/health.ts",
            "notes.txt",
        ],
    )
    return build_route_table(tmp_path)


def resolved(table, path):
    found = table.resolve(path)
    assert isinstance(found, RouteMatch), found
    return found.route.file, found.params


@pytest.mark.parametrize(
    ("path", "file", "params"),
    [
        ("/", "index.ts", {}),
        ("/hello", "hello.ts", {}),
        ("/hello/", "hello.ts", {}),
        ("/plain", "plain.js", {}),
        ("/mod", "mod.mjs", {}),
        ("/comp", "comp.tsx", {}),
        ("/users", "users/index.ts", {}),
        ("/users/42", "users/[id].ts", {"id": "42"}),
        ("/users/me", "users/me.ts", {}),
        ("/users/7/posts", "users/[id]/posts.ts", {"id": "7"}),
        ("/files/a/b/c.txt", "files/[...rest].ts", {"rest": "a/b/c.txt"}),
        ("/files/readme", "files/readme.ts", {}),
        ("/files/x", "files/[...rest].ts", {"rest": "x"}),
    ],
)
def test_matching(table, path, file, params):
    assert resolved(table, path) == (file, params)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/nope", "no script"),
        ("/users/1/2", "no script"),
        ("/files", "no script"),
        ("/_lib/db", "private"),
        ("/.hidden/x", "private"),
        ("/admin/_private", "private"),
        ("/api/v1/exec/health", "reserved"),
        ("/api/v1/exec", "reserved"),
        ("/types", "no script"),
        ("/node_modules/zod", "no script"),
    ],
)
def test_misses_explain_themselves(table, path, reason):
    found = table.resolve(path)
    assert isinstance(found, RouteMiss)
    assert reason in found.reason
    assert table.match(path) is None


def test_ts_wins_over_js_and_is_reported(table):
    route = table.by_file("hello.ts")
    assert route is not None and route.shadowed == ("hello.js",)
    assert any("hello.js: shadowed by hello.ts" in p for p in table.problems)


def test_reserved_files_are_reported(table):
    assert any("api/v1/exec/health.ts" in p and "reserved" in p for p in table.problems)


def test_static_beats_dynamic_with_backtracking(tmp_path):
    table = build_route_table(make_tree(tmp_path, ["a/b/c.ts", "a/[x]/d.ts", "[...all].ts"]))
    assert resolved(table, "/a/b/c") == ("a/b/c.ts", {})
    # "b" matches statically first, fails at "d", then the [x] branch is tried.
    assert resolved(table, "/a/b/d") == ("a/[x]/d.ts", {"x": "b"})
    assert resolved(table, "/a/b/e") == ("[...all].ts", {"all": "a/b/e"})


def test_file_beats_folder_index(tmp_path):
    table = build_route_table(make_tree(tmp_path, ["users.ts", "users/index.ts"]))
    assert resolved(table, "/users") == ("users.ts", {})


def test_conflicting_param_names_are_reported(tmp_path):
    table = build_route_table(make_tree(tmp_path, ["u/[id].ts", "u/[slug]/x.ts"]))
    assert any("conflicts" in p for p in table.problems)


@pytest.mark.parametrize(
    ("file", "pattern"),
    [
        ("hello.ts", "/hello"),
        ("index.ts", "/"),
        ("a/index.js", "/a"),
        ("a/[id].ts", "/a/[id]"),
        ("a/[...rest].ts", "/a/[...rest]"),
        ("a/[...rest]/b.ts", None),
        ("a/[bad-name].ts", None),
        ("_x.ts", None),
        ("x.json", None),
        ("x.d.ts", None),
    ],
)
def test_route_for_file(file, pattern):
    routed = route_for_file(file)
    assert (routed[0] if routed else None) == pattern


def test_route_table_display_order(table):
    patterns = [route.pattern for route in table.routes]
    assert patterns.index("/users/me") < patterns.index("/users/[id]")
    assert patterns[-1] == "/files/[...rest]" or "/files/[...rest]" in patterns


def test_live_routes_apply_changes(tmp_path):
    make_tree(tmp_path, ["a.ts"])
    live = LiveRoutes(tmp_path)
    assert live.table.match("/b") is None
    make_tree(tmp_path, ["b.ts"])
    assert live.apply_changes([tmp_path / "notes.txt"]) is False
    assert live.apply_changes([tmp_path / "b.ts"]) is True
    assert live.table.match("/b") is not None
