"""The installer against a local registry: resolution, layout, integrity, cache, lockfile."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from hoody_exec.deps import (
    LOCKFILE_NAME,
    Installer,
    IntegrityMismatch,
    NoMatchingVersion,
    PackageCache,
    PackageNotFound,
    RegistryUnreachable,
    UnsafeTarball,
    installed_version,
    read_lockfile,
)

from .conftest import FakeRegistry, make_tarball, sri


def version_at(folder: Path, *names: str) -> str | None:
    target = folder
    for name in names:
        target = target / "node_modules" / name
    return installed_version(target)


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


async def test_installs_latest_and_writes_package_json_and_lockfile(
    registry: FakeRegistry, installer: Installer, scripts: Path
) -> None:
    registry.publish("ms", "2.0.0")
    registry.publish("ms", "2.1.3")
    result = await installer.install(scripts, ["ms"])
    assert result.added == ["ms@2.1.3"]
    assert version_at(scripts, "ms") == "2.1.3"
    assert (scripts / "node_modules/ms/index.js").read_text().startswith("module.exports")
    manifest = json.loads((scripts / "package.json").read_text())
    assert manifest["dependencies"] == {"ms": "^2.1.3"}
    lock = read_lockfile(scripts)
    assert lock is not None
    assert lock.dependencies == {"ms": "^2.1.3"}
    assert lock.packages["node_modules/ms"].version == "2.1.3"
    assert lock.packages["node_modules/ms"].integrity.startswith("sha512-")
    assert all("application/vnd.npm.install-v1+json" in h for h in registry.accept_headers)
    # No temporary files are left behind.
    assert not [p for p in listing(scripts) if ".hoody-install-" in p or p.endswith(".tmp")]


async def test_ranges_and_existing_package_json_are_respected(
    registry: FakeRegistry, installer: Installer, scripts: Path
) -> None:
    for v in ("1.0.0", "1.4.2", "2.0.0", "2.1.0"):
        registry.publish("lib", v)
    (scripts / "package.json").write_text(
        json.dumps({"name": "mine", "scripts": {"x": "y"}, "dependencies": {"lib": "~1.0"}})
    )
    await installer.install(scripts)
    assert version_at(scripts, "lib") == "1.0.0"
    manifest = json.loads((scripts / "package.json").read_text())
    assert manifest["name"] == "mine" and manifest["scripts"] == {"x": "y"}
    # An explicit range replaces the declared one.
    await installer.install(scripts, ["lib@^1.1"])
    assert version_at(scripts, "lib") == "1.4.2"
    assert json.loads((scripts / "package.json").read_text())["dependencies"] == {"lib": "^1.1"}


async def test_latest_tag_wins_when_it_satisfies(
    registry: FakeRegistry, installer: Installer, scripts: Path
) -> None:
    registry.publish("tagged", "1.0.0")
    registry.publish("tagged", "1.1.0")
    registry.publish("tagged", "1.2.0", tag="legacy")
    registry.publish("tagged", "2.0.0-beta.1", tag="next")
    registry.packages["tagged"]["dist-tags"]["latest"] = "1.1.0"
    await installer.install(scripts, ["tagged@^1"])
    assert version_at(scripts, "tagged") == "1.1.0"  # npm prefers `latest` when it satisfies
    await installer.install(scripts, ["tagged@next"])
    assert version_at(scripts, "tagged") == "2.0.0-beta.1"
    deps = json.loads((scripts / "package.json").read_text())["dependencies"]
    assert deps == {"tagged": "^2.0.0-beta.1"}  # a tag is saved as a range, as npm does


async def test_prereleases_only_when_asked(
    registry: FakeRegistry, installer: Installer, scripts: Path
) -> None:
    registry.publish("pre", "1.0.0")
    registry.publish("pre", "1.1.0-beta.1", tag="next")
    registry.publish("pre", "1.1.0-beta.2", tag="next")
    await installer.install(scripts, ["pre@>=1.0.0"])
    assert version_at(scripts, "pre") == "1.0.0"
    await installer.install(scripts, ["pre@^1.1.0-beta.1"])
    assert version_at(scripts, "pre") == "1.1.0-beta.2"


async def test_transitive_dependencies_are_hoisted_flat(
    registry: FakeRegistry, installer: Installer, scripts: Path
) -> None:
    registry.publish("leaf", "1.2.0")
    registry.publish("mid", "1.0.0", dependencies={"leaf": "^1.0.0"})
    registry.publish("top", "1.0.0", dependencies={"mid": "1", "leaf": "^1.1"})
    result = await installer.install(scripts, ["top"])
    assert result.total == 3
    assert [version_at(scripts, n) for n in ("top", "mid", "leaf")] == ["1.0.0", "1.0.0", "1.2.0"]
    assert not (scripts / "node_modules/top/node_modules").exists()
    assert json.loads((scripts / "package.json").read_text())["dependencies"] == {"top": "^1.0.0"}


async def test_conflicts_nest_under_the_dependent(
    registry: FakeRegistry, installer: Installer, scripts: Path
) -> None:
    registry.publish("shared", "1.0.0")
    registry.publish("shared", "2.0.0")
    registry.publish("a", "1.0.0", dependencies={"shared": "^1.0.0"})
    registry.publish("b", "1.0.0", dependencies={"shared": "^2.0.0"})
    await installer.install(scripts, ["a", "b", "shared@^2"])
    assert version_at(scripts, "shared") == "2.0.0"
    assert version_at(scripts, "a", "shared") == "1.0.0"
    assert not (scripts / "node_modules/b/node_modules").exists()
    lock = read_lockfile(scripts)
    assert lock is not None
    assert sorted(lock.packages) == [
        "node_modules/a",
        "node_modules/a/node_modules/shared",
        "node_modules/b",
        "node_modules/shared",
    ]


async def test_resolution_is_deterministic(
    registry: FakeRegistry, cache_dir: Path, tmp_path: Path
) -> None:
    registry.publish("x", "1.0.0")
    registry.publish("x", "2.0.0")
    registry.publish("p", "1.0.0", dependencies={"x": "1"})
    registry.publish("q", "1.0.0", dependencies={"x": "2"})
    locks = []
    for order in (["p", "q"], ["q", "p"]):
        folder = tmp_path / "-".join(order)
        folder.mkdir()
        await Installer(registry=registry.url, cache=PackageCache(cache_dir)).install(folder, order)
        locks.append((folder / LOCKFILE_NAME).read_text())
    assert locks[0] == locks[1]


async def test_peer_dependencies(
    registry: FakeRegistry, installer: Installer, scripts: Path
) -> None:
    registry.publish("react", "18.2.0")
    registry.publish("react", "19.0.0")
    registry.publish("react-thing", "1.0.0", peers={"react": ">=18 <20"})
    registry.publish("uses-opt", "1.0.0", peers={"debugger": "*"}, optional_peers=("debugger",))
    # The folder's own react satisfies the peer: reused, not duplicated.
    await installer.install(scripts, ["react@18", "react-thing", "uses-opt"])
    assert version_at(scripts, "react") == "18.2.0"
    assert not (scripts / "node_modules/react-thing/node_modules").exists()
    assert version_at(scripts, "debugger") is None  # optional peers are not installed


async def test_missing_peer_is_installed_beside_its_dependent(
    registry: FakeRegistry, installer: Installer, scripts: Path
) -> None:
    registry.publish("react", "18.2.0")
    registry.publish("react-thing", "1.0.0", peers={"react": "^18"})
    result = await installer.install(scripts, ["react-thing"])
    assert version_at(scripts, "react") == "18.2.0"
    assert result.warnings == []


async def test_incompatible_peer_is_a_warning(
    registry: FakeRegistry, installer: Installer, scripts: Path
) -> None:
    registry.publish("react", "17.0.0")
    registry.publish("react-thing", "1.0.0", peers={"react": "^18"})
    result = await installer.install(scripts, ["react@17", "react-thing"])
    assert version_at(scripts, "react") == "17.0.0"
    assert any("react-thing@1.0.0" in w and "react@17.0.0" in w for w in result.warnings)


async def test_not_found(registry: FakeRegistry, installer: Installer, scripts: Path) -> None:
    with pytest.raises(PackageNotFound) as info:
        await installer.install(scripts, ["no-such-package"])
    assert info.value.package == "no-such-package"
    assert "not found" in str(info.value)
    assert listing(scripts) == [".hoody-install.lock"]


async def test_unknown_dist_tag_lists_the_tags(
    registry: FakeRegistry, installer: Installer, scripts: Path
) -> None:
    registry.publish("tags", "1.0.0")
    registry.publish("tags", "2.0.0-rc.1", tag="next")
    with pytest.raises(NoMatchingVersion, match=r"no dist-tag 'beta'; its tags: latest, next"):
        await installer.install(scripts, ["tags@beta"])


async def test_no_matching_version_lists_what_exists(
    registry: FakeRegistry, installer: Installer, scripts: Path
) -> None:
    for v in ("1.0.0", "1.1.0", "2.0.0"):
        registry.publish("few", v)
    with pytest.raises(NoMatchingVersion) as info:
        await installer.install(scripts, ["few@^3"])
    message = str(info.value)
    assert "few" in message and "^3" in message and "2.0.0, 1.1.0, 1.0.0" in message


async def test_transitive_not_found_names_the_package(
    registry: FakeRegistry, installer: Installer, scripts: Path
) -> None:
    registry.publish("needs-ghost", "1.0.0", dependencies={"ghost": "^1"})
    with pytest.raises(PackageNotFound, match="ghost"):
        await installer.install(scripts, ["needs-ghost"])
    assert not (scripts / "node_modules").exists()


async def test_tampered_tarball_installs_nothing(
    registry: FakeRegistry, installer: Installer, scripts: Path
) -> None:
    registry.publish("good", "1.0.0")
    genuine = make_tarball({"package.json": '{"name":"bad","version":"1.0.0"}'})
    # The registry promises the genuine bytes' hash but serves something else.
    registry.publish("bad", "1.0.0", tarball=genuine + b"tampered", integrity=sri(genuine))
    with pytest.raises(IntegrityMismatch) as info:
        await installer.install(scripts, ["good", "bad"])
    assert info.value.package == "bad@1.0.0"
    assert "integrity" in str(info.value)
    assert listing(scripts) == [".hoody-install.lock"]  # not even `good` was written


async def test_shasum_is_the_fallback(
    registry: FakeRegistry, installer: Installer, scripts: Path
) -> None:
    registry.publish("old", "0.1.0", shasum_only=True)
    await installer.install(scripts, ["old"])
    lock = read_lockfile(scripts)
    assert lock is not None and lock.packages["node_modules/old"].integrity.startswith("sha1-")


async def test_escaping_tarball_is_refused_and_nothing_written(
    registry: FakeRegistry, installer: Installer, scripts: Path, tmp_path: Path
) -> None:
    import tarfile

    info = tarfile.TarInfo("package/../../evil")
    info.size = 1
    registry.publish(
        "escape", "1.0.0", tarball=make_tarball({"package.json": "{}"}, [(info, b"x")])
    )
    with pytest.raises(UnsafeTarball, match=r"escape@1\.0\.0.*'\.\.'"):
        await installer.install(scripts, ["escape"])
    assert not (tmp_path / "evil").exists()
    assert listing(scripts) == [".hoody-install.lock"]


async def test_offline_reinstall_from_cache(
    registry: FakeRegistry, cache_dir: Path, tmp_path: Path
) -> None:
    registry.publish("leaf", "1.0.0")
    registry.publish("top", "1.0.0", dependencies={"leaf": "^1"})
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    await Installer(registry=registry.url, cache=PackageCache(cache_dir)).install(first, ["top"])
    url = registry.url
    registry.stop()
    # A second folder, no lockfile, registry gone: packuments and tarballs come from the cache.
    result = await Installer(registry=url, cache=PackageCache(cache_dir)).install(second, ["top"])
    assert sorted(result.added) == ["leaf@1.0.0", "top@1.0.0"]
    assert version_at(second, "leaf") == "1.0.0"


async def test_registry_unreachable(cache_dir: Path, scripts: Path) -> None:
    installer = Installer(registry="http://127.0.0.1:9/", cache=PackageCache(cache_dir))
    with pytest.raises(RegistryUnreachable) as info:
        await installer.install(scripts, ["zod"])
    assert info.value.package == "zod"
    assert "unreachable" in str(info.value)


async def test_lockfile_reinstall_without_the_network(
    registry: FakeRegistry, cache_dir: Path, tmp_path: Path
) -> None:
    registry.publish("dep", "1.0.0")
    registry.publish("app", "1.0.0", dependencies={"dep": "^1"})
    first = tmp_path / "first"
    first.mkdir()
    await Installer(registry=registry.url, cache=PackageCache(cache_dir)).install(first, ["app"])
    # Newer versions appear, but the lockfile pins the old ones.
    registry.publish("dep", "1.5.0")
    registry.publish("app", "1.1.0", dependencies={"dep": "^1"})
    clone = tmp_path / "clone"
    clone.mkdir()
    for name in ("package.json", LOCKFILE_NAME):
        (clone / name).write_bytes((first / name).read_bytes())
    registry.hits.clear()
    result = await Installer(registry=registry.url, cache=PackageCache(cache_dir)).install(clone)
    assert result.from_lockfile
    assert version_at(clone, "app") == "1.0.0" and version_at(clone, "dep") == "1.0.0"
    assert sum(registry.hits.values()) == 0  # neither packuments nor tarballs were fetched
    # With an empty cache the locked tarballs are downloaded, still without resolution.
    third = tmp_path / "third"
    third.mkdir()
    for name in ("package.json", LOCKFILE_NAME):
        (third / name).write_bytes((first / name).read_bytes())
    await Installer(registry=registry.url, cache=PackageCache(tmp_path / "c2")).install(third)
    assert version_at(third, "app") == "1.0.0"
    assert all(path.startswith("/-/tarballs/") for path in registry.hits)


async def test_adding_a_package_keeps_locked_versions(
    registry: FakeRegistry, installer: Installer, scripts: Path
) -> None:
    registry.publish("dep", "1.0.0")
    registry.publish("other", "1.0.0")
    await installer.install(scripts, ["dep"])
    registry.publish("dep", "1.9.0")
    registry.publish("extra", "1.0.0", dependencies={"dep": "^1"})
    await installer.install(scripts, ["extra"])
    assert version_at(scripts, "dep") == "1.0.0"
    assert version_at(scripts, "extra") == "1.0.0"


async def test_removed_dependencies_are_pruned(
    registry: FakeRegistry, installer: Installer, scripts: Path
) -> None:
    registry.publish("leaf", "1.0.0")
    registry.publish("top", "1.0.0", dependencies={"leaf": "1"})
    await installer.install(scripts, ["top"])
    manifest = json.loads((scripts / "package.json").read_text())
    manifest["dependencies"] = {}
    (scripts / "package.json").write_text(json.dumps(manifest))
    result = await installer.install(scripts)
    assert sorted(result.removed) == ["node_modules/leaf", "node_modules/top"]
    assert version_at(scripts, "top") is None


async def test_concurrent_installs_install_once(
    registry: FakeRegistry, installer: Installer, scripts: Path
) -> None:
    registry.publish("leaf", "1.0.0")
    registry.publish("once", "1.0.0", dependencies={"leaf": "1"})
    results = await asyncio.gather(*(installer.install(scripts, ["once"]) for _ in range(5)))
    assert registry.tarball_hits() == 2
    assert registry.hits["/once"] == 1
    assert sum(len(r.added) for r in results) == 2
    assert version_at(scripts, "once") == "1.0.0"


async def test_damaged_node_modules_is_repaired(
    registry: FakeRegistry, installer: Installer, scripts: Path
) -> None:
    registry.publish("fixme", "1.0.0")
    await installer.install(scripts, ["fixme"])
    (scripts / "node_modules/fixme/package.json").unlink()
    result = await installer.install(scripts)
    assert result.added == ["fixme@1.0.0"] and result.from_lockfile
    assert version_at(scripts, "fixme") == "1.0.0"


async def test_scoped_packages_and_aliases(
    registry: FakeRegistry, installer: Installer, scripts: Path
) -> None:
    registry.publish("@acme/kit", "1.0.0")
    registry.publish("string-width", "4.2.3")
    registry.publish("wrap", "1.0.0", dependencies={"sw4": "npm:string-width@^4"})
    await installer.install(scripts, ["npm:@acme/kit@1", "wrap"])
    assert version_at(scripts, "@acme/kit") == "1.0.0"
    assert version_at(scripts, "sw4") == "4.2.3"
    lock = read_lockfile(scripts)
    assert lock is not None and lock.packages["node_modules/sw4"].name == "string-width"


async def test_another_process_holding_the_folder_lock_is_waited_for(
    registry: FakeRegistry, installer: Installer, scripts: Path
) -> None:
    import fcntl
    import os

    registry.publish("waited", "1.0.0")
    # flock() locks belong to an open file description: a second open() in this process
    # contends exactly as another process would.
    fd = os.open(scripts / ".hoody-install.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        task = asyncio.ensure_future(installer.install(scripts, ["waited"]))
        await asyncio.sleep(0.3)
        assert not task.done()
        assert version_at(scripts, "waited") is None
        fcntl.flock(fd, fcntl.LOCK_UN)
        await asyncio.wait_for(task, 10)
    finally:
        os.close(fd)
    assert version_at(scripts, "waited") == "1.0.0"


async def test_missing_packages_then_install_from_imports(
    registry: FakeRegistry, installer: Installer, scripts: Path
) -> None:
    from hoody_exec.deps import missing_packages

    registry.publish("ms", "2.1.3")
    registry.publish("lodash", "4.17.21")
    imports = ["./helper", "node:fs", "ms@2", "lodash/fp", "lodash"]
    wanted = missing_packages(scripts, imports)
    assert [str(p) for p in wanted] == ["ms@2", "lodash"]
    await installer.install(scripts, [str(p) for p in wanted])
    assert missing_packages(scripts, imports) == []
    assert missing_packages(scripts, ["ms@^3"])[0].range == "^3"


async def test_nesting_never_shadows_an_earlier_dependent(
    registry: FakeRegistry, installer: Installer, scripts: Path
) -> None:
    registry.publish("y", "1.0.0")
    registry.publish("y", "2.0.0")
    registry.publish("x", "1.0.0")
    registry.publish("x", "2.0.0", dependencies={"y": "^2"})
    registry.publish("a", "1.0.0", dependencies={"x": "^2", "y": "^1"})
    await installer.install(scripts, ["a", "x@1"])
    assert version_at(scripts, "y") == "1.0.0"  # what a needs, hoisted
    assert version_at(scripts, "a", "x") == "2.0.0"
    # Not a/node_modules/y: that would hand y@2 to `a`, which wants ^1.
    assert version_at(scripts, "a", "y") is None
    assert version_at(scripts, "a", "x", "y") == "2.0.0"


async def test_corrupt_cache_entry_is_downloaded_again(
    registry: FakeRegistry, installer: Installer, cache_dir: Path, tmp_path: Path
) -> None:
    registry.publish("cached", "1.0.0")
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    await installer.install(first, ["cached"])
    [entry] = (cache_dir / "tarballs/sha512").iterdir()
    entry.write_bytes(b"corrupt")
    await installer.install(second, ["cached"])
    assert version_at(second, "cached") == "1.0.0"
    assert registry.tarball_hits() == 2


async def test_cancelled_install_leaves_all_or_nothing(
    registry: FakeRegistry, cache_dir: Path, tmp_path: Path
) -> None:
    for i in range(6):
        registry.publish(f"p{i}", "1.0.0", files={"big.js": "x" * 200_000})
    names = [f"p{i}" for i in range(6)]
    outcomes = set()
    for step in range(12):
        folder = tmp_path / f"f{step}"
        folder.mkdir()
        installer = Installer(registry=registry.url, cache=PackageCache(cache_dir / str(step)))
        task = asyncio.ensure_future(installer.install(folder, names))
        await asyncio.sleep(step * 0.004)
        task.cancel()
        try:
            await task
            outcomes.add("finished")
        except asyncio.CancelledError:
            outcomes.add("cancelled")
        installed = [version_at(folder, n) for n in names]
        manifest = folder / "package.json"
        if installed[0] is None:
            assert installed == [None] * 6 and not manifest.exists()
        else:
            assert installed == ["1.0.0"] * 6
            assert set(json.loads(manifest.read_text())["dependencies"]) == set(names)
            assert (folder / LOCKFILE_NAME).exists()
        assert not [p for p in listing(folder) if ".hoody-install-" in p or p.endswith(".tmp")]
    assert "cancelled" in outcomes


async def test_server_errors_fall_back_to_cached_metadata(
    registry: FakeRegistry, cache_dir: Path, tmp_path: Path
) -> None:
    registry.publish("meta", "1.0.0")
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    installer = Installer(registry=registry.url, cache=PackageCache(cache_dir))
    await installer.install(one, ["meta"])
    del registry.packages["meta"]  # now a 404: a real answer, not an outage
    with pytest.raises(PackageNotFound):
        await installer.install(two, ["meta"])


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        ({"Bad Name": "^1"}, "not a valid npm package name"),
        ({"thing": "github:user/thing"}, "not git, file or URL dependencies"),
        ({"thing": "file:../thing"}, "not git, file or URL dependencies"),
    ],
)
async def test_unsupported_package_json_entries_are_clear_errors(
    registry: FakeRegistry,
    installer: Installer,
    scripts: Path,
    declared: dict[str, str],
    message: str,
) -> None:
    from hoody_exec.deps import InvalidSpecifier

    (scripts / "package.json").write_text(json.dumps({"dependencies": declared}))
    with pytest.raises(InvalidSpecifier, match=message):
        await installer.install(scripts)
    assert not (scripts / "node_modules").exists()
