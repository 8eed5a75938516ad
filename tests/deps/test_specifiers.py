from __future__ import annotations

import pytest

from hoody_exec.deps import (
    BuiltinSpecifier,
    InvalidSpecifier,
    PackageSpecifier,
    parse_package_request,
    parse_specifier,
)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("zod", PackageSpecifier("zod", "latest", "")),
        ("@scope/pkg", PackageSpecifier("@scope/pkg", "latest", "")),
        ("pkg/sub/path", PackageSpecifier("pkg", "latest", "sub/path")),
        ("@scope/pkg/sub.js", PackageSpecifier("@scope/pkg", "latest", "sub.js")),
        ("ms@2", PackageSpecifier("ms", "2", "")),
        ("@scope/pkg@^1", PackageSpecifier("@scope/pkg", "^1", "")),
        ("npm:pkg@1", PackageSpecifier("pkg", "1", "")),
        ("npm:@scope/pkg@~1.2/x", PackageSpecifier("@scope/pkg", "~1.2", "x")),
        ("lodash@4/fp", PackageSpecifier("lodash", "4", "fp")),
        ("react@next", PackageSpecifier("react", "next", "")),
        ("lodash.merge", PackageSpecifier("lodash.merge", "latest", "")),
    ],
)
def test_packages(spec: str, expected: PackageSpecifier) -> None:
    assert parse_specifier(spec) == expected


@pytest.mark.parametrize(
    ("spec", "module"),
    [
        ("node:fs", "fs"),
        ("node:fs/promises", "fs/promises"),
        ("events", "events"),
        ("path", "path"),
    ],
)
def test_builtins(spec: str, module: str) -> None:
    assert parse_specifier(spec) == BuiltinSpecifier(module)


@pytest.mark.parametrize(
    "spec",
    ["./helper", "../x.ts", "/abs.js", "https://esm.sh/zod", "data:text/javascript,1", "sdk:x"],
)
def test_local_and_urls_are_not_packages(spec: str) -> None:
    assert parse_specifier(spec) is None


@pytest.mark.parametrize(
    "spec", ["@scope", "@scope/", "Bad Name", "pkg@", "pkg@>>1", "_private", "pkg/../x", "npm:"]
)
def test_invalid(spec: str) -> None:
    with pytest.raises(InvalidSpecifier) as info:
        parse_specifier(spec)
    assert spec in str(info.value)


def test_requests_reject_builtins() -> None:
    assert parse_package_request(" zod@^3 ") == PackageSpecifier("zod", "^3", "")
    with pytest.raises(InvalidSpecifier, match="built-in"):
        parse_package_request("node:fs")
    # Browser equivalents of built-ins are ordinary npm packages when asked for by name.
    assert parse_package_request("events@3") == PackageSpecifier("events", "3", "")
    with pytest.raises(InvalidSpecifier, match="not an npm package"):
        parse_package_request("./local")
