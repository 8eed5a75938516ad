//! Assembles the bundle script: the factory table, the CommonJS-style loader
//! and the call that loads the entry. Module code is placed at column 0 of its
//! own lines, so its source-map mappings only need a line offset.

use swc_core::common::{BytePos, LineCol};

/// One compiled module, ready to be placed in the table.
pub(crate) struct Factory {
    pub id: String,
    pub code: String,
    /// Mappings relative to the module's own first line.
    pub mappings: Vec<(BytePos, LineCol)>,
}

/// Runs after the factory table. `load` is also the `require` every factory
/// receives; the module object goes into the cache before its factory runs, so
/// a cycle sees the partially filled `exports` instead of recursing.
///
/// The script itself is sloppy: ESM and TypeScript factories start with their
/// own "use strict", CommonJS ones run in sloppy mode as they would in Node.
/// `global` and a minimal `process` are visible to every module (packages
/// test them); `process.env.NODE_ENV` is also replaced at bundle time.
const LOADER: &str = r#"var global = globalThis;
var process = {
  env: { NODE_ENV: "production" },
  browser: true,
  platform: "browser",
  version: "",
  versions: {},
  argv: [],
  cwd: function () { return "/"; },
  nextTick: function (fn) {
    var args = Array.prototype.slice.call(arguments, 1);
    Promise.resolve().then(function () { fn.apply(undefined, args); });
  }
};
var cache = Object.create(null);
var has = Object.prototype.hasOwnProperty;
function load(id) {
  "use strict";
  var cached = cache[id];
  if (cached !== undefined) return cached.exports;
  if (!has.call(factories, id)) throw new Error("module not found in bundle: " + id);
  var module = { id: id, exports: {} };
  cache[id] = module;
  try {
    factories[id].call(module.exports, module, module.exports, load);
  } catch (e) {
    delete cache[id];
    throw e;
  }
  return module.exports;
}
load.__hoody_import = function (id) {
  return Promise.resolve().then(function () {
    var e = load(id);
    if (e && e.__esModule) return e;
    var ns = { default: e };
    if (e !== null && (typeof e === "object" || typeof e === "function")) {
      for (var k in e) if (k !== "default" && has.call(e, k)) ns[k] = e[k];
    }
    return ns;
  });
};
load.__hoody_dynamic_import = function (specifier) {
  return Promise.reject(new Error("import(" + JSON.stringify(String(specifier)) + "): only dynamic imports with a string literal are bundled"));
};
"#;

/// Returns the script and the mappings of every module, shifted to their lines
/// in the script.
pub(crate) fn assemble(
    global_name: &str,
    entry: &str,
    factories: &[Factory],
) -> (String, Vec<(BytePos, LineCol)>) {
    let mut out = Lines::default();
    out.push(&format!(
        "globalThis.{global_name} = (function () {{\nvar factories = {{\n"
    ));
    let mut mappings = Vec::new();
    for (i, f) in factories.iter().enumerate() {
        out.push(&format!(
            "{}: function (module, exports, require) {{\n",
            js_string(&f.id)
        ));
        mappings.extend(crate::bundle::sourcemap::shifted(&f.mappings, out.line));
        out.push(&f.code);
        if !f.code.ends_with('\n') {
            out.push("\n");
        }
        out.push(if i + 1 == factories.len() {
            "}\n"
        } else {
            "},\n"
        });
    }
    out.push("};\n");
    out.push(LOADER);
    out.push(&format!("return load({});\n}})();\n", js_string(entry)));
    (out.text, mappings)
}

/// A string that tracks how many lines it has.
#[derive(Default)]
struct Lines {
    text: String,
    line: u32,
}

impl Lines {
    fn push(&mut self, s: &str) {
        self.line += s.bytes().filter(|b| *b == b'\n').count() as u32;
        self.text.push_str(s);
    }
}

/// A JavaScript string literal (JSON strings are valid JS since ES2019).
pub(crate) fn js_string(s: &str) -> String {
    serde_json::to_string(s).expect("strings always serialize")
}
