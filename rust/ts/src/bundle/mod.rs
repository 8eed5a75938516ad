//! The bundler: walks the import graph from an entry (relative imports,
//! packages in `node_modules`, Node built-ins with a browser package), compiles
//! every module to a CommonJS factory (types stripped, specifiers rewritten to
//! module ids) and assembles one classic script with one source map.

mod body;
mod cache;
mod define;
mod loader;
mod provided;
pub(crate) mod sourcemap;
mod throws;

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use swc_core::common::comments::SingleThreadedComments;
use swc_core::common::sync::Lrc;
use swc_core::common::{SourceFile, SourceMap, GLOBALS};
use swc_core::ecma::ast::{Pass, Program};
use swc_core::ecma::transforms::base::helpers::{Helpers, HELPERS};
use swc_core::ecma::transforms::module::common_js::{common_js, FeatureFlag};
use swc_core::ecma::transforms::module::path::Resolver as SwcResolver;
use swc_core::ecma::transforms::module::util::{Config as CjsConfig, ImportInterop};

use crate::errors::{SyntaxIssue, TranspileErrors};
use crate::imports;
use crate::packages::PackageResolver;
use crate::pipeline::{self, Dialect, Marks};
use crate::resolve::{ImportKind, ResolveFailure, Resolved, Resolver};
use loader::Factory;

/// Names a body-style script can use without declaring them.
pub const DEFAULT_INJECTED: &[&str] = &[
    "request", "req", "body", "query", "params", "headers", "env", "console", "log", "fetch",
    "shared", "ws",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleOptions {
    /// Variables a body-style entry gets from `__hoody_ctx`.
    pub injected: Vec<String>,
    /// The global the script assigns the entry's exports to.
    pub global_name: String,
    /// Packages the runtime provides: imported by exactly this name, they come
    /// from `globalThis.__hoody_provided(name)` instead of `node_modules`.
    pub provided: Vec<String>,
}

impl Default for BundleOptions {
    fn default() -> Self {
        BundleOptions {
            injected: DEFAULT_INJECTED.iter().map(|s| s.to_string()).collect(),
            global_name: "__hoody_entry".into(),
            provided: Vec::new(),
        }
    }
}

/// How the entry exposes its handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// No `export default`: the file's statements became `exports.default`.
    Body,
    /// The file has `export default`; its exports are the module's.
    Module,
}

impl Style {
    pub fn as_str(self) -> &'static str {
        match self {
            Style::Body => "body",
            Style::Module => "module",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Bundle {
    pub code: String,
    /// Source map JSON: `sources` are module ids, with `sourcesContent`.
    pub map: String,
    /// Module id of the entry.
    pub entry: String,
    pub style: Style,
    /// Ids of every module, entry first, in discovery order.
    pub modules: Vec<String>,
    /// (canonical absolute path, sha256 hex) of every file read.
    pub inputs: Vec<(PathBuf, String)>,
    /// sha256 hex over the options and every input's id and content.
    pub hash: String,
}

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{0}")]
    Syntax(TranspileErrors),
    #[error("{importer}:{line}:{column}: cannot resolve import \"{specifier}\": {message}")]
    UnresolvedImport {
        importer: String,
        line: usize,
        column: usize,
        specifier: String,
        message: String,
    },
    #[error("{}cannot read {}: {source}", importer.as_ref().map(|i| format!("{i}: ")).unwrap_or_default(), path.display())]
    Io {
        importer: Option<String>,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A package that is not in `node_modules`; `package` is the installer
    /// specifier that fixes it (`"zod"`, `"ms@2"`, `"buffer@^6"`).
    #[error("{message} (imported by {importer:?})")]
    MissingPackage {
        importer: String,
        line: usize,
        column: usize,
        specifier: String,
        package: String,
        message: String,
    },
    #[error("{}{specifier:?} resolves to {}, outside the root folder: imports (and symlinks) must stay inside it", importer.as_ref().map(|i| format!("{i}:{line}:{column}: ")).unwrap_or_default(), path.display())]
    OutsideRoot {
        /// `None` when the entry itself is outside.
        importer: Option<String>,
        line: usize,
        column: usize,
        specifier: String,
        path: PathBuf,
    },
    /// The entry file itself could not be found.
    #[error("entry {entry:?}: {message}")]
    EntryNotFound { entry: String, message: String },
    #[error("invalid bundle options: {0}")]
    InvalidOptions(String),
}

impl BundleError {
    /// The file the error is about (the importer for import errors), relative to the root.
    pub fn filename(&self) -> Option<&str> {
        match self {
            BundleError::Syntax(e) => Some(&e.filename),
            BundleError::UnresolvedImport { importer, .. }
            | BundleError::MissingPackage { importer, .. } => Some(importer),
            BundleError::Io { importer, .. } | BundleError::OutsideRoot { importer, .. } => {
                importer.as_deref()
            }
            BundleError::EntryNotFound { entry, .. } => Some(entry),
            BundleError::InvalidOptions(_) => None,
        }
    }

    /// 1-based line/column in `filename`, when there is a position.
    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            BundleError::Syntax(e) => Some((e.first().line, e.first().column)),
            BundleError::UnresolvedImport { line, column, .. }
            | BundleError::MissingPackage { line, column, .. } => Some((*line, *column)),
            BundleError::OutsideRoot {
                importer: Some(_),
                line,
                column,
                ..
            } => Some((*line, *column)),
            _ => None,
        }
    }

    pub fn specifier(&self) -> Option<&str> {
        match self {
            BundleError::UnresolvedImport { specifier, .. }
            | BundleError::MissingPackage { specifier, .. }
            | BundleError::OutsideRoot { specifier, .. } => Some(specifier),
            _ => None,
        }
    }

    /// The installer specifier of the package whose absence caused the error.
    pub fn missing_package(&self) -> Option<&str> {
        match self {
            BundleError::MissingPackage { package, .. } => Some(package),
            _ => None,
        }
    }
}

/// Bundles `entry` (a path relative to `root`) and every module it imports:
/// relative files, packages from `node_modules` and mapped Node built-ins.
/// Thread-safe: all swc state is local to the call.
pub fn bundle(root: &Path, entry: &str, opts: &BundleOptions) -> Result<Bundle, BundleError> {
    let resolver = PackageResolver::new(root).map_err(|source| BundleError::Io {
        importer: None,
        path: root.to_path_buf(),
        source,
    })?;
    bundle_with(&resolver, entry, opts)
}

/// [`bundle`] with a custom resolver.
pub fn bundle_with(
    resolver: &dyn Resolver,
    entry: &str,
    opts: &BundleOptions,
) -> Result<Bundle, BundleError> {
    check_options(opts)?;
    let with_provided = provided::WithProvided {
        inner: resolver,
        names: &opts.provided,
    };
    let resolver: &dyn Resolver = if opts.provided.is_empty() {
        resolver
    } else {
        &with_provided
    };
    let entry = resolver
        .resolve_entry(entry)
        .map_err(|f| resolve_error(f, None, entry, (0, 0)))?;
    GLOBALS.set(&Default::default(), || {
        Builder::new(resolver, opts).run(entry)
    })
}

fn check_options(opts: &BundleOptions) -> Result<(), BundleError> {
    for name in std::iter::once(&opts.global_name).chain(&opts.injected) {
        if !is_identifier(name) {
            return Err(BundleError::InvalidOptions(format!(
                "{name:?} is not a JavaScript identifier"
            )));
        }
    }
    Ok(())
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

fn resolve_error(
    failure: ResolveFailure,
    importer: Option<&str>,
    specifier: &str,
    (line, column): (usize, usize),
) -> BundleError {
    match failure {
        ResolveFailure::MissingPackage { package, message } => BundleError::MissingPackage {
            importer: importer.unwrap_or("").to_string(),
            line,
            column,
            specifier: specifier.to_string(),
            package,
            message,
        },
        ResolveFailure::Unresolved(message) if importer.is_none() => BundleError::EntryNotFound {
            entry: specifier.to_string(),
            message,
        },
        ResolveFailure::Unresolved(message) => BundleError::UnresolvedImport {
            importer: importer.unwrap_or("").to_string(),
            line,
            column,
            specifier: specifier.to_string(),
            message,
        },
        ResolveFailure::OutsideRoot(path) => BundleError::OutsideRoot {
            importer: importer.map(str::to_string),
            line,
            column,
            specifier: specifier.to_string(),
            path,
        },
        ResolveFailure::Io(path, source) => BundleError::Io {
            importer: importer.map(str::to_string),
            path,
            source,
        },
    }
}

/// State of one bundling run.
struct Builder<'a> {
    resolver: &'a dyn Resolver,
    opts: &'a BundleOptions,
    cm: Lrc<SourceMap>,
    comments: SingleThreadedComments,
    factories: Vec<Factory>,
    inputs: Vec<(PathBuf, String)>,
    hasher: Sha256,
}

impl<'a> Builder<'a> {
    fn new(resolver: &'a dyn Resolver, opts: &'a BundleOptions) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(b"hoody-exec bundle v1\0");
        hash_field(&mut hasher, opts.global_name.as_bytes());
        hash_field(&mut hasher, opts.injected.join(",").as_bytes());
        hash_field(&mut hasher, opts.provided.join(",").as_bytes());
        Builder {
            resolver,
            opts,
            cm: Default::default(),
            comments: Default::default(),
            factories: Vec::new(),
            inputs: Vec::new(),
            hasher,
        }
    }

    fn run(mut self, entry: Resolved) -> Result<Bundle, BundleError> {
        let entry_id = entry.id.clone();
        hash_field(&mut self.hasher, entry_id.as_bytes());
        let mut seen = HashSet::from([entry.id.clone()]);
        let mut queue = VecDeque::from([entry]);
        let mut style = Style::Body;
        while let Some(module) = queue.pop_front() {
            let is_entry = module.id == entry_id;
            if module.is_empty_module() {
                hash_field(&mut self.hasher, module.id.as_bytes());
                self.factories.push(Factory {
                    id: module.id,
                    code: "module.exports = {};\n".into(),
                    mappings: Vec::new(),
                });
                continue;
            }
            if let Some(name) = provided::name_of(&module) {
                hash_field(&mut self.hasher, module.id.as_bytes());
                self.factories.push(Factory {
                    id: module.id.clone(),
                    code: provided::factory_code(name),
                    mappings: Vec::new(),
                });
                continue;
            }
            let source =
                std::fs::read_to_string(&module.path).map_err(|source| BundleError::Io {
                    importer: None,
                    path: module.path.clone(),
                    source,
                })?;
            let digest = Sha256::digest(source.as_bytes());
            self.inputs.push((module.path.clone(), hex(&digest)));
            hash_field(&mut self.hasher, module.id.as_bytes());
            hash_field(&mut self.hasher, source.as_bytes());

            let (factory, deps, module_style) = if module.id.ends_with(".json") {
                (
                    json_factory(&module.id, &source)?,
                    Vec::new(),
                    Style::Module,
                )
            } else {
                let key = cache::key(
                    &module.id,
                    &self.inputs.last().expect("just pushed").1,
                    is_entry.then_some(self.opts.injected.as_slice()),
                );
                match self.reuse(&key, &module.id, &source)? {
                    Some(done) => done,
                    None => HELPERS.set(&Helpers::new(false), || {
                        self.compile(&key, &module.id, &source, is_entry)
                    })?,
                }
            };
            if is_entry {
                style = module_style;
            }
            self.factories.push(factory);
            for dep in deps {
                if seen.insert(dep.id.clone()) {
                    queue.push_back(dep);
                }
            }
        }
        // package.json files decide what resolves where: inputs too, so a
        // reinstall invalidates the bundle.
        for input in self.resolver.inputs() {
            let digest = Sha256::digest(input.content.as_bytes());
            self.inputs.push((input.path, hex(&digest)));
            hash_field(&mut self.hasher, input.id.as_bytes());
            hash_field(&mut self.hasher, input.content.as_bytes());
        }
        let (code, mappings) = loader::assemble(&self.opts.global_name, &entry_id, &self.factories);
        let map = pipeline::source_map_json(&self.cm, &mappings);
        Ok(Bundle {
            code,
            map,
            entry: entry_id,
            style,
            modules: self.factories.iter().map(|f| f.id.clone()).collect(),
            inputs: self.inputs,
            hash: hex(&self.hasher.finalize()),
        })
    }

    /// Compiles one JS/TS module to a factory body and returns the modules it imports.
    /// ESM (and every TypeScript file) goes through swc's CommonJS transform;
    /// a JavaScript file without `import`/`export` is CommonJS and keeps its
    /// code (sloppy mode, `module`/`exports`/`require` from the factory).
    fn compile(
        &self,
        key: &str,
        id: &str,
        source: &str,
        is_entry: bool,
    ) -> Result<(Factory, Vec<Resolved>, Style), BundleError> {
        let cm = &self.cm;
        let fm = pipeline::add_file(cm, id, source);
        let dialect = Dialect::of(id);
        let may_be_cjs = !is_entry && dialect == Dialect::Js && !id.ends_with(".mjs");
        let (mut module, cjs) = if may_be_cjs {
            pipeline::parse_js(cm, &fm, &self.comments, id.ends_with(".cjs"))
                .map_err(BundleError::Syntax)?
        } else {
            let m = pipeline::parse(cm, &fm, &self.comments, dialect, is_entry)
                .map_err(BundleError::Syntax)?;
            (m, false)
        };
        // A `#!` line is only valid at the very start of a script, never inside a factory.
        module.shebang = None;
        let style = if !cjs && body::has_default_export(&module) {
            Style::Module
        } else {
            Style::Body
        };
        if is_entry {
            match style {
                Style::Body => body::wrap_body(&mut module, &self.opts.injected, cm, &fm, id)
                    .map_err(BundleError::Syntax)?,
                Style::Module => body::mark_module_style(&mut module),
            }
        }
        let marks = Marks::new();
        let mut module = if cjs {
            pipeline::resolve_script(module, marks)
        } else {
            pipeline::strip_types(module, cm, &self.comments, dialect, marks)
        };
        define::node_env(&mut module, marks.unresolved);
        if !id.contains("node_modules/") {
            throws::record_throw_sites(&mut module, marks.unresolved);
        }

        let specifiers = imports::collect(&mut module, marks.unresolved);
        let mut resolved: HashMap<(String, ImportKind), Resolved> = HashMap::new();
        for s in &specifiers {
            let key = (s.value.clone(), s.kind);
            if resolved.contains_key(&key) {
                continue;
            }
            let r = self.resolver.resolve(id, &s.value, s.kind).map_err(|f| {
                let pos = position(cm, &fm, s.span.lo);
                resolve_error(f, Some(id), &s.value, pos)
            })?;
            resolved.insert(key, r);
        }
        imports::rewrite(&mut module, marks.unresolved, |s, kind| {
            resolved
                .get(&(s.to_string(), kind))
                .map_or_else(|| s.to_string(), |r| r.id.clone())
        });

        let module = if cjs {
            imports::lower_dynamic_imports(&mut module, marks.unresolved);
            pipeline::finish_script(module, &self.comments, marks)
        } else {
            let mut program = Program::Module(module);
            common_js(
                SwcResolver::Default,
                marks.unresolved,
                CjsConfig {
                    import_interop: Some(ImportInterop::Swc),
                    ..Default::default()
                },
                FeatureFlag {
                    support_block_scoping: true,
                    support_arrow: true,
                },
            )
            .process(&mut program);
            pipeline::finish(program.expect_module(), &self.comments, marks)
        };
        let emitted = pipeline::emit(cm, &self.comments, &module);

        // Dependencies in source order, each once.
        let mut deps = Vec::new();
        let mut recorded = Vec::new();
        for pair in imports::unique_with_kind(&specifiers) {
            if let Some(r) = resolved.remove(&pair) {
                let first = specifiers
                    .iter()
                    .find(|s| s.value == pair.0 && s.kind == pair.1)
                    .expect("a unique pair comes from the list");
                recorded.push(cache::Import {
                    value: pair.0,
                    kind: pair.1,
                    position: position(cm, &fm, first.span.lo),
                    resolved: r.id.clone(),
                });
                deps.push(r);
            }
        }
        cache::put(
            key.to_string(),
            cache::Compiled {
                code: emitted.code.clone(),
                mappings: cache::Compiled::relative_mappings(&fm, &emitted.mappings),
                style,
                imports: recorded,
            },
        );
        let factory = Factory {
            id: id.to_string(),
            code: emitted.code,
            mappings: emitted.mappings,
        };
        Ok((factory, deps, style))
    }

    /// A module compiled earlier (by any bundle) whose specifiers still resolve
    /// to the same modules: its factory without parsing. `None` to compile.
    fn reuse(
        &self,
        key: &str,
        id: &str,
        source: &str,
    ) -> Result<Option<(Factory, Vec<Resolved>, Style)>, BundleError> {
        let Some(compiled) = cache::get(key) else {
            return Ok(None);
        };
        let mut deps = Vec::with_capacity(compiled.imports.len());
        for import in &compiled.imports {
            let r = self
                .resolver
                .resolve(id, &import.value, import.kind)
                .map_err(|f| resolve_error(f, Some(id), &import.value, import.position))?;
            if r.id != import.resolved {
                return Ok(None);
            }
            deps.push(r);
        }
        // The file still goes into this bundle's source map (sources, content).
        let fm = pipeline::add_file(&self.cm, id, source);
        let factory = Factory {
            id: id.to_string(),
            code: compiled.code.clone(),
            mappings: compiled.mappings_for(&fm),
        };
        Ok(Some((factory, deps, compiled.style)))
    }
}

/// 1-based line and column of `pos`.
fn position(cm: &SourceMap, fm: &SourceFile, pos: swc_core::common::BytePos) -> (usize, usize) {
    let pos = pos.clamp(fm.start_pos, fm.end_pos);
    let loc = cm.lookup_char_pos(pos);
    (loc.line, loc.col.0 + 1)
}

/// A JSON file as a module: `module.exports = <the JSON>;`.
fn json_factory(id: &str, source: &str) -> Result<Factory, BundleError> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    if let Err(e) = serde_json::from_str::<serde_json::Value>(source) {
        let issue = SyntaxIssue::at(
            id,
            source,
            e.line(),
            e.column().max(1),
            format!("invalid JSON: {e}"),
        );
        return Err(BundleError::Syntax(TranspileErrors {
            filename: id.to_string(),
            errors: vec![issue],
        }));
    }
    Ok(Factory {
        id: id.to_string(),
        code: format!("module.exports = {};\n", source.trim()),
        mappings: Vec::new(),
    })
}

/// Length-prefixed, so field boundaries cannot be shifted to fake a collision.
fn hash_field(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
