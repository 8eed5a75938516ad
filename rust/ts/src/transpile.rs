//! `transpile`: one TypeScript/JavaScript file in, ES2022+ ESM out (types
//! stripped, JSX lowered), with a source map and the list of its imports.

use swc_core::common::comments::SingleThreadedComments;
use swc_core::common::sync::Lrc;
use swc_core::common::{BytePos, LineCol, SourceMap, GLOBALS};
use swc_core::ecma::transforms::base::helpers::{Helpers, HELPERS};

use crate::errors::TranspileErrors;
use crate::imports;
use crate::pipeline::{self, Dialect, Marks};

/// Output of [`transpile`].
#[derive(Debug, Clone)]
pub struct Transpiled {
    pub code: String,
    /// Specifiers of runtime imports in source order, without duplicates.
    pub imports: Vec<String>,
    filename: String,
    source: String,
    mappings: Vec<(BytePos, LineCol)>,
}

impl Transpiled {
    /// Source map JSON (`sources` = `[filename]`, `sourcesContent` filled).
    /// NOTE: built on demand (it is a sixth of the work and most callers only
    /// need it when an error is reported); positions in a fresh `SourceMap`
    /// holding the same single file are the ones the mappings recorded.
    pub fn map(&self) -> String {
        let cm: Lrc<SourceMap> = Default::default();
        pipeline::add_file(&cm, &self.filename, &self.source);
        pipeline::source_map_json(&cm, &self.mappings)
    }
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
    Ok(Transpiled {
        code: emitted.code,
        imports,
        filename: filename.to_owned(),
        source: source.to_owned(),
        mappings: emitted.mappings,
    })
}
