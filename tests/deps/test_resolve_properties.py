"""Resolution properties over random package universes (an in-memory registry)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from hoody_exec.deps import DependencyError, RegistryClient, ResolutionConflict, satisfies
from hoody_exec.deps.lockfile import InstallPath, ResolvedPackage
from hoody_exec.deps.resolve import Resolver

NAMES = ["a", "b", "c", "d", "e"]
VERSIONS = ["1.0.0", "1.1.0", "2.0.0", "2.1.0", "3.0.0-rc.1"]
RANGES = ["^1", "^2", "*", "~1.1", ">=1.1 <2.1", "1 || 2", "^3.0.0-rc.0"]

# Keys "peer:x" become peerDependencies.
deps_strategy = st.dictionaries(
    st.sampled_from(NAMES + [f"peer:{n}" for n in NAMES]), st.sampled_from(RANGES), max_size=3
)
# Every package publishes every version (so conflicts, not missing versions, dominate);
# some versions of some packages are left out to exercise "no matching version" too.
universe_strategy = st.fixed_dictionaries(
    {name: st.fixed_dictionaries({v: deps_strategy for v in VERSIONS}) for name in NAMES}
).flatmap(
    lambda u: st.sets(st.sampled_from([(n, v) for n in NAMES for v in VERSIONS]), max_size=3).map(
        lambda drop: {n: {v: d for v, d in vs.items() if (n, v) not in drop} for n, vs in u.items()}
    )
)


def serve(universe: dict[str, dict[str, dict[str, str]]]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        name = request.url.path.lstrip("/")
        if name not in universe:
            return httpx.Response(404, json={})
        versions = {
            v: {
                "name": name,
                "version": v,
                "dependencies": {d: r for d, r in deps.items() if d != name and ":" not in d},
                "peerDependencies": {
                    d[5:]: r for d, r in deps.items() if d.startswith("peer:") and d[5:] != name
                },
                "dist": {
                    "tarball": f"http://x/{name}-{v}.tgz",
                    "integrity": "sha512-" + "A" * 86 + "==",
                },
            }
            for v, deps in universe[name].items()
        }
        stable = [v for v in versions if "-" not in v]
        latest = max(stable or list(versions), key=lambda v: tuple(map(str, v.split("."))))
        body: dict[str, Any] = {"name": name, "versions": versions, "dist-tags": {"latest": latest}}
        return httpx.Response(200, content=json.dumps(body).encode())

    return httpx.MockTransport(handler)


async def resolve(universe: Any, root: dict[str, str]) -> dict[InstallPath, ResolvedPackage]:
    async with RegistryClient("http://registry.test/", transport=serve(universe)) as client:
        return (await Resolver(client).resolve(root)).tree


def lookup(tree: dict[InstallPath, ResolvedPackage], origin: InstallPath, name: str):
    for depth in range(len(origin), -1, -1):
        if (*origin[:depth], name) in tree:
            return tree[(*origin[:depth], name)]
    return None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(universe_strategy, deps_strategy)
def test_every_dependent_finds_a_satisfying_version(universe, root) -> None:
    try:
        tree = asyncio.run(resolve(universe, {k: v for k, v in root.items() if ":" not in k}))
    except DependencyError:
        event("no solution")
        return  # no version matches somewhere: a clear error is the right outcome
    event("nested" if any(len(p) > 1 for p in tree) else "flat")
    for name, range_ in root.items():
        if ":" not in name:
            assert satisfies(tree[(name,)].version, range_)
    for path, pkg in tree.items():
        for name, range_ in pkg.dependencies.items():
            found = lookup(tree, path, name)
            assert found is not None, f"{path} cannot find {name}"
            assert satisfies(found.version, range_), f"{path} gets {name}@{found.version}"
        for name in pkg.peer_dependencies:
            if name not in pkg.dependencies:
                # A peer is present where the package's parent looks it up (its version may
                # differ: that is a warning, the folder's choice wins).
                assert lookup(tree, path[:-1], name) is not None, f"{path}: no peer {name}"
        # A nested copy exists only because the one its parent would find differs.
        if len(path) > 1:
            above = lookup(tree, path[:-2], path[-1])
            assert above is None or above.version != pkg.version
    # Deterministic: the same inputs give the same tree.
    assert asyncio.run(resolve(universe, {k: v for k, v in root.items() if ":" not in k})) == tree


def test_cycle_between_versions_is_an_error_not_a_hang() -> None:
    universe = {
        "a": {"1.0.0": {"b": "^1"}, "2.0.0": {"b": "^2"}},
        "b": {"1.0.0": {"a": "^2"}, "2.0.0": {"a": "^1"}},
    }
    with pytest.raises(ResolutionConflict, match="cycle") as info:
        asyncio.run(resolve(universe, {"a": "^1"}))
    assert "node_modules/b/node_modules/b" in str(info.value)


def test_plain_cycles_resolve() -> None:
    universe = {"a": {"1.0.0": {"b": "^1"}}, "b": {"1.0.0": {"a": "^1"}}}
    tree = asyncio.run(resolve(universe, {"a": "^1"}))
    assert sorted(tree) == [("a",), ("b",)]
