//! `transpile`: one TypeScript/JavaScript file in, ES2022+ ESM out (types
//! stripped, JSX lowered), with a source map and the list of its imports.

use swc_core::common::comments::SingleThreadedComments;
use swc_core::common::sync::Lrc;
use swc_core::common::{SourceMap, GLOBALS};
use swc_core::ecma::transforms::base::helpers::{Helpers, HELPERS};

use crate::errors::TranspileErrors;
use crate::imports;
use crate::pipeline::{self, Dialect, Marks};

/// Output of [`transpile`].
#[derive(Debug, Clone)]
pub struct Transpiled {
    pub code: String,
    /// Source map JSON (`sources` = `[filename]`, `sourcesContent` filled).
    pub map: String,
    /// Specifiers of runtime imports in source order, without duplicates.
    pub imports: Vec<String>,
}

/// Transpiles one file (a top-level `return` is accepted: scripts are function
/// bodies). The dialect follows the extension of `filename`
/// (`.tsx`/`.jsx` enable JSX; anything else not `.js`/`.mjs`/`.cjs` is TypeScript).
/// Thread-safe: all swc state is local to the call.
pub fn transpile(source: &str, filename: &str) -> Result<Transpiled, TranspileErrors> {
    GLOBALS.set(&Default::default(), || {
        // `false`: helpers are inlined into the output, never imported.
        HELPERS.set(&Helpers::new(false), || transpile_inner(source, filename))
    })
}

fn transpile_inner(source: &str, filename: &str) -> Result<Transpiled, TranspileErrors> {
    let cm: Lrc<SourceMap> = Default::default();
    let comments = SingleThreadedComments::default();
    let fm = pipeline::add_file(&cm, filename, source);
    let dialect = Dialect::of(filename);
    // NOTE: a hoody-exec script is the body of an async function, so a top-level
    // `return` is legal in every script this checks.
    let module = pipeline::parse(&cm, &fm, &comments, dialect, true)?;
    let marks = Marks::new();
    let mut module = pipeline::strip_types(module, &cm, &comments, dialect, marks);
    let imports = imports::unique(&imports::collect(&mut module, marks.unresolved));
    let module = pipeline::finish(module, &comments, marks);
    let emitted = pipeline::emit(&cm, &comments, &module);
    let map = pipeline::source_map_json(&cm, &emitted.mappings);
    Ok(Transpiled {
        code: emitted.code,
        map,
        imports,
    })
}
