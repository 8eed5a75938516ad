//! The swc stages shared by `transpile` and the bundler: parse, strip types,
//! finish (helpers, hygiene, fixer) and emit with source-map mappings.
//!
//! Every function here must run inside `GLOBALS.set` (marks and syntax contexts
//! live there); callers own one `SourceMap` per call, so nothing is shared
//! between threads.

use swc_core::common::comments::SingleThreadedComments;
use swc_core::common::source_map::SourceMapGenConfig;
use swc_core::common::sync::Lrc;
use swc_core::common::{BytePos, FileName, LineCol, Mark, SourceFile, SourceMap, Spanned};
use swc_core::ecma::ast::{EsVersion, Module, ModuleItem, Pass, Program};
use swc_core::ecma::codegen::text_writer::JsWriter;
use swc_core::ecma::codegen::{Config as CodegenConfig, Emitter};
use swc_core::ecma::parser::error::SyntaxError;
use swc_core::ecma::parser::{EsSyntax, Parser, StringInput, Syntax, TsSyntax};
use swc_core::ecma::transforms::base::fixer::fixer;
use swc_core::ecma::transforms::base::helpers::inject_helpers;
use swc_core::ecma::transforms::base::hygiene::hygiene;
use swc_core::ecma::transforms::base::resolver;
use swc_core::ecma::transforms::proposal::{decorator_2023_11, decorators};
use swc_core::ecma::transforms::react;
use swc_core::ecma::transforms::typescript;
use swc_core::ecma::visit::{Visit, VisitWith};

use crate::errors::{SyntaxIssue, TranspileErrors};
use crate::namespaces;

/// The marks `resolver` used for one module.
#[derive(Clone, Copy)]
pub(crate) struct Marks {
    pub unresolved: Mark,
    pub top_level: Mark,
}

impl Marks {
    pub fn new() -> Self {
        Marks {
            unresolved: Mark::new(),
            top_level: Mark::new(),
        }
    }
}

/// What dialect a file name implies.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Dialect {
    Ts,
    Tsx,
    Js,
    Jsx,
}

impl Dialect {
    pub fn of(filename: &str) -> Self {
        let ext = filename.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        match ext {
            "tsx" => Dialect::Tsx,
            "jsx" => Dialect::Jsx,
            "js" | "mjs" | "cjs" => Dialect::Js,
            _ => Dialect::Ts,
        }
    }

    fn jsx(self) -> bool {
        matches!(self, Dialect::Tsx | Dialect::Jsx)
    }

    fn syntax(self) -> Syntax {
        match self {
            Dialect::Ts | Dialect::Tsx => Syntax::Typescript(TsSyntax {
                tsx: self.jsx(),
                decorators: true,
                ..Default::default()
            }),
            Dialect::Js | Dialect::Jsx => Syntax::Es(EsSyntax {
                jsx: self.jsx(),
                decorators: true,
                decorators_before_export: true,
                explicit_resource_management: true,
                import_attributes: true,
                ..Default::default()
            }),
        }
    }
}

/// Registers `source` as a file of `cm` named `name` (the name appears in the
/// source map's `sources`).
pub(crate) fn add_file(cm: &Lrc<SourceMap>, name: &str, source: &str) -> Lrc<SourceFile> {
    cm.new_source_file(
        Lrc::new(FileName::Custom(name.to_string())),
        source.to_string(),
    )
}

/// Parses `fm` as an ES module (so top-level `await` parses). Every error the
/// parser recovered from is reported, not only the fatal one. With
/// `allow_top_level_return`, the recovered `ReturnNotAllowed` errors are dropped:
/// body-style scripts move their statements into a function afterwards.
pub(crate) fn parse(
    cm: &Lrc<SourceMap>,
    fm: &SourceFile,
    comments: &SingleThreadedComments,
    dialect: Dialect,
    allow_top_level_return: bool,
) -> Result<Module, TranspileErrors> {
    let mut parser = Parser::new(dialect.syntax(), StringInput::from(fm), Some(comments));
    let result = parser.parse_module();
    let mut errors = parser.take_errors();
    let module = match result {
        Ok(module) => Some(module),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    if allow_top_level_return {
        errors.retain(|e| !matches!(e.kind(), SyntaxError::ReturnNotAllowed));
    }
    if errors.is_empty() {
        if let Some(module) = module {
            return Ok(module);
        }
    }
    let mut found: Vec<(BytePos, String)> = errors
        .iter()
        .map(|e| (e.span().lo, e.kind().msg().to_string()))
        .collect();
    found.sort_by_key(|(pos, _)| *pos);
    found.dedup();
    let name = fm.name.to_string();
    Err(TranspileErrors {
        filename: name.clone(),
        errors: found
            .into_iter()
            .map(|(pos, message)| issue_at(cm, fm, &name, pos, message))
            .collect(),
    })
}

/// Parses a JavaScript file that may be CommonJS: `Ok((module, true))` when it
/// has no `import`/`export` (a script; a top-level `return` is fine, as in a
/// CommonJS function body), `Ok((module, false))` for ESM. `.cjs` files
/// (`force_cjs`) are always scripts. A script's statements come back as a
/// `Module` without module declarations, so later stages take one type.
pub(crate) fn parse_js(
    cm: &Lrc<SourceMap>,
    fm: &SourceFile,
    comments: &SingleThreadedComments,
    force_cjs: bool,
) -> Result<(Module, bool), TranspileErrors> {
    let syntax = Dialect::Js.syntax();
    let mut module_errors = None;
    if !force_cjs {
        let mut parser = Parser::new(syntax, StringInput::from(fm), Some(comments));
        let result = parser.parse_program();
        let mut errors = parser.take_errors();
        match result {
            Ok(Program::Module(m)) if errors.is_empty() => return Ok((m, false)),
            Ok(Program::Script(s)) if errors.is_empty() => return Ok((script_module(s), true)),
            Ok(Program::Module(_)) => module_errors = Some(errors),
            Ok(Program::Script(_)) => {}
            Err(e) => {
                errors.push(e);
                module_errors = Some(errors);
            }
        }
    }
    // NOTE: comments were collected by the first attempt (same positions).
    let mut parser = Parser::new(syntax, StringInput::from(fm), None);
    let result = parser.parse_commonjs();
    let mut errors = parser.take_errors();
    match result {
        Ok(s) if errors.is_empty() => Ok((script_module(s), true)),
        other => {
            if let Err(e) = other {
                errors.push(e);
            }
            // An ESM file with an error reports its module-grammar errors.
            let errors = match module_errors {
                Some(m) if !m.is_empty() && !force_cjs && has_module_syntax(&fm.src) => m,
                _ => errors,
            };
            Err(issues(cm, fm, errors))
        }
    }
}

/// A cheap guess used only to pick which parse errors to report.
fn has_module_syntax(src: &str) -> bool {
    src.lines().any(|l| {
        let l = l.trim_start();
        l.starts_with("import ") || l.starts_with("export ") || l.starts_with("import{")
    })
}

fn script_module(s: swc_core::ecma::ast::Script) -> Module {
    Module {
        span: s.span,
        body: s.body.into_iter().map(ModuleItem::Stmt).collect(),
        shebang: s.shebang,
    }
}

fn issues(
    cm: &Lrc<SourceMap>,
    fm: &SourceFile,
    errors: Vec<swc_core::ecma::parser::error::Error>,
) -> TranspileErrors {
    let mut found: Vec<(BytePos, String)> = errors
        .iter()
        .map(|e| (e.span().lo, e.kind().msg().to_string()))
        .collect();
    found.sort_by_key(|(pos, _)| *pos);
    found.dedup();
    let name = fm.name.to_string();
    TranspileErrors {
        filename: name.clone(),
        errors: found
            .into_iter()
            .map(|(pos, message)| issue_at(cm, fm, &name, pos, message))
            .collect(),
    }
}

/// Scope resolution for a CommonJS script (no types to strip). It runs on a
/// `Script` so sloppy-mode scoping applies (a function declared in a block is
/// visible outside it).
pub(crate) fn resolve_script(module: Module, marks: Marks) -> Module {
    let mut program = as_script(module);
    resolver(marks.unresolved, marks.top_level, false).process(&mut program);
    from_script(program)
}

/// [`finish`] for a CommonJS script (sloppy-mode scoping for hygiene).
pub(crate) fn finish_script(
    module: Module,
    comments: &SingleThreadedComments,
    marks: Marks,
) -> Module {
    let mut program = as_script(module);
    (
        inject_helpers(marks.unresolved),
        hygiene(),
        fixer(Some(comments)),
    )
        .process(&mut program);
    from_script(program)
}

fn as_script(module: Module) -> Program {
    Program::Script(swc_core::ecma::ast::Script {
        span: module.span,
        body: module
            .body
            .into_iter()
            .filter_map(|item| item.stmt())
            .collect(),
        shebang: module.shebang,
    })
}

fn from_script(program: Program) -> Module {
    match program {
        Program::Script(s) => script_module(s),
        Program::Module(m) => m,
    }
}

/// A `SyntaxIssue` at byte position `pos` of `fm`.
pub(crate) fn issue_at(
    cm: &SourceMap,
    fm: &SourceFile,
    name: &str,
    pos: BytePos,
    message: String,
) -> SyntaxIssue {
    let pos = pos.clamp(fm.start_pos, fm.end_pos);
    let loc = cm.lookup_char_pos(pos);
    SyntaxIssue::at(name, &fm.src, loc.line, loc.col.0 + 1, message)
}

/// Resolves scopes and removes everything TypeScript adds to JavaScript:
/// types, enums and namespaces (lowered), parameter properties, decorators
/// (TC39, or legacy for files with parameter decorators), and JSX (to `React.createElement`) for .tsx/.jsx files.
pub(crate) fn strip_types(
    module: Module,
    cm: &Lrc<SourceMap>,
    comments: &SingleThreadedComments,
    dialect: Dialect,
    marks: Marks,
) -> Module {
    let mut program = Program::Module(module);
    let ts_config = typescript::Config {
        // V8 14 has class fields: keep them native (TS's ES2022 default).
        native_class_properties: true,
        ..Default::default()
    };
    resolver(marks.unresolved, marks.top_level, true).process(&mut program);
    if let Program::Module(module) = &mut program {
        namespaces::qualify_merged_exports(module, marks.unresolved);
    }
    // NOTE: the decorators pass walks the whole tree; skip it when the parser saw none.
    match find_decorators(&program) {
        Decorators::None => {}
        // TypeScript 5's default (no `experimentalDecorators`), as in Deno: TC39
        // decorators with `context.addInitializer` and `context.metadata`.
        Decorators::Standard => decorator_2023_11::decorator_2023_11().process(&mut program),
        // Parameter decorators exist only in the legacy (experimentalDecorators)
        // form, so a file that has one is written for it.
        Decorators::Legacy => decorators::decorators(decorators::Config {
            legacy: true,
            emit_metadata: false,
            use_define_for_class_fields: true,
        })
        .process(&mut program),
    }
    if dialect.jsx() {
        typescript::tsx(
            cm.clone(),
            ts_config,
            Default::default(),
            comments.clone(),
            marks.unresolved,
            marks.top_level,
        )
        .process(&mut program);
        typescript::typescript(ts_config, marks.unresolved, marks.top_level).process(&mut program);
        react::react(
            cm.clone(),
            Some(comments.clone()),
            Default::default(),
            marks.top_level,
            marks.unresolved,
        )
        .process(&mut program);
    } else {
        typescript::typescript(ts_config, marks.unresolved, marks.top_level).process(&mut program);
    }
    program.expect_module()
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Decorators {
    None,
    Standard,
    Legacy,
}

fn find_decorators(program: &Program) -> Decorators {
    struct Find(Decorators);
    impl Visit for Find {
        fn visit_decorator(&mut self, _: &swc_core::ecma::ast::Decorator) {
            self.0 = self.0.max(Decorators::Standard);
        }
        fn visit_param(&mut self, param: &swc_core::ecma::ast::Param) {
            if !param.decorators.is_empty() {
                self.0 = Decorators::Legacy;
            }
            param.visit_children_with(self);
        }
        fn visit_ts_param_prop(&mut self, param: &swc_core::ecma::ast::TsParamProp) {
            if !param.decorators.is_empty() {
                self.0 = Decorators::Legacy;
            }
            param.visit_children_with(self);
        }
    }
    let mut find = Find(Decorators::None);
    program.visit_with(&mut find);
    find.0
}

/// Inlines the helpers earlier passes asked for, renames clashing identifiers
/// and adds the parentheses the AST changes need.
pub(crate) fn finish(module: Module, comments: &SingleThreadedComments, marks: Marks) -> Module {
    let mut program = Program::Module(module);
    (
        inject_helpers(marks.unresolved),
        hygiene(),
        fixer(Some(comments)),
    )
        .process(&mut program);
    program.expect_module()
}

/// Code plus the mappings (generated line/column, 0-based → original byte
/// position) the source map is built from.
pub(crate) struct Emitted {
    pub code: String,
    pub mappings: Vec<(BytePos, LineCol)>,
}

pub(crate) fn emit(
    cm: &Lrc<SourceMap>,
    comments: &SingleThreadedComments,
    module: &Module,
) -> Emitted {
    let mut buf = Vec::new();
    let mut mappings = Vec::new();
    {
        let wr = JsWriter::new(cm.clone(), "\n", &mut buf, Some(&mut mappings));
        let mut emitter = Emitter {
            cfg: CodegenConfig::default().with_target(EsVersion::EsNext),
            cm: cm.clone(),
            comments: Some(comments),
            wr,
        };
        emitter
            .emit_module(module)
            .expect("writing to a Vec cannot fail");
    }
    Emitted {
        code: String::from_utf8(buf).expect("codegen emits UTF-8"),
        mappings,
    }
}

/// Source-map settings: `sources` are the names files were registered with,
/// and every source's content is embedded.
pub(crate) struct MapConfig;

impl SourceMapGenConfig for MapConfig {
    fn file_name_to_source(&self, f: &FileName) -> String {
        match f {
            FileName::Custom(name) => name.clone(),
            other => other.to_string(),
        }
    }

    fn inline_sources_content(&self, _f: &FileName) -> bool {
        true
    }
}

/// Builds source-map JSON from mappings whose positions all belong to `cm`.
pub(crate) fn source_map_json(cm: &Lrc<SourceMap>, mappings: &[(BytePos, LineCol)]) -> String {
    let map = cm.build_source_map(mappings, None, MapConfig);
    let mut out = Vec::new();
    map.to_writer(&mut out)
        .expect("writing a source map to a Vec cannot fail");
    String::from_utf8(out).expect("source maps are UTF-8")
}
