//! Entry styles. A file with `export default` is module-style; any other file
//! is a body-style script whose statements become the body of
//! `exports.default = async function (__hoody_ctx) { var <injected>…; { … } }`.
//!
//! The rewrite happens right after parsing, before `resolver`, so scopes are
//! computed on the final shape: the injected `var`s belong to the function, and
//! the user's statements sit in an inner block where `let`/`const` may shadow
//! them. Statements keep their original spans, so source maps need no offsets.
//!
//! Only the injected names the statements mention are declared: reading one (say
//! `request`) builds it, and with the lazy Web runtime that evaluates the Web API
//! families behind it, which a script that never uses it should not pay for.

use swc_core::common::{SourceFile, SourceMap, Spanned, SyntaxContext, DUMMY_SP};
use swc_core::ecma::ast::{
    AssignExpr, AssignOp, BlockStmt, Decl, Expr, ExprStmt, FnExpr, Function, FunctionBody, Ident,
    IdentName, Lit, MemberExpr, MemberProp, Module, ModuleDecl, ModuleExportName, ModuleItem,
    Param, Pat, Stmt, Str, VarDecl, VarDeclKind, VarDeclarator,
};
use swc_core::ecma::ast::{DefaultDecl, ExportSpecifier, WithStmt};
use swc_core::ecma::visit::{Visit, VisitWith};

use crate::errors::TranspileErrors;
use crate::pipeline::issue_at;

/// Name of the body function's parameter.
const CTX: &str = "__hoody_ctx";

/// Does the module export a default *value*? (`export default interface` does not count.)
pub(crate) fn has_default_export(module: &Module) -> bool {
    module.body.iter().any(|item| match item {
        ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultExpr(_)) => true,
        ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultDecl(d)) => {
            !matches!(d.decl, DefaultDecl::TsInterfaceDecl(_))
        }
        ModuleItem::ModuleDecl(ModuleDecl::ExportNamed(n)) if !n.type_only => {
            n.specifiers.iter().any(|s| match s {
                ExportSpecifier::Named(s) if !s.is_type_only => {
                    let exported = s.exported.as_ref().unwrap_or(&s.orig);
                    export_name(exported) == "default"
                }
                ExportSpecifier::Default(_) => true,
                _ => false,
            })
        }
        _ => false,
    })
}

fn export_name(n: &ModuleExportName) -> String {
    match n {
        ModuleExportName::Ident(i) => i.sym.to_string(),
        ModuleExportName::Str(s) => s.value.to_atom_lossy().to_string(),
    }
}

/// Declarations that exist only for the type checker.
fn is_type_only(decl: &Decl) -> bool {
    match decl {
        Decl::TsInterface(_) | Decl::TsTypeAlias(_) => true,
        Decl::Var(v) => v.declare,
        Decl::Fn(f) => f.declare,
        Decl::Class(c) => c.declare,
        Decl::TsEnum(e) => e.declare,
        Decl::TsModule(m) => m.declare,
        Decl::Using(_) => false,
    }
}

/// Rewrites a body-style module in place (see the module docs). Named value
/// exports are an error: a script without `export default` has no exports.
pub(crate) fn wrap_body(
    module: &mut Module,
    injected: &[String],
    cm: &SourceMap,
    fm: &SourceFile,
    name: &str,
) -> Result<(), TranspileErrors> {
    let mut top = Vec::new();
    let mut body = Vec::new();
    let mut errors = Vec::new();
    for item in std::mem::take(&mut module.body) {
        match item {
            ModuleItem::Stmt(s) => body.push(s),
            ModuleItem::ModuleDecl(decl) => match decl {
                ModuleDecl::Import(_) => top.push(ModuleItem::ModuleDecl(decl)),
                ModuleDecl::TsImportEquals(ref i) if !i.is_export => {
                    top.push(ModuleItem::ModuleDecl(decl))
                }
                // Type-only exports vanish anyway; keep the declarations for the checker's sake.
                ModuleDecl::ExportDecl(e) if is_type_only(&e.decl) => body.push(Stmt::Decl(e.decl)),
                ModuleDecl::ExportNamed(ref n)
                    if n.type_only
                        || n.specifiers
                            .iter()
                            .all(|s| matches!(s, ExportSpecifier::Named(s) if s.is_type_only)) => {}
                ModuleDecl::ExportAll(ref a) if a.type_only => {}
                other => errors.push(issue_at(
                    cm,
                    fm,
                    name,
                    other.span().lo,
                    "named exports need an `export default` (module-style script); \
                     a script without one runs as the body of a function and exports nothing"
                        .into(),
                )),
            },
        }
    }
    if !errors.is_empty() {
        return Err(TranspileErrors {
            filename: name.to_string(),
            errors,
        });
    }

    let mut stmts = Vec::new();
    let used = mentioned(&body, injected);
    if !used.is_empty() {
        let decls = used
            .iter()
            .map(|n| VarDeclarator {
                span: DUMMY_SP,
                name: Pat::Ident(ident(n).into()),
                init: Some(Box::new(member(Expr::Ident(ident(CTX)), n))),
                definite: false,
            })
            .collect();
        stmts.push(Stmt::Decl(Decl::Var(Box::new(VarDecl {
            span: DUMMY_SP,
            ctxt: SyntaxContext::empty(),
            kind: VarDeclKind::Var,
            declare: false,
            decls,
        }))));
    }
    super::throws::record_return_sites(&mut body);
    stmts.push(Stmt::Block(BlockStmt {
        span: DUMMY_SP,
        ctxt: SyntaxContext::empty(),
        stmts: body,
    }));
    let function = Function {
        params: vec![Param {
            span: DUMMY_SP,
            decorators: vec![],
            pat: Pat::Ident(ident(CTX).into()),
        }],
        body: Some(FunctionBody {
            span: DUMMY_SP,
            stmts,
        }),
        is_async: true,
        ..Default::default()
    };
    top.push(set_export(
        "__hoody_style",
        Expr::Lit(Lit::Str(Str::from("body"))),
    ));
    top.push(set_export(
        "default",
        Expr::Fn(FnExpr {
            ident: None,
            function: Box::new(function),
        }),
    ));
    module.body = top;
    Ok(())
}

/// The injected names `body` mentions (as identifiers, in any scope: a local of the
/// same name only costs an unused read), all of them if it calls `eval` or uses
/// `with`, which can reach any name.
fn mentioned<'a>(body: &[Stmt], injected: &'a [String]) -> Vec<&'a String> {
    struct Names<'n> {
        injected: &'n [String],
        found: Vec<bool>,
        dynamic: bool,
    }
    impl Visit for Names<'_> {
        fn visit_ident(&mut self, i: &Ident) {
            if i.sym == "eval" {
                self.dynamic = true;
            }
            if let Some(k) = self.injected.iter().position(|n| i.sym == n.as_str()) {
                self.found[k] = true;
            }
        }
        fn visit_with_stmt(&mut self, w: &WithStmt) {
            self.dynamic = true;
            w.visit_children_with(self);
        }
    }
    let mut names = Names {
        injected,
        found: vec![false; injected.len()],
        dynamic: false,
    };
    for stmt in body {
        stmt.visit_with(&mut names);
    }
    injected
        .iter()
        .zip(&names.found)
        .filter(|(_, &found)| found || names.dynamic)
        .map(|(n, _)| n)
        .collect()
}

/// Prepends `exports.__hoody_style = "module"` (first, so it is visible even
/// while a cycle is still loading the entry).
pub(crate) fn mark_module_style(module: &mut Module) {
    module.body.insert(
        0,
        set_export("__hoody_style", Expr::Lit(Lit::Str(Str::from("module")))),
    );
}

fn ident(name: &str) -> Ident {
    Ident::new(name.into(), DUMMY_SP, SyntaxContext::empty())
}

fn member(obj: Expr, prop: &str) -> Expr {
    Expr::Member(MemberExpr {
        span: DUMMY_SP,
        obj: Box::new(obj),
        prop: MemberProp::Ident(IdentName::new(prop.into(), DUMMY_SP)),
    })
}

/// `exports.<name> = <value>;`
fn set_export(name: &str, value: Expr) -> ModuleItem {
    let Expr::Member(target) = member(Expr::Ident(ident("exports")), name) else {
        unreachable!()
    };
    ModuleItem::Stmt(Stmt::Expr(ExprStmt {
        span: DUMMY_SP,
        expr: Box::new(Expr::Assign(AssignExpr {
            span: DUMMY_SP,
            op: AssignOp::Assign,
            left: target.into(),
            right: Box::new(value),
        })),
    }))
}
