//! Packages in node_modules: resolution rules, CommonJS/ESM interop, built-ins.
//! Bundles run in node (`run`), which has no `process.env.NODE_ENV` of ours:
//! the bundle brings its own `process`.

use std::path::Path;
use std::process::Command;

mod common;
use common::{build, tree};
use hoody_ts::{bundle, Bundle, BundleError, BundleOptions};

fn error(root: &Path, entry: &str) -> BundleError {
    match bundle(root, entry, &BundleOptions::default()) {
        Ok(b) => panic!("bundled: {:?}", b.modules),
        Err(e) => e,
    }
}

/// Runs the bundle in node with the global `process` hidden (isolates have
/// none), calls `default()` and returns its result as JSON.
fn run(b: &Bundle) -> serde_json::Value {
    let dir = tree(&[]);
    let file = dir.join("bundle.js");
    let script = format!(
        "delete globalThis.process;\n{}\nPromise.resolve().then(() => globalThis.__hoody_entry.default({{}})).then(\
         v => console.log(JSON.stringify(v)), e => console.log(JSON.stringify('ERR ' + e.stack)));\n",
        b.code
    );
    std::fs::write(&file, script).unwrap();
    let out = Command::new("node")
        .arg(&file)
        .output()
        .expect("node is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    serde_json::from_str(text.trim()).unwrap_or_else(|_| panic!("{text}"))
}

fn modules(b: &Bundle) -> Vec<&str> {
    b.modules.iter().map(String::as_str).collect()
}

fn unresolved_message(e: &BundleError) -> &str {
    match e {
        BundleError::UnresolvedImport { message, .. } => message,
        other => panic!("{other:?}"),
    }
}

#[test]
fn commonjs_and_esm_interop_both_ways() {
    let root = tree(&[
        (
            "api/main.ts",
            r#"import cjs, { named } from "cjs-pkg";
import * as ns from "cjs-pkg";
import fn from "fn-pkg";
import flagged, { other } from "flagged-pkg";
import esm from "esm-pkg";
const required = require("esm-pkg");
export default async function () {
  const dyn = await import("cjs-pkg");
  return {
    cjsDefault: cjs.named, named, nsKeys: Object.keys(ns).sort(), fn: fn(2),
    flagged, other, esm, required: [required.default, required.__esModule, required.helper()],
    dyn: [dyn.named, dyn.default.named], sloppy: cjs.sloppy, thisIsExports: cjs.thisIsExports,
    fromEsm: required.cjsFromEsm,
  };
}
"#,
        ),
        (
            "node_modules/cjs-pkg/package.json",
            r#"{"name": "cjs-pkg", "main": "lib/index"}"#,
        ),
        (
            "node_modules/cjs-pkg/lib/index.js",
            "exports.named = 'n';\n\
             exports.sloppy = (function () { return this; })() === globalThis;\n\
             exports.thisIsExports = this === module.exports;\n",
        ),
        (
            "node_modules/fn-pkg/index.js",
            "module.exports = function (x) { return x * 21; };\n",
        ),
        (
            "node_modules/flagged-pkg/index.js",
            "Object.defineProperty(exports, '__esModule', { value: true });\n\
             exports.default = 'the default';\nexports.other = 'other';\n",
        ),
        (
            "node_modules/esm-pkg/package.json",
            r#"{"name": "esm-pkg", "type": "module", "main": "index.js"}"#,
        ),
        (
            "node_modules/esm-pkg/index.js",
            "import fn from 'fn-pkg';\nexport default 'esm';\nexport const helper = () => fn(1);\n\
             export { default as cjsFromEsm } from './cjs.cjs';\n",
        ),
        (
            "node_modules/esm-pkg/cjs.cjs",
            "if (true) { module.exports = 'cjs'; return; }\nmodule.exports = 'unreachable';\n",
        ),
    ]);
    let b = build(&root, "api/main.ts");
    assert_eq!(
        modules(&b),
        [
            "api/main.ts",
            "node_modules/cjs-pkg/lib/index.js",
            "node_modules/fn-pkg/index.js",
            "node_modules/flagged-pkg/index.js",
            "node_modules/esm-pkg/index.js",
            "node_modules/esm-pkg/cjs.cjs",
        ]
    );
    let v = run(&b);
    assert_eq!(
        v["cjsDefault"], "n",
        "default import of CommonJS = module.exports: {v}"
    );
    assert_eq!(v["named"], "n");
    assert_eq!(
        v["nsKeys"],
        serde_json::json!(["default", "named", "sloppy", "thisIsExports"])
    );
    assert_eq!(v["fn"], 42);
    assert_eq!(
        v["flagged"], "the default",
        "__esModule: default = exports.default"
    );
    assert_eq!(v["other"], "other");
    assert_eq!(v["esm"], "esm");
    assert_eq!(
        v["required"],
        serde_json::json!(["esm", true, 21]),
        "require(ESM) = namespace"
    );
    assert_eq!(v["dyn"], serde_json::json!(["n", "n"]));
    assert_eq!(v["sloppy"], true, "CommonJS runs in sloppy mode");
    assert_eq!(v["thisIsExports"], true);
    assert_eq!(v["fromEsm"], "cjs", "top-level return in .cjs");
}

#[test]
fn exports_conditions_patterns_and_null() {
    let pkg = r#"{
  "name": "cond",
  "main": "./main-is-ignored.js",
  "exports": {
    ".": {
      "types": "./index.d.ts",
      "node": "./node.js",
      "import": "./esm.mjs",
      "require": "./cjs.js",
      "default": "./default.js"
    },
    "./order": { "default": "./default.js", "import": "./esm.mjs" },
    "./nested": { "worker": { "require": "./cjs.js", "import": "./esm.mjs" } },
    "./array": [{ "node": "./node.js" }, "./default.js"],
    "./sub/*": "./lib/*.js",
    "./sub/private/*": null,
    "./data": "./data.json",
    "./node-only": { "node": "./node.js" },
    "./broken": "./does-not-exist.js"
  }
}"#;
    let root = tree(&[
        (
            "main.ts",
            r#"import esm from "cond";
import order from "cond/order";
import nested from "cond/nested";
import array from "cond/array";
import a from "cond/sub/a";
import data from "cond/data";
const cjs = require("cond");
const nestedCjs = require("cond/nested");
export default () => ({ esm, cjs, order, nested, nestedCjs, array, a, data });
"#,
        ),
        ("node_modules/cond/package.json", pkg),
        ("node_modules/cond/node.js", "module.exports = 'node';\n"),
        ("node_modules/cond/esm.mjs", "export default 'import';\n"),
        ("node_modules/cond/cjs.js", "module.exports = 'require';\n"),
        (
            "node_modules/cond/default.js",
            "module.exports = 'default';\n",
        ),
        ("node_modules/cond/lib/a.js", "module.exports = 'lib/a';\n"),
        (
            "node_modules/cond/lib/private/x.js",
            "module.exports = 'private';\n",
        ),
        ("node_modules/cond/data.json", "{\"json\": true}"),
    ]);
    let b = build(&root, "main.ts");
    assert!(modules(&b).contains(&"node_modules/cond/esm.mjs"));
    let v = run(&b);
    assert_eq!(
        v,
        serde_json::json!({
            "esm": "import", "cjs": "require", "order": "default", "nested": "import",
            "nestedCjs": "require", "array": "default", "a": "lib/a", "data": {"json": true}
        })
    );

    let cases = [
        (
            "cond/sub/private/x",
            "package \"cond\" does not export \"./sub/private/x\" (its package.json `exports` \
             lists: \".\", \"./order\", \"./nested\", \"./array\", \"./sub/*\", \"./data\", \
             \"./node-only\", \"./broken\")",
        ),
        ("cond/missing", "package \"cond\" does not export \"./missing\""),
        (
            "cond/node-only",
            "package \"cond\" exports \"./node-only\" only for conditions the bundler does not \
             use (node); the conditions used are worker, browser, import, module, default",
        ),
        (
            "cond/broken",
            "package \"cond\" exports \"./broken\" as \"./does-not-exist.js\", which does not exist",
        ),
    ];
    for (spec, expected) in cases {
        std::fs::write(
            root.join("bad.ts"),
            format!("import x from '{spec}';\nreturn x;\n"),
        )
        .unwrap();
        let e = error(&root, "bad.ts");
        assert!(unresolved_message(&e).starts_with(expected), "{spec}: {e}");
        assert_eq!(e.position(), Some((1, 15)));
    }
}

#[test]
fn main_fields_browser_string_directory_index_and_subpaths() {
    let root = tree(&[
        (
            "main.ts",
            r#"import mod from "fields";
import browser from "browser-str";
import idx from "no-manifest";
import dir from "no-manifest/lib";
import hooks from "fields/hooks";
import deep from "fields/deep/file.js";
import scoped from "@scope/pkg/sub";
const main = require("fields");
export default () => ({ mod, main, browser, idx, dir, hooks, deep, scoped });
"#,
        ),
        (
            "node_modules/fields/package.json",
            r#"{"name": "fields", "module": "./esm/index.js", "main": "./cjs/index.js"}"#,
        ),
        (
            "node_modules/fields/esm/index.js",
            "export default 'module';\n",
        ),
        (
            "node_modules/fields/cjs/index.js",
            "module.exports = 'main';\n",
        ),
        (
            "node_modules/fields/hooks/package.json",
            r#"{"main": "../cjs/hooks.js"}"#,
        ),
        (
            "node_modules/fields/cjs/hooks.js",
            "module.exports = 'hooks';\n",
        ),
        (
            "node_modules/fields/deep/file.js",
            "module.exports = 'deep';\n",
        ),
        (
            "node_modules/browser-str/package.json",
            r#"{"name": "browser-str", "browser": "./b.js", "module": "./m.js", "main": "./n.js"}"#,
        ),
        (
            "node_modules/browser-str/b.js",
            "module.exports = 'browser';\n",
        ),
        (
            "node_modules/no-manifest/index.js",
            "module.exports = 'index';\n",
        ),
        (
            "node_modules/no-manifest/lib/index.js",
            "module.exports = 'lib/index';\n",
        ),
        (
            "node_modules/@scope/pkg/package.json",
            r#"{"name": "@scope/pkg"}"#,
        ),
        (
            "node_modules/@scope/pkg/sub.js",
            "module.exports = 'scoped';\n",
        ),
    ]);
    let b = build(&root, "main.ts");
    let v = run(&b);
    assert_eq!(
        v,
        serde_json::json!({
            "mod": "module", "main": "main", "browser": "browser", "idx": "index",
            "dir": "lib/index", "hooks": "hooks", "deep": "deep", "scoped": "scoped"
        })
    );
    assert!(modules(&b).contains(&"node_modules/@scope/pkg/sub.js"));

    // A package folder with nothing to load.
    std::fs::create_dir_all(root.join("node_modules/empty")).unwrap();
    std::fs::write(root.join("bad.ts"), "import x from 'empty';\nreturn x;\n").unwrap();
    let e = error(&root, "bad.ts");
    assert!(
        unresolved_message(&e).contains("node_modules/empty has no entry point"),
        "{e}"
    );
    assert_eq!(e.missing_package(), None);
    std::fs::write(
        root.join("bad.ts"),
        "import x from 'fields/nope';\nreturn x;\n",
    )
    .unwrap();
    let e = error(&root, "bad.ts");
    assert!(
        unresolved_message(&e).contains("package \"fields\" has no file \"nope\""),
        "{e}"
    );
}

#[test]
fn ranges_and_npm_prefix_resolve_to_the_installed_package() {
    let root = tree(&[
        (
            "main.ts",
            r#"import ms from "ms@2";
import again from "npm:ms@^2.1";
import sub from "@scope/pkg@^1/sub";
export default () => [ms, again, sub];
"#,
        ),
        (
            "node_modules/ms/package.json",
            r#"{"name": "ms", "main": "index.js"}"#,
        ),
        ("node_modules/ms/index.js", "module.exports = 'ms';\n"),
        (
            "node_modules/@scope/pkg/sub/index.js",
            "module.exports = 'sub';\n",
        ),
    ]);
    let b = build(&root, "main.ts");
    assert_eq!(
        modules(&b),
        [
            "main.ts",
            "node_modules/ms/index.js",
            "node_modules/@scope/pkg/sub/index.js"
        ]
    );
    assert_eq!(run(&b), serde_json::json!(["ms", "ms", "sub"]));
}

#[test]
fn nested_node_modules_win_over_outer_ones() {
    let root = tree(&[
        (
            "api/v1/main.ts",
            "import a from 'a';\nimport dep from 'dep';\nimport local from 'local';\n\
             export default () => [a, dep, local];\n",
        ),
        (
            "node_modules/a/index.js",
            "module.exports = 'a+' + require('dep');\n",
        ),
        (
            "node_modules/a/node_modules/dep/index.js",
            "module.exports = 'dep@2';\n",
        ),
        ("node_modules/dep/index.js", "module.exports = 'dep@1';\n"),
        (
            "api/node_modules/local/index.js",
            "module.exports = 'api-local';\n",
        ),
    ]);
    let b = build(&root, "api/v1/main.ts");
    assert_eq!(
        run(&b),
        serde_json::json!(["a+dep@2", "dep@1", "api-local"])
    );
    assert!(modules(&b).contains(&"node_modules/a/node_modules/dep/index.js"));
}

#[test]
fn cycles_commonjs_partial_exports_and_esm_live_bindings() {
    let root = tree(&[
        (
            "main.ts",
            "import a from 'cyc/a.js';\nimport { count, bump } from 'cyc/live.mjs';\n\
             export default () => { bump(); return { a, count }; };\n",
        ),
        (
            "node_modules/cyc/a.js",
            "exports.early = 'early';\nconst b = require('./b');\n\
             module.exports = { fromB: b.sawEarly, done: true };\n",
        ),
        (
            "node_modules/cyc/b.js",
            "const a = require('./a');\nexports.sawEarly = a.early + '/' + String(a.done);\n",
        ),
        (
            "node_modules/cyc/live.mjs",
            "import { inc } from './other.mjs';\nexport let count = 0;\n\
             export function bump() { count = inc(count); }\n",
        ),
        (
            "node_modules/cyc/other.mjs",
            "import { count } from './live.mjs';\nexport function inc(n) { return n + 1 + count * 0; }\n",
        ),
    ]);
    let b = build(&root, "main.ts");
    let v = run(&b);
    assert_eq!(v["a"]["fromB"], "early/undefined", "{v}");
    assert_eq!(v["a"]["done"], true);
    assert_eq!(v["count"], 1, "live binding after bump(): {v}");
}

#[test]
fn node_env_is_production_and_dead_branches_are_not_bundled() {
    let root = tree(&[
        (
            "main.ts",
            "import react from 'react-like';\n\
             export default () => ({ react, env: process.env.NODE_ENV, \
             types: [typeof process, typeof global, typeof require, typeof module], \
             same: global === globalThis, dev: process.env.NODE_ENV !== 'production' ? 'dev' : 'prod' });\n",
        ),
        (
            "node_modules/react-like/index.js",
            "'use strict';\n\
             if (process.env.NODE_ENV === 'production') {\n\
               module.exports = require('./cjs/prod.js');\n\
             } else {\n\
               module.exports = require('./cjs/dev.js');\n\
             }\n\
             if (process.env['NODE_ENV'] !== 'production') require('./cjs/also-dev.js');\n\
             process.env.NODE_ENV === 'production' || require('./cjs/dev-too.js');\n",
        ),
        ("node_modules/react-like/cjs/prod.js", "module.exports = 'prod build';\n"),
    ]);
    let b = build(&root, "main.ts");
    assert_eq!(
        modules(&b),
        [
            "main.ts",
            "node_modules/react-like/index.js",
            "node_modules/react-like/cjs/prod.js"
        ]
    );
    let v = run(&b);
    assert_eq!(v["react"], "prod build");
    assert_eq!(v["env"], "production");
    assert_eq!(
        v["types"],
        serde_json::json!(["object", "object", "function", "object"])
    );
    assert_eq!(v["same"], true);
    assert_eq!(v["dev"], "prod");
}

#[test]
fn builtins_map_to_browser_packages_or_fail() {
    let root = tree(&[
        (
            "main.ts",
            "import path from 'node:path';\nimport { join } from 'path';\nimport posix from 'node:path/posix';\n\
             import { Buffer } from 'buffer/';\n\
             export default () => [path.join('a', 'b'), join('c', 'd'), posix === path, Buffer];\n",
        ),
        (
            "node_modules/path-browserify/package.json",
            r#"{"name": "path-browserify", "main": "index.js"}"#,
        ),
        (
            "node_modules/path-browserify/index.js",
            "exports.join = function () { return Array.prototype.join.call(arguments, '/'); };\n",
        ),
        ("node_modules/buffer/index.js", "exports.Buffer = 'npm buffer';\n"),
    ]);
    let b = build(&root, "main.ts");
    assert_eq!(
        modules(&b),
        [
            "main.ts",
            "node_modules/path-browserify/index.js",
            "node_modules/buffer/index.js"
        ]
    );
    assert_eq!(
        run(&b),
        serde_json::json!(["a/b", "c/d", true, "npm buffer"])
    );

    for (spec, name) in [
        ("node:fs", "fs"),
        ("fs/promises", "fs/promises"),
        ("node:child_process", "child_process"),
    ] {
        std::fs::write(
            root.join("bad.ts"),
            format!("import x from '{spec}';\nreturn x;\n"),
        )
        .unwrap();
        let e = error(&root, "bad.ts");
        assert!(
            e.to_string().contains(&format!(
                "cannot resolve import \"{spec}\": Node.js built-in module \"{name}\" is not available in isolates"
            )),
            "{e}"
        );
        assert_eq!(e.missing_package(), None);
    }
    // A package importing a built-in whose browser package is missing.
    std::fs::write(
        root.join("node_modules/buffer/index.js"),
        "require('events');\n",
    )
    .unwrap();
    let e = error(&root, "main.ts");
    assert_eq!(e.missing_package(), Some("events@^3"));
    assert_eq!(e.filename(), Some("node_modules/buffer/index.js"));
    assert_eq!(
        e.to_string(),
        "package \"events@^3\", the browser version of Node's built-in \"events\", is not \
         installed (imported by \"node_modules/buffer/index.js\")"
    );
}

#[test]
fn browser_field_object_form_and_hash_imports() {
    let root = tree(&[
        (
            "main.ts",
            "import x from 'mapped';\nexport default () => x;\n",
        ),
        (
            "node_modules/mapped/package.json",
            r##"{
  "name": "mapped",
  "main": "./lib/index.js",
  "browser": { "./lib/node.js": "./lib/browser.js", "fs": false, "./lib/gone.js": false, "util": "./lib/util-shim.js" },
  "imports": { "#dep": { "node": "./lib/node.js", "default": "./lib/hash.js" }, "#ext/*": "other-pkg/*" }
}"##,
        ),
        (
            "node_modules/mapped/lib/index.js",
            "module.exports = [require('./node'), typeof require('fs'), require('./gone.js'), \
             require('util'), require('#dep'), require('#ext/x')];\n",
        ),
        (
            "node_modules/mapped/lib/node.js",
            "module.exports = 'node';\n",
        ),
        (
            "node_modules/mapped/lib/browser.js",
            "module.exports = 'browser';\n",
        ),
        (
            "node_modules/mapped/lib/util-shim.js",
            "module.exports = 'util shim';\n",
        ),
        (
            "node_modules/mapped/lib/hash.js",
            "module.exports = 'hash';\n",
        ),
        (
            "node_modules/other-pkg/x.js",
            "module.exports = 'other x';\n",
        ),
    ]);
    let b = build(&root, "main.ts");
    assert!(modules(&b).contains(&"<empty module>"), "{:?}", b.modules);
    assert!(!modules(&b).contains(&"node_modules/mapped/lib/node.js"));
    assert_eq!(
        run(&b),
        serde_json::json!(["browser", "object", {}, "util shim", "hash", "other x"])
    );
}

#[test]
fn package_json_files_are_inputs_and_change_the_hash() {
    let root = tree(&[
        ("main.ts", "import x from 'p';\nexport default () => x;\n"),
        (
            "node_modules/p/package.json",
            r#"{"name": "p", "main": "a.js"}"#,
        ),
        ("node_modules/p/a.js", "module.exports = 'a';\n"),
        ("node_modules/p/b.js", "module.exports = 'b';\n"),
    ]);
    let first = build(&root, "main.ts");
    let manifest = root
        .join("node_modules/p/package.json")
        .canonicalize()
        .unwrap();
    assert!(
        first.inputs.iter().any(|(p, _)| *p == manifest),
        "{:?}",
        first.inputs
    );
    assert_eq!(build(&root, "main.ts").hash, first.hash);
    std::fs::write(
        &manifest,
        r#"{"name": "p", "main": "a.js", "version": "2.0.0"}"#,
    )
    .unwrap();
    let second = build(&root, "main.ts");
    assert_ne!(second.hash, first.hash);
    std::fs::write(&manifest, r#"{"name": "p", "main": "b.js"}"#).unwrap();
    let third = build(&root, "main.ts");
    assert_eq!(run(&third), "b");
}

#[cfg(unix)]
#[test]
fn symlinked_packages_must_stay_inside_the_root() {
    let outside = tree(&[("index.js", "module.exports = 'outside';\n")]);
    let root = tree(&[
        (
            "main.ts",
            "import x from 'linked';\nexport default () => x;\n",
        ),
        ("vendor/inside/index.js", "module.exports = 'inside';\n"),
    ]);
    std::fs::create_dir_all(root.join("node_modules")).unwrap();
    std::os::unix::fs::symlink(root.join("vendor/inside"), root.join("node_modules/linked"))
        .unwrap();
    let b = build(&root, "main.ts");
    assert_eq!(modules(&b), ["main.ts", "vendor/inside/index.js"]);
    std::fs::remove_file(root.join("node_modules/linked")).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("node_modules/linked")).unwrap();
    let e = error(&root, "main.ts");
    assert!(matches!(e, BundleError::OutsideRoot { .. }), "{e}");

    // A package.json pointing outside is not even read.
    std::fs::remove_file(root.join("node_modules/linked")).unwrap();
    std::fs::create_dir_all(root.join("node_modules/linked")).unwrap();
    std::fs::write(
        root.join("node_modules/linked/index.js"),
        "module.exports = 1;\n",
    )
    .unwrap();
    std::fs::write(outside.join("package.json"), "{\"main\": \"secret\"}").unwrap();
    std::os::unix::fs::symlink(
        outside.join("package.json"),
        root.join("node_modules/linked/package.json"),
    )
    .unwrap();
    let e = error(&root, "main.ts");
    assert!(matches!(e, BundleError::OutsideRoot { .. }), "{e}");
}

#[test]
fn syntax_errors_in_package_files_name_the_file() {
    let root = tree(&[
        ("main.ts", "import x from 'bad';\nexport default () => x;\n"),
        ("node_modules/bad/index.js", "module.exports = {;\n"),
    ]);
    match error(&root, "main.ts") {
        BundleError::Syntax(e) => assert_eq!(e.filename, "node_modules/bad/index.js"),
        other => panic!("{other:?}"),
    }
    std::fs::write(
        root.join("node_modules/bad/index.js"),
        "export const = 1;\n",
    )
    .unwrap();
    match error(&root, "main.ts") {
        BundleError::Syntax(e) => {
            assert_eq!(e.filename, "node_modules/bad/index.js");
            assert_eq!(e.errors[0].line, 1);
        }
        other => panic!("{other:?}"),
    }
    std::fs::write(root.join("node_modules/bad/package.json"), "{ nope").unwrap();
    let e = error(&root, "main.ts");
    assert!(
        unresolved_message(&e).contains("node_modules/bad/package.json is not valid JSON"),
        "{e}"
    );
}

#[test]
fn sloppy_commonjs_syntax_and_shebangs_survive() {
    let root = tree(&[
        (
            "main.ts",
            "import legacy from 'legacy';\nimport cli from 'legacy/cli.mjs';\n\
             export default () => ({ legacy, cli });\n",
        ),
        (
            "node_modules/legacy/index.js",
            "#!/usr/bin/env node\n\
             var o = { a: 010 };\n\
             with (o) { var viaWith = a; }\n\
             function f() { return arguments.callee === f; }\n\
             if (true) { function inBlock() { return 'hoisted'; } }\n\
             implicitGlobalForTest = 1;\n\
             var let_ = typeof implicitGlobalForTest;\n\
             module.exports = { viaWith: viaWith, callee: f(), inBlock: inBlock(), let_: let_ };\n",
        ),
        (
            "node_modules/legacy/cli.mjs",
            "#!/usr/bin/env node\nexport default 'esm with shebang';\n",
        ),
    ]);
    let b = build(&root, "main.ts");
    assert!(!b.code.contains("#!"), "shebangs are dropped");
    let v = run(&b);
    assert_eq!(
        v,
        serde_json::json!({
            "legacy": {"viaWith": 8, "callee": true, "inBlock": "hoisted", "let_": "number"},
            "cli": "esm with shebang"
        })
    );
}

#[test]
fn compiled_modules_are_reused_until_a_specifier_resolves_elsewhere() {
    let root = tree(&[
        (
            "a.ts",
            "import p from 'p';\nimport { boom } from './lib/boom';\nexport default () => [p, typeof boom];\n",
        ),
        (
            "b.ts",
            "// a longer entry, so the shared module lands elsewhere in the source map\n\
             const pad = [1, 2, 3].map((x) => x * 2);\n\
             import { boom } from './lib/boom';\nexport default () => { boom(); return pad; };\n",
        ),
        (
            "lib/boom.ts",
            "type T = string;\n\nexport function boom(): never {\n  const t: T = 'x';\n    throw new Error(t);\n}\n",
        ),
        ("node_modules/p/index.js", "module.exports = 'p+' + require('dep');\n"),
        ("node_modules/dep/index.js", "module.exports = 'outer dep';\n"),
    ]);
    let first = build(&root, "a.ts");
    let again = build(&root, "a.ts");
    assert_eq!(first.code, again.code);
    assert_eq!(first.map, again.map);
    assert_eq!(run(&first), serde_json::json!(["p+outer dep", "function"]));

    // lib/boom.ts comes from the cache here: its mappings still point into it.
    let other = build(&root, "b.ts");
    let map = swc_sourcemap::SourceMap::from_slice(other.map.as_bytes()).unwrap();
    let (line, col) = other
        .code
        .lines()
        .enumerate()
        .find_map(|(i, l)| l.find("throw new Error").map(|c| (i as u32, c as u32)))
        .unwrap();
    let tok = map.lookup_token(line, col).unwrap();
    assert_eq!(tok.get_source().map(|s| &**s), Some("lib/boom.ts"));
    assert_eq!((tok.get_src_line(), tok.get_src_col()), (4, 4));

    // Same text, but `dep` now resolves to a nested copy: recompiled.
    std::fs::create_dir_all(root.join("node_modules/p/node_modules/dep")).unwrap();
    std::fs::write(
        root.join("node_modules/p/node_modules/dep/index.js"),
        "module.exports = 'nested dep';\n",
    )
    .unwrap();
    let nested = build(&root, "a.ts");
    assert!(nested
        .modules
        .contains(&"node_modules/p/node_modules/dep/index.js".to_string()));
    assert_eq!(
        run(&nested),
        serde_json::json!(["p+nested dep", "function"])
    );

    // And a dependency that disappeared is an error again, at the same position.
    std::fs::remove_dir_all(root.join("node_modules/p/node_modules")).unwrap();
    std::fs::remove_dir_all(root.join("node_modules/dep")).unwrap();
    let e = error(&root, "a.ts");
    assert_eq!(e.missing_package(), Some("dep"));
    assert_eq!(e.filename(), Some("node_modules/p/index.js"));
    assert_eq!(e.position(), Some((1, 33)));
}

#[test]
fn relative_folders_with_a_manifest_and_json_with_a_bom() {
    let root = tree(&[
        ("main.ts", "import x from 'folders';\nexport default () => x;\n"),
        ("node_modules/folders/package.json", r#"{"name": "folders"}"#),
        (
            "node_modules/folders/index.js",
            "module.exports = [require('./sub'), require('./data.json').bom, typeof require('.')];\n",
        ),
        ("node_modules/folders/sub/package.json", r#"{"main": "./main-file.js"}"#),
        ("node_modules/folders/sub/main-file.js", "module.exports = 'sub main';\n"),
        ("node_modules/folders/data.json", "\u{feff}{\"bom\": true}"),
    ]);
    let b = build(&root, "main.ts");
    assert_eq!(run(&b), serde_json::json!(["sub main", true, "object"]));
}

#[test]
fn sdk_specifiers_resolve_to_the_generated_module() {
    let root = tree(&[
        (
            "main.ts",
            "import api, { ping } from \"sdk:pets-1\";\nexport default () => [api.name, ping()];\n",
        ),
        (
            ".hoody/sdk/pets-1/index.ts",
            "export const ping = (): string => \"pong\";\nexport default { name: \"pets\" };\n",
        ),
        (
            "missing.ts",
            "import x from \"sdk:nope\";\nexport default () => x;\n",
        ),
        (
            "invalid.ts",
            "import x from \"sdk:Bad/Id\";\nexport default () => x;\n",
        ),
    ]);
    let b = build(&root, "main.ts");
    assert!(modules(&b).contains(&".hoody/sdk/pets-1/index.ts"));
    assert_eq!(run(&b), serde_json::json!(["pets", "pong"]));
    let missing = error(&root, "missing.ts");
    assert!(unresolved_message(&missing).contains("no SDK `nope`"));
    let invalid = error(&root, "invalid.ts");
    assert!(unresolved_message(&invalid).contains("not an SDK id"));
}
