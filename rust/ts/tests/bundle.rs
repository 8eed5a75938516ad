use std::process::Command;

mod common;
use common::{build, tree};
use hoody_ts::{bundle, Bundle, BundleError, BundleOptions, Style};

/// A fresh folder with `files` (path, content) written into it.
/// Runs the bundle in node, calls `default(ctx)` and returns its JSON result
/// (or `ERR <message>`).
fn run(b: &Bundle, ctx: &str) -> String {
    let dir = tree(&[]);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bundle.js");
    let script = format!(
        "{}\nPromise.resolve().then(() => globalThis.__hoody_entry.default({ctx})).then(\
         v => console.log(JSON.stringify(v)), e => console.log('ERR ' + e.message));\n",
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
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn body_style_with_nested_imports_cycles_json_and_top_level_await() {
    let root = tree(&[
        (
            "main.ts",
            r#"import { add } from "./lib/math.js";
import data from "./data.json";
import * as cyc from "./lib/a";
import type { Unused } from "./lib/types";
const body: Unused = { fromScript: true };
if (query.early) return "early";
const x: number = await Promise.resolve(add(1, 2));
const d = await import("./lib/math");
let dynamicFailed = "";
const name = "./lib/" + "math";
await import(name).catch((e: Error) => { dynamicFailed = e.message; });
return { x, data, body, path: request.path, cyc: cyc.a(), dyn: d.add(2, 2), dynamicFailed };
"#,
        ),
        (
            "lib/math.ts",
            "export function add(a: number, b: number): number { return a + b; }\n",
        ),
        ("lib/types.ts", "export type Unused = any;\n"),
        (
            "lib/a.ts",
            "import { b } from \"./b\";\nexport function a() { return \"a\" + b(); }\n",
        ),
        (
            "lib/b.ts",
            "import { a } from \"./a\";\nexport function b() { return typeof a; }\n",
        ),
        ("lib/index.ts", "export const unused = 1;\n"),
        ("data.json", "{\"k\": [1, 2]}\n"),
    ]);
    let b = build(&root, "main.ts");
    assert_eq!(b.style, Style::Body);
    assert_eq!(b.entry, "main.ts");
    assert_eq!(
        b.modules,
        [
            "main.ts",
            "lib/math.ts",
            "data.json",
            "lib/a.ts",
            "lib/b.ts"
        ]
    );
    assert_eq!(b.inputs.len(), 5);
    assert!(b
        .inputs
        .iter()
        .all(|(p, h)| p.is_absolute() && h.len() == 64));
    assert!(b
        .code
        .starts_with("globalThis.__hoody_entry = (function () {"));
    let out = run(&b, "{query: {}, request: {path: '/p'}}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{out}"));
    assert_eq!(v["x"], 3);
    assert_eq!(v["data"]["k"][1], 2);
    assert_eq!(
        v["body"]["fromScript"], true,
        "const body shadows the injected one"
    );
    assert_eq!(v["path"], "/p");
    assert_eq!(v["cyc"], "afunction");
    assert_eq!(v["dyn"], 4);
    assert!(
        v["dynamicFailed"]
            .as_str()
            .unwrap()
            .contains("string literal"),
        "{out}"
    );
    assert_eq!(run(&b, "{query: {early: 1}}"), "\"early\"");

    // Same inputs, same hash; another option, another hash.
    assert_eq!(build(&root, "main.ts").hash, b.hash);
    let other = BundleOptions {
        global_name: "other".into(),
        ..Default::default()
    };
    assert_ne!(bundle(&root, "main.ts", &other).unwrap().hash, b.hash);
}

#[test]
fn module_style_entry_keeps_its_exports() {
    let root = tree(&[
        (
            "api.ts",
            "import { helper } from './h';\nexport const named = 1;\nexport default async function (ctx: { n: number }) { return helper(ctx.n) + named; }\n",
        ),
        ("h.ts", "export const helper = (n: number) => n * 10;\n"),
    ]);
    let b = build(&root, "api.ts");
    assert_eq!(b.style, Style::Module);
    assert_eq!(run(&b, "{n: 4}"), "41");
    assert!(b.code.contains("exports.__hoody_style = \"module\""));
    let root = tree(&[("x.ts", "const f = () => 7;\nexport { f as default };\n")]);
    let b = build(&root, "x.ts");
    assert_eq!(b.style, Style::Module);
    assert_eq!(run(&b, "{}"), "7");
}

#[test]
fn named_exports_in_body_style_are_refused() {
    let root = tree(&[(
        "s.ts",
        "const a = 1;\nexport const b = 2;\nexport type T = number;\n",
    )]);
    match bundle(&root, "s.ts", &BundleOptions::default()) {
        Err(BundleError::Syntax(e)) => {
            assert_eq!(e.errors.len(), 1, "{e}");
            assert_eq!((e.errors[0].line, e.errors[0].column), (2, 1));
            assert!(e.errors[0]
                .message
                .contains("named exports need an `export default`"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn missing_packages_and_unavailable_builtins_are_reported_with_position() {
    for (spec, missing) in [
        ("zod", Some("zod")),
        ("ms@2", Some("ms@2")),
        ("npm:zod@3", Some("zod@3")),
        ("@scope/pkg@^1/sub", Some("@scope/pkg@^1")),
        ("lodash/fp", Some("lodash")),
        ("node:buffer", Some("buffer@^6")),
        ("path", Some("path-browserify@^1")),
        ("node:fs", None),
        ("child_process", None),
    ] {
        let root = tree(&[
            ("main.ts", "import './lib/x';\n"),
            (
                "lib/x.ts",
                &format!("const a = 1;\n  import z from \"{spec}\";\nz;\n"),
            ),
        ]);
        let e = bundle(&root, "main.ts", &BundleOptions::default()).unwrap_err();
        match (&e, missing) {
            (BundleError::MissingPackage { package, .. }, Some(m)) => {
                assert_eq!(package, m);
                assert!(
                    e.to_string().starts_with(&format!("package \"{m}\"")),
                    "{e}"
                );
                assert!(
                    e.to_string()
                        .ends_with("is not installed (imported by \"lib/x.ts\")"),
                    "{e}"
                );
            }
            (BundleError::UnresolvedImport { message, .. }, None) => {
                let name = spec.trim_start_matches("node:");
                assert!(
                    message.contains(&format!(
                        "built-in module \"{name}\" is not available in isolates"
                    )),
                    "{message}"
                );
            }
            other => panic!("{spec}: {other:?}"),
        }
        assert_eq!(e.missing_package(), missing);
        assert_eq!(e.filename(), Some("lib/x.ts"));
        assert_eq!(e.position(), Some((2, 17)));
        assert_eq!(e.specifier(), Some(spec));
    }
}

#[test]
fn missing_relative_import_is_unresolved() {
    let root = tree(&[("main.ts", "import { x } from './nope';\nreturn x;\n")]);
    let e = bundle(&root, "main.ts", &BundleOptions::default()).unwrap_err();
    assert!(
        matches!(
            e,
            BundleError::UnresolvedImport {
                line: 1,
                column: 19,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn escaping_the_root_is_refused() {
    let outside = tree(&[("secret.ts", "export const s = 1;\n")]);
    let root = tree(&[("main.ts", "import { s } from '../x/secret';\nreturn s;\n")]);
    let e = bundle(&root, "main.ts", &BundleOptions::default()).unwrap_err();
    assert!(matches!(e, BundleError::OutsideRoot { .. }), "{e}");
    assert!(e.to_string().contains("outside the root"), "{e}");

    // A symlink inside the root pointing outside.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outside.join("secret.ts"), root.join("link.ts")).unwrap();
        std::fs::write(
            root.join("main.ts"),
            "import { s } from './link';\nreturn s;\n",
        )
        .unwrap();
        let e = bundle(&root, "main.ts", &BundleOptions::default()).unwrap_err();
        assert!(matches!(e, BundleError::OutsideRoot { line: 1, .. }), "{e}");
    }
    let e = bundle(&root, "../main.ts", &BundleOptions::default()).unwrap_err();
    assert!(
        matches!(e, BundleError::OutsideRoot { importer: None, .. }),
        "{e}"
    );
}

#[test]
fn syntax_errors_carry_the_module_id() {
    let root = tree(&[("main.ts", "import './bad';\n"), ("bad.ts", "let x = ;\n")]);
    match bundle(&root, "main.ts", &BundleOptions::default()).unwrap_err() {
        BundleError::Syntax(e) => {
            assert_eq!(e.filename, "bad.ts");
            assert_eq!((e.errors[0].line, e.errors[0].column), (1, 9));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn source_map_maps_a_throw_back_to_the_original() {
    let root = tree(&[
        ("main.ts", "import { boom } from './lib/boom';\ninterface X { a: number }\nboom();\n"),
        (
            "lib/boom.ts",
            "type T = string;\n\nexport function boom(): never {\n  const t: T = 'x';\n    throw new Error(t);\n}\n",
        ),
    ]);
    let b = build(&root, "main.ts");
    let map = swc_sourcemap::SourceMap::from_slice(b.map.as_bytes()).unwrap();
    let sources: Vec<String> = map.sources().map(|s| s.to_string()).collect();
    assert!(sources.contains(&"lib/boom.ts".to_string()), "{sources:?}");
    assert!(sources.contains(&"main.ts".to_string()), "{sources:?}");
    let (line, col) = b
        .code
        .lines()
        .enumerate()
        .find_map(|(i, l)| l.find("throw new Error").map(|c| (i as u32, c as u32)))
        .unwrap();
    let tok = map.lookup_token(line, col).unwrap();
    assert_eq!(tok.get_source().map(|s| &**s), Some("lib/boom.ts"));
    assert_eq!((tok.get_src_line(), tok.get_src_col()), (4, 4));
    let src_id = tok.get_src_id();
    assert!(map
        .get_source_contents(src_id)
        .unwrap()
        .contains("type T = string"));

    // The entry's statements (moved into the body function) keep their positions.
    let (line, col) = b
        .code
        .lines()
        .enumerate()
        .find_map(|(i, l)| l.find("(0, _boom").map(|c| (i as u32, c as u32)))
        .unwrap();
    let tok = map.lookup_token(line, col).unwrap();
    assert_eq!(tok.get_source().map(|s| &**s), Some("main.ts"));
    assert_eq!(tok.get_src_line(), 2);
}

#[test]
fn missing_entry_is_reported_as_such() {
    let root = tree(&[("a.ts", "")]);
    let e = bundle(&root, "nope.ts", &BundleOptions::default()).unwrap_err();
    assert!(matches!(e, BundleError::EntryNotFound { .. }), "{e}");
    assert_eq!(e.filename(), Some("nope.ts"));
    assert_eq!(e.position(), None);
}

#[test]
fn provided_packages_come_from_the_runtime() {
    // No node_modules at all: "ai" is provided, "ai/rsc" (a subpath) is not.
    let root = tree(&[(
        "main.ts",
        "import { generateText } from 'ai';\nimport * as ns from 'ai';\nreturn [generateText(), ns.generateText === generateText];\n",
    )]);
    let opts = BundleOptions {
        provided: vec!["ai".into()],
        ..Default::default()
    };
    let b = bundle(&root, "main.ts", &opts).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        b.modules.contains(&"<provided>/ai".to_string()),
        "{:?}",
        b.modules
    );
    let provided = Bundle {
        code: format!(
            "globalThis.__hoody_provided = (name) => ({{ generateText: () => 'from the runtime: ' + name }});\n{}",
            b.code
        ),
        ..b.clone()
    };
    assert_eq!(run(&provided, "{}"), "[\"from the runtime: ai\",true]");
    // Without the runtime's copy, loading the bundle says what is missing.
    assert!(b.code.contains("is provided by the runtime"));
    // Another set of provided names, another hash.
    assert_ne!(
        bundle(&root, "main.ts", &BundleOptions::default())
            .map(|x| x.hash)
            .ok(),
        Some(b.hash.clone())
    );

    let sub = tree(&[("main.ts", "import x from 'ai/rsc';\nreturn x;\n")]);
    match bundle(&sub, "main.ts", &opts) {
        Err(BundleError::MissingPackage { package, .. }) => assert_eq!(package, "ai"),
        other => panic!("expected a missing package, got {other:?}"),
    }
}
