use hoody_ts::transpile;

fn code(src: &str, name: &str) -> String {
    match transpile(src, name) {
        Ok(t) => t.code,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn strips_types_and_lowers_ts_only_constructs() {
    let out = code(
        r#"
enum Color { Red, Green = 5 }
namespace NS { export const v = 1; }
function dec(_t: any) {}
@dec class A { constructor(private p: number, public q = 2) {} }
const c = { a: 1 } satisfies Record<string, number>;
interface I { x: number }
type T = string;
let v: I | T = "s" as T;
const n = <number>(1 as unknown);
export { A, c, v, n, Color, NS };
"#,
        "a.ts",
    );
    for absent in [
        "interface",
        "satisfies",
        "private p",
        ": number",
        // (not " as ": the lowered decorators' helpers say it in their own code)
        "as T",
        "as unknown",
        "type T",
        "<number>",
    ] {
        assert!(!out.contains(absent), "{absent:?} left in:\n{out}");
    }
    assert!(out.contains("Color[Color[\"Green\"] = 5]"), "{out}");
    assert!(out.contains("this.p = p"), "{out}");
    assert!(out.contains("NS.v = 1"), "{out}");
    // standard decorators, lowered (no `@` left for V8, which has none natively)
    assert!(!out.contains("@dec"), "{out}");
}

#[test]
fn type_only_imports_vanish_from_code_and_list() {
    let t = transpile(
        r#"
import type { A } from "./types";
import { type B, c } from "./mixed";
import { OnlyType } from "./only-type";
import "./side-effect";
export type { D } from "./d";
export * from "./all";
export { e } from "./e";
import eq = require("./eq");
const lazy = import("./lazy");
const r = require("./req");
const again = require("./req");
function f(require: any) { return require("./not-global"); }
let x: A | B | OnlyType = c(eq, lazy, r, again, f);
"#,
        "m.ts",
    )
    .unwrap();
    assert_eq!(
        t.imports,
        [
            "./mixed",
            "./side-effect",
            "./all",
            "./e",
            "./eq",
            "./lazy",
            "./req"
        ]
    );
    for absent in ["./types", "./only-type", "./d\"", "type B"] {
        assert!(!t.code.contains(absent), "{absent:?} left in:\n{}", t.code);
    }
    // ESM stays ESM in plain transpile.
    assert!(
        t.code.contains("import { c } from \"./mixed\""),
        "{}",
        t.code
    );
}

#[test]
fn tsx_is_lowered() {
    let out = code(
        "const el = <div className=\"x\">{1 as number}</div>;\nexport default el;",
        "c.tsx",
    );
    assert!(out.contains("React.createElement(\"div\""), "{out}");
    let out = code("export const el = <b>hi</b>;", "c.jsx");
    assert!(out.contains("React.createElement(\"b\""), "{out}");
}

#[test]
fn source_map_points_at_the_original() {
    let t = transpile(
        "interface I {}\nconst a: number = 1;\nthrow new Error(String(a));\n",
        "x.ts",
    )
    .unwrap();
    let map = swc_sourcemap::SourceMap::from_slice(t.map().as_bytes()).unwrap();
    assert_eq!(map.get_source(0).map(|s| &**s), Some("x.ts"));
    assert!(map.get_source_contents(0).unwrap().contains("interface I"));
    let (line, col) = locate(&t.code, "throw");
    let tok = map.lookup_token(line, col).unwrap();
    assert_eq!((tok.get_src_line(), tok.get_src_col()), (2, 0));
}

/// 0-based line and column of the first occurrence of `needle`.
fn locate(code: &str, needle: &str) -> (u32, u32) {
    for (i, l) in code.lines().enumerate() {
        if let Some(c) = l.find(needle) {
            return (i as u32, c as u32);
        }
    }
    panic!("{needle} not in {code}");
}

#[test]
fn reports_every_error_with_exact_positions() {
    // Two errors the parser recovers from, then a fatal one.
    let src = "const a = 1;\nconst b = ;\nlet ok = 2;\nconst é = (1;\nlet z = 3;\n";
    let recovered = "const a = 1;\nconst b;\nlet ok = 2;\nlet é = 1, f = 01;\nlet z = (;\n";
    let e = transpile(recovered, "multi.ts").unwrap_err();
    let pos: Vec<_> = e.errors.iter().map(|i| (i.line, i.column)).collect();
    assert!(e.errors.len() >= 3, "{e}");
    assert_eq!(pos[0].0, 2, "{e}");
    // Columns count characters: `é` is one.
    assert_eq!(pos[1], (4, 16), "{e}");
    assert_eq!(*pos.last().unwrap(), (5, 10), "{e}");
    let e = transpile(src, "bad.ts").unwrap_err();
    assert_eq!(e.filename, "bad.ts");
    assert_eq!((e.errors[0].line, e.errors[0].column), (2, 11), "{e}");
    let frame = &e.errors[0].frame;
    assert!(frame.contains("> 2 | const b = ;"), "{frame}");
    assert!(frame.contains("    |           ^"), "{frame}");
    assert!(
        frame.contains("  1 | const a = 1;") && frame.contains("  4 | "),
        "{frame}"
    );
    let text = e.to_string();
    assert!(text.contains("bad.ts:2:11"), "{text}");
}

#[test]
fn return_inside_a_nested_block_at_top_level_still_parses() {
    let out = transpile("if (Math.random() > 2) { return 1; }\nreturn 2;", "r.ts").unwrap();
    assert!(out.code.contains("return 2"), "{}", out.code);
}

#[test]
fn works_from_many_threads() {
    let handles: Vec<_> = (0..4)
        .map(|i| {
            std::thread::spawn(move || {
                for _ in 0..20 {
                    let t =
                        transpile(&format!("export const v{i}: number = {i};"), "t.ts").unwrap();
                    assert!(t.code.contains(&format!("v{i} = {i}")));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

/// Measures transpile time of a ~200-line file:
/// `cargo test --release -p hoody_ts --test transpile -- --ignored --nocapture bench`
#[test]
#[ignore]
fn bench_transpile_200_lines() {
    let mut src = String::new();
    for i in 0..20 {
        src.push_str(&format!(
            r#"interface Item{i}<T> {{ id: number; value: T; tags?: string[] }}
enum Kind{i} {{ A = "a", B = "b" }}
export class Store{i}<T> {{
  private items = new Map<number, Item{i}<T>>();
  constructor(private readonly name: string, public limit = 10) {{}}
  add(item: Item{i}<T>): this {{ this.items.set(item.id, item); return this; }}
  find(pred: (i: Item{i}<T>) => boolean): Item{i}<T> | undefined {{
    for (const it of this.items.values()) if (pred(it)) return it;
    return undefined;
  }}
}}
export const cfg{i} = {{ kind: Kind{i}.A, n: {i} }} satisfies Record<string, unknown>;
"#
        ));
    }
    assert!(src.lines().count() >= 200);
    for _ in 0..50 {
        transpile(&src, "bench.ts").unwrap();
    }
    let n = 500;
    let start = std::time::Instant::now();
    for _ in 0..n {
        transpile(&src, "bench.ts").unwrap();
    }
    let per = start.elapsed().as_micros() as f64 / n as f64;
    println!(
        "transpile: {} lines, {} bytes: {per:.0} µs per file",
        src.lines().count(),
        src.len()
    );
}

#[test]
fn top_level_return_is_accepted_because_scripts_are_function_bodies() {
    let out = hoody_ts::transpile("const a: number = 1;\nreturn { a };\n", "s.ts").unwrap();
    assert!(out.code.contains("return"), "{}", out.code);
}
