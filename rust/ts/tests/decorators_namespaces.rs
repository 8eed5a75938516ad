//! TypeScript 5 constructs that must run, not just parse: TC39 decorators (the
//! default without `experimentalDecorators`) and merged namespaces. The output
//! runs in node, which has neither feature natively, so only our lowering counts.

use std::process::Command;

mod common;
use common::{build, tree};
use hoody_ts::transpile;

/// Transpiles `src` as `name` and runs it as a module in node; returns what it printed.
fn run(src: &str, name: &str) -> String {
    let out = match transpile(src, name) {
        Ok(t) => t.code,
        Err(e) => panic!("{e}"),
    };
    let run = Command::new("node")
        .args(["--input-type=module", "-e", &out])
        .output()
        .expect("node is installed");
    assert!(
        run.status.success(),
        "{}\n--- transpiled:\n{out}",
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8(run.stdout).unwrap().trim().to_string()
}

#[test]
fn standard_class_method_field_and_accessor_decorators_run() {
    let printed = run(
        r#"
const log: string[] = [];
function sealed<T extends new (...a: any[]) => object>(cls: T, ctx: ClassDecoratorContext<T>) {
  log.push(`class ${String(ctx.name)} ${ctx.kind}`);
  ctx.addInitializer(function () { log.push(`init ${String(ctx.name)} ${typeof this}`); });
  return class extends cls { sealed = true; };
}
function logged<This, A extends any[], R>(fn: (this: This, ...a: A) => R, ctx: ClassMethodDecoratorContext<This>) {
  ctx.addInitializer(function () { log.push(`method init ${String(ctx.name)}`); });
  return function (this: This, ...args: A): R { log.push(`call ${String(ctx.name)}(${args.join(",")})`); return fn.apply(this, args); };
}
function double(_: undefined, ctx: ClassFieldDecoratorContext) {
  log.push(`field ${String(ctx.name)} static=${ctx.static} private=${ctx.private}`);
  return (v: number) => v * 2;
}
function tracked<This, V>(target: ClassAccessorDecoratorTarget<This, V>, ctx: ClassAccessorDecoratorContext<This, V>): ClassAccessorDecoratorResult<This, V> {
  return { get(this: This) { log.push(`get ${String(ctx.name)}`); return target.get.call(this); },
           set(this: This, v: V) { log.push(`set ${String(ctx.name)}`); target.set.call(this, v); } };
}
function tag(value: string) {
  return (_: unknown, ctx: DecoratorContext) => { (ctx.metadata as any)[ctx.name as string] = value; };
}
@sealed
class Point {
  @double x = 3;
  @tag("the y") y = 1;
  @tracked accessor label = "p";
  @logged move(dx: number) { this.x += dx; return this.x; }
}
const p = new Point();
const moved = p.move(1);
p.label = "q";
const meta = (Point as any)[(Symbol as any).metadata ?? Symbol.for("Symbol.metadata")];
console.log(JSON.stringify({ x: p.x, moved, label: p.label, sealed: (p as any).sealed, y: meta && meta.y, log }));
"#,
        "decorators.ts",
    );
    let v: serde_json::Value = serde_json::from_str(&printed).expect(&printed);
    assert_eq!(v["x"], 7, "{printed}");
    assert_eq!(v["moved"], 7, "{printed}");
    assert_eq!(v["label"], "q", "{printed}");
    assert_eq!(v["sealed"], true, "{printed}");
    assert_eq!(v["y"], "the y", "{printed}");
    let log: Vec<&str> = v["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    for expected in [
        "class Point class",
        "init Point function",
        "field x static=false private=false",
        "method init move",
        "call move(1)",
        "set label",
        "get label",
    ] {
        assert!(log.contains(&expected), "{expected:?} missing from {log:?}");
    }
    // class decorators' initializers run once the class is defined, before any instance
    let init = log
        .iter()
        .position(|s| *s == "init Point function")
        .unwrap();
    let call = log.iter().position(|s| *s == "call move(1)").unwrap();
    assert!(init < call, "{log:?}");
}

#[test]
fn parameter_decorators_keep_the_legacy_form() {
    let printed = run(
        r#"
const seen: string[] = [];
function inject(token: string) { return (_t: object, key: string | undefined, index: number) => { seen.push(`${token}@${index}`); }; }
class Service { constructor(@inject("db") public db: string) {} }
console.log(JSON.stringify({ db: new Service("x").db, seen }));
"#,
        "legacy.ts",
    );
    assert_eq!(printed, r#"{"db":"x","seen":["db@0"]}"#);
}

#[test]
fn merged_namespaces_see_each_others_exports_unqualified() {
    let printed = run(
        r#"
namespace Shapes {
  export const unit = 1;
  export function square(n: number) { return n * n; }
}
namespace Shapes {
  export const area = square(unit + 2);
  export namespace Inner { export const twice = area * 2; }
}
namespace Shapes.Inner {
  export const again = twice + unit;
}
enum Color { Red = 1 }
namespace Color { export function name(c: Color) { return Color[c]; } }
console.log(JSON.stringify([Shapes.area, Shapes.Inner.twice, Shapes.Inner.again, Color.name(Color.Red)]));
"#,
        "namespaces.ts",
    );
    assert_eq!(printed, r#"[9,18,19,"Red"]"#);
}

#[test]
fn namespaces_and_decorators_in_a_body_style_script() {
    // a script without `export default` is the body of a function: its namespaces
    // sit in that function's block, not at module level
    let root = tree(&[(
        "main.ts",
        r#"namespace Greeting { export const word = "hello"; }
namespace Greeting { export function of(name: string) { return `${word} ${name}`; } }
function shout(fn: (n: string) => string, _ctx: ClassMethodDecoratorContext) { return (n: string) => fn(n).toUpperCase(); }
class G { @shout greet(n: string) { return Greeting.of(n); } }
return new G().greet("ada");
"#,
    )]);
    let b = build(&root, "main.ts");
    let script = format!(
        "{}\nglobalThis.__hoody_entry.default({{}}).then(v => console.log(JSON.stringify(v)), e => console.log('ERR ' + e.message));\n",
        b.code
    );
    let file = root.join("bundle.js");
    std::fs::write(&file, script).unwrap();
    let out = Command::new("node")
        .arg(&file)
        .output()
        .expect("node is installed");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        r#""HELLO ADA""#
    );
}
