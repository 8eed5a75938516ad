"""route: resolve, discover, test — with reasons."""

from __future__ import annotations

import pytest

from api.conftest import error, ok
from hoody_exec.api.models import DiscoverResult, ResolveResult, RouteTestResult


@pytest.mark.parametrize(
    ("url", "file", "params"),
    [
        ("/routing/users/42", "routing/users/[id].ts", {"id": "42"}),
        ("http://example.com/routing/users/me?x=1", "routing/users/me.ts", {}),
        ("routing/files/a/b/c.txt", "routing/files/[...rest].ts", {"rest": "a/b/c.txt"}),
        ("/routing/users/caf%C3%A9", "routing/users/[id].ts", {"id": "café"}),
        ("/routing/twin", "routing/twin.ts", {}),
    ],
)
def test_resolve(api, url, file, params):
    result = ok(api.post("/route/resolve", json={"url": url}), ResolveResult)
    assert result.matched and result.route is not None
    assert (result.route.file, result.params) == (file, params)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("/routing/_private", "private"),
        ("/api/v1/exec/health", "reserved"),
        ("/nothing/here", "no script"),
    ],
)
def test_resolve_miss_says_why(api, url, reason):
    result = ok(api.post("/route/resolve", json={"url": url}), ResolveResult)
    assert not result.matched and result.route is None and reason in result.reason


def test_discover(api):
    found = ok(api.post("/route/discover", json={}), DiscoverResult)
    by_pattern = {r.pattern: r for r in found.routes}
    assert found.count == len(found.routes)
    user = by_pattern["/routing/users/[id]"]
    assert user.dynamic and user.params == ["id"]
    assert by_pattern["/routing/twin"].shadowed == ["routing/twin.js"]
    assert by_pattern["/modes/worker"].mode == "worker"
    assert by_pattern["/modes/worker"].comments == {"mode": "worker"}
    assert any("twin.js" in p for p in found.problems)
    bare = ok(api.post("/route/discover", json={"include_comments": False}), DiscoverResult)
    assert all(r.comments == {} and r.mode is None for r in bare.routes)


def test_test_against_the_table_explains_the_match(api):
    result = ok(api.post("/route/test", json={"url": "/routing/users/me"}), RouteTestResult)
    assert result.matched and result.file == "routing/users/me.ts"
    assert "exact static" in result.reason
    dynamic = ok(api.post("/route/test", json={"url": "/routing/users/7"}), RouteTestResult)
    assert dynamic.params == {"id": "7"} and "static segments win" in dynamic.reason
    assert dynamic.steps[-1] == "segment 3: [id] = '7'"
    miss = ok(api.post("/route/test", json={"url": "/zzz"}), RouteTestResult)
    assert not miss.matched and "no script" in miss.reason


@pytest.mark.parametrize(
    ("pattern", "url", "matched", "params", "reason"),
    [
        ("/blog/[slug]", "/blog/hello", True, {"slug": "hello"}, "matches /blog/[slug]"),
        ("blog/[slug].ts", "/blog/hello", True, {"slug": "hello"}, "matches"),
        ("/blog/[slug]", "/blog", False, {}, "segment"),
        ("/blog/[slug]", "/blog/a/b", False, {}, "the pattern 2"),
        ("/blog/[slug]", "/news/a", False, {}, "'news' ≠ 'blog'"),
        ("/files/[...rest]", "/files/a/b", True, {"rest": "a/b"}, "catch-all"),
        ("/files/[...rest]", "/files", False, {}, "catch-all"),
        ("/", "/", True, {}, "matches /"),
        ("/a", "/_a", False, {}, "private"),
    ],
)
def test_test_against_a_pattern(api, pattern, url, matched, params, reason):
    result = ok(api.post("/route/test", json={"url": url, "pattern": pattern}), RouteTestResult)
    assert (result.matched, result.params) == (matched, params)
    assert reason in result.reason, result


def test_test_refuses_bad_patterns(api):
    error(api.post("/route/test", json={"url": "/a", "pattern": "/a/[b"}), 400, "invalid_pattern")
    error(api.post("/route/test", json={"url": "/a", "pattern": "/_x"}), 400, "invalid_pattern")
    error(api.post("/route/resolve", json={"url": ""}), 422)
