"""Packages from a hand-made node_modules, bundled and run in a real isolate."""

from __future__ import annotations

from pathlib import Path

import pytest

from hoody_exec import _native
from hoody_exec._native import BundleError
from hoody_exec.deps.specifiers import NODE_BUILTINS, parse_package_request

from .conftest import run_bundle, write_tree


async def test_exports_conditions_follow_the_package_order(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "api/main.ts": (
                'import esm from "pkg";\nimport feature from "pkg/feature";\n'
                'import first from "pkg/first";\nimport util from "pkg/utils/strings";\n'
                'const cjs = require("pkg");\n'
                "export default () => ({ esm, cjs, feature, first, util });\n"
            ),
            "node_modules/pkg/package.json": {
                "name": "pkg",
                "main": "./ignored.js",
                "exports": {
                    ".": {
                        "types": "./index.d.ts",
                        "node": "./node.js",
                        "import": "./index.mjs",
                        "require": "./index.cjs",
                    },
                    "./feature": {"worker": "./worker.js", "browser": "./browser.js"},
                    "./first": {"default": "./browser.js", "worker": "./worker.js"},
                    "./utils/*": "./lib/utils/*.js",
                    "./internal/*": None,
                },
            },
            "node_modules/pkg/node.js": "module.exports = 'node';\n",
            "node_modules/pkg/index.mjs": "export default 'import';\n",
            "node_modules/pkg/index.cjs": "module.exports = 'require';\n",
            "node_modules/pkg/worker.js": "module.exports = 'worker';\n",
            "node_modules/pkg/browser.js": "module.exports = 'browser';\n",
            "node_modules/pkg/lib/utils/strings.js": "export default 'pattern';\n",
            "node_modules/pkg/lib/internal/x.js": "module.exports = 'private';\n",
        },
    )
    bundle = _native.bundle(str(tmp_path), "api/main.ts")
    assert "node_modules/pkg/index.mjs" in bundle.modules
    assert await run_bundle(bundle) == {
        "esm": "import",
        "cjs": "require",
        "feature": "worker",
        "first": "browser",
        "util": "pattern",
    }

    (tmp_path / "api/private.ts").write_text("import x from 'pkg/internal/x';\nreturn x;\n")
    with pytest.raises(BundleError) as info:
        _native.bundle(str(tmp_path), "api/private.ts")
    message = str(info.value)
    assert 'package "pkg" does not export "./internal/x"' in message
    assert '".", "./feature", "./first", "./utils/*"' in message
    assert info.value.missing_package is None
    assert (info.value.filename, info.value.line, info.value.column) == ("api/private.ts", 1, 15)


async def test_module_main_browser_fields_index_and_json(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "main.ts": (
                'import mod from "fields";\nimport data from "fields/data.json";\n'
                'import { version } from "fields/package.json";\n'
                'import idx from "bare-index";\nimport lib from "bare-index/lib";\n'
                'import browser from "browser-first";\n'
                'const main = require("fields");\n'
                "export default () => ({ mod, main, data, version, idx, lib, browser });\n"
            ),
            "node_modules/fields/package.json": {
                "name": "fields",
                "version": "1.2.3",
                "module": "esm/index.js",
                "main": "cjs/index.js",
            },
            "node_modules/fields/esm/index.js": "export default 'module field';\n",
            "node_modules/fields/cjs/index.js": "module.exports = 'main field';\n",
            "node_modules/fields/data.json": '{"list": [1, 2, 3]}',
            "node_modules/bare-index/index.js": "module.exports = 'index.js';\n",
            "node_modules/bare-index/lib/index.json": '"lib/index.json"',
            "node_modules/browser-first/package.json": {
                "browser": "./b.js",
                "module": "./m.js",
                "main": "./n.js",
            },
            "node_modules/browser-first/b.js": "module.exports = 'browser field';\n",
        },
    )
    bundle = _native.bundle(str(tmp_path), "main.ts")
    assert await run_bundle(bundle) == {
        "mod": "module field",
        "main": "main field",
        "data": {"list": [1, 2, 3]},
        "version": "1.2.3",
        "idx": "index.js",
        "lib": "lib/index.json",
        "browser": "browser field",
    }
    manifest = str((tmp_path / "node_modules/fields/package.json").resolve())
    assert manifest in [path for path, _ in bundle.inputs]


async def test_commonjs_interop(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "main.ts": (
                'import fn, { named } from "cjs-fn";\nimport * as ns from "cjs-fn";\n'
                'import flagged, { extra } from "cjs-flagged";\n'
                'const esm = require("esm-only");\n'
                "export default async () => {\n"
                '  const dynamic = await import("cjs-fn");\n'
                "  return { call: fn(2), named, nsDefault: ns.default === fn, flagged, extra,\n"
                "    esmDefault: esm.default, esmNamed: esm.named, esmFlag: esm.__esModule,\n"
                "    dynamic: dynamic.default === fn, viaEsm: esm.fromCjs };\n"
                "};\n"
            ),
            "node_modules/cjs-fn/index.js": (
                "function double(x) { return x * 2; }\n"
                "double.named = 'named';\nmodule.exports = double;\n"
            ),
            "node_modules/cjs-flagged/index.js": (
                "'use strict';\nObject.defineProperty(exports, '__esModule', { value: true });\n"
                "exports.default = 'exports.default';\nexports.extra = 'extra';\n"
            ),
            "node_modules/esm-only/package.json": {"type": "module", "exports": "./index.js"},
            "node_modules/esm-only/index.js": (
                "import fn from 'cjs-fn';\nexport default 'esm default';\n"
                "export const named = 'esm named';\nexport const fromCjs = fn(5);\n"
            ),
        },
    )
    bundle = _native.bundle(str(tmp_path), "main.ts")
    assert await run_bundle(bundle) == {
        "call": 4,
        "named": "named",
        "nsDefault": True,
        "flagged": "exports.default",
        "extra": "extra",
        "esmDefault": "esm default",
        "esmNamed": "esm named",
        "esmFlag": True,
        "dynamic": True,
        "viaEsm": 10,
    }


async def test_circular_imports(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "main.ts": (
                "import a from 'cycle/a.js';\nimport { even } from 'cycle/even.mjs';\n"
                "export default () => ({ a, even: [even(4), even(3)] });\n"
            ),
            "node_modules/cycle/a.js": (
                "exports.partial = true;\nvar b = require('./b.js');\n"
                "module.exports = { b: b.seen, complete: true };\n"
            ),
            "node_modules/cycle/b.js": (
                "var a = require('./a.js');\nexports.seen = JSON.stringify(a);\n"
            ),
            "node_modules/cycle/even.mjs": (
                "import { odd } from './odd.mjs';\n"
                "export function even(n) { return n === 0 ? true : odd(n - 1); }\n"
            ),
            "node_modules/cycle/odd.mjs": (
                "import { even } from './even.mjs';\n"
                "export function odd(n) { return n === 0 ? false : even(n - 1); }\n"
            ),
        },
    )
    bundle = _native.bundle(str(tmp_path), "main.ts")
    assert await run_bundle(bundle) == {
        "a": {"b": '{"partial":true}', "complete": True},
        "even": [True, False],
    }


async def test_node_env_is_production(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "main.ts": (
                "import lib from 'lib';\n"
                "export default () => ({ lib, env: process.env.NODE_ENV,\n"
                "  kinds: [typeof process, typeof global, typeof module, typeof require] });\n"
            ),
            # The development build does not even exist: the dead branch is dropped
            # before its require() is collected.
            "node_modules/lib/index.js": (
                "if (process.env.NODE_ENV === 'production') {\n"
                "  module.exports = require('./lib.prod.js');\n"
                "} else {\n"
                "  module.exports = require('./lib.dev.js');\n"
                "}\n"
            ),
            "node_modules/lib/lib.prod.js": (
                "module.exports = [typeof global, global === globalThis, process.env.NODE_ENV];\n"
            ),
        },
    )
    bundle = _native.bundle(str(tmp_path), "main.ts")
    assert bundle.modules == [
        "main.ts",
        "node_modules/lib/index.js",
        "node_modules/lib/lib.prod.js",
    ]
    assert await run_bundle(bundle) == {
        "lib": ["object", True, "production"],
        "env": "production",
        "kinds": ["object", "object", "object", "function"],
    }


async def test_node_path_bundles_path_browserify(tmp_path: Path) -> None:
    assert _native.node_builtins()["path"] == "path-browserify@^1"
    write_tree(
        tmp_path,
        {
            "main.ts": (
                "import path from 'node:path';\nimport { basename } from 'path';\n"
                "export default () => [path.join('a', 'b'), basename('/x/y.ts')];\n"
            ),
            "node_modules/path-browserify/package.json": {
                "name": "path-browserify",
                "main": "index.js",
            },
            "node_modules/path-browserify/index.js": (
                "exports.join = function () { return [].slice.call(arguments).join('/'); };\n"
                "exports.basename = function (p) { return p.split('/').pop(); };\n"
            ),
        },
    )
    bundle = _native.bundle(str(tmp_path), "main.ts")
    assert bundle.modules == ["main.ts", "node_modules/path-browserify/index.js"]
    assert await run_bundle(bundle) == ["a/b", "y.ts"]


def test_node_fs_fails_at_bundle_time(tmp_path: Path) -> None:
    builtins = _native.node_builtins()
    assert builtins["fs"] is None and builtins["child_process"] is None
    assert builtins["buffer"] == "buffer@^6"
    source = "const x = 1;\nimport { readFileSync } from 'node:fs';\nreturn readFileSync;\n"
    write_tree(tmp_path, {"main.ts": source})
    with pytest.raises(BundleError) as info:
        _native.bundle(str(tmp_path), "main.ts")
    err = info.value
    assert 'Node.js built-in module "fs" is not available in isolates' in str(err)
    assert (err.filename, err.line, err.column, err.specifier) == ("main.ts", 2, 30, "node:fs")
    assert err.missing_package is None


@pytest.mark.parametrize(
    ("specifier", "missing"),
    [
        ("zod", "zod"),
        ("zod/v4", "zod"),
        ("ms@2", "ms@2"),
        ("npm:zod@3", "zod@3"),
        ("@scope/pkg@^1/sub", "@scope/pkg@^1"),
        ("node:buffer", "buffer@^6"),
        ("events", "events@^3"),
        ("node:string_decoder", "string_decoder@^1"),
    ],
)
def test_missing_package_names_what_to_install(
    tmp_path: Path, specifier: str, missing: str
) -> None:
    write_tree(tmp_path, {"api/x.ts": f"import x from '{specifier}';\nreturn x;\n"})
    (tmp_path / "node_modules").mkdir()
    with pytest.raises(BundleError) as info:
        _native.bundle(str(tmp_path), "api/x.ts")
    err = info.value
    assert err.missing_package == missing
    assert str(err).startswith(f'package "{missing}"')
    assert str(err).endswith('is not installed (imported by "api/x.ts")')
    assert (err.filename, err.line, err.specifier) == ("api/x.ts", 1, specifier)


def test_a_missing_dependency_of_a_package_is_reported_too(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "main.ts": "import a from 'a';\nreturn a;\n",
            "node_modules/a/index.js": "module.exports = require('b');\n",
        },
    )
    with pytest.raises(BundleError) as info:
        _native.bundle(str(tmp_path), "main.ts")
    assert info.value.missing_package == "b"
    assert info.value.filename == "node_modules/a/index.js"


def test_reinstall_changes_the_hash(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "main.ts": "import v from 'p';\nreturn v;\n",
            "node_modules/p/package.json": {"name": "p", "version": "1.0.0"},
            "node_modules/p/index.js": "module.exports = 1;\n",
        },
    )
    first = _native.bundle(str(tmp_path), "main.ts")
    assert _native.bundle(str(tmp_path), "main.ts").hash == first.hash
    write_tree(tmp_path, {"node_modules/p/package.json": {"name": "p", "version": "1.0.1"}})
    assert _native.bundle(str(tmp_path), "main.ts").hash != first.hash


def test_builtin_table_agrees_with_the_installer() -> None:
    """The installer's list of built-in names and the bundler's table name the same
    modules, and every mapped package is an installable `name@range`."""
    table = _native.node_builtins()
    assert {name for name in table if "/" not in name} == NODE_BUILTINS
    for name, package in table.items():
        if package is not None:
            request = parse_package_request(package)
            assert request.explicit_range and str(request) == package, name
