//! Finding and rewriting module specifiers: static imports, re-exports,
//! `import x = require(..)`, literal `import(..)` and literal `require(..)` of the
//! global `require`. Runs after type stripping, so type-only imports (and imports
//! TypeScript elides because only types use them) are already gone.

use swc_core::common::{Mark, Span, SyntaxContext, DUMMY_SP};
use swc_core::ecma::ast::{
    CallExpr, Callee, Expr, ExprOrSpread, Ident, IdentName, ImportDecl, Lit, MemberExpr,
    MemberProp, Module, ModuleDecl, ModuleExportName, NamedExport, Str, TsImportEqualsDecl,
    TsModuleRef,
};
use swc_core::ecma::visit::{VisitMut, VisitMutWith};

use crate::resolve::ImportKind;

/// The function the bundle loader hangs on `require` for `import(<expression>)`:
/// it returns a rejected promise, since only literal specifiers are bundled.
pub(crate) const NON_LITERAL_IMPORT: &str = "__hoody_dynamic_import";

/// The function the loader hangs on `require` for a literal `import()` left in
/// a CommonJS module (swc's CommonJS transform handles the ESM ones).
pub(crate) const CJS_IMPORT: &str = "__hoody_import";

/// In a CommonJS module: `import("id")` → `require.__hoody_import("id")`.
pub(crate) fn lower_dynamic_imports(module: &mut Module, unresolved: Mark) {
    struct Lower(Mark);
    impl VisitMut for Lower {
        fn visit_mut_call_expr(&mut self, n: &mut CallExpr) {
            n.visit_mut_children_with(self);
            if matches!(n.callee, Callee::Import(_)) {
                n.callee = Callee::Expr(Box::new(require_member(self.0, CJS_IMPORT)));
            }
        }
    }
    module.visit_mut_with(&mut Lower(unresolved));
}

/// `require.<prop>` with the global (unresolved) `require`.
fn require_member(unresolved: Mark, prop: &str) -> Expr {
    let require = Ident::new(
        "require".into(),
        DUMMY_SP,
        SyntaxContext::empty().apply_mark(unresolved),
    );
    Expr::Member(MemberExpr {
        span: DUMMY_SP,
        obj: Box::new(Expr::Ident(require)),
        prop: MemberProp::Ident(IdentName::new(prop.into(), DUMMY_SP)),
    })
}

/// One specifier occurrence.
#[derive(Clone, Debug)]
pub(crate) struct Specifier {
    pub value: String,
    /// `require()` or an import: they pick different package.json conditions.
    pub kind: ImportKind,
    /// Span of the string literal (for error positions).
    pub span: Span,
}

/// Specifiers in source order, duplicates included.
pub(crate) fn collect(module: &mut Module, unresolved: Mark) -> Vec<Specifier> {
    let mut found = Vec::new();
    module.visit_mut_with(&mut Walker {
        unresolved,
        on_literal: |s: &mut Str, kind: ImportKind| {
            found.push(Specifier {
                value: s.value.to_atom_lossy().to_string(),
                kind,
                span: s.span,
            })
        },
        replace_non_literal: false,
    });
    found
}

/// Specifier values in source order without duplicates.
pub(crate) fn unique(specifiers: &[Specifier]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    specifiers
        .iter()
        .filter(|s| seen.insert(s.value.as_str()))
        .map(|s| s.value.clone())
        .collect()
}

/// (value, kind) pairs in source order without duplicates.
pub(crate) fn unique_with_kind(specifiers: &[Specifier]) -> Vec<(String, ImportKind)> {
    let mut seen = std::collections::HashSet::new();
    specifiers
        .iter()
        .filter(|s| seen.insert((s.value.as_str(), s.kind)))
        .map(|s| (s.value.clone(), s.kind))
        .collect()
}

/// Replaces every literal specifier with `map(specifier)` and every
/// `import(<non-literal>)` with `require.__hoody_dynamic_import(<expr>)`.
pub(crate) fn rewrite(
    module: &mut Module,
    unresolved: Mark,
    mut map: impl FnMut(&str, ImportKind) -> String,
) {
    module.visit_mut_with(&mut Walker {
        unresolved,
        on_literal: |s: &mut Str, kind: ImportKind| {
            let new = map(&s.value.to_atom_lossy(), kind);
            *s = Str {
                span: s.span,
                value: new.into(),
                raw: None,
            };
        },
        replace_non_literal: true,
    });
}

struct Walker<F> {
    unresolved: Mark,
    on_literal: F,
    replace_non_literal: bool,
}

impl<F: FnMut(&mut Str, ImportKind)> Walker<F> {
    fn is_global_require(&self, callee: &Callee) -> bool {
        match callee {
            Callee::Expr(e) => match &**e {
                Expr::Ident(id) => &*id.sym == "require" && id.ctxt.outer() == self.unresolved,
                _ => false,
            },
            _ => false,
        }
    }
}

/// The string literal of a call's only meaningful argument, if it is one.
fn literal_arg(call: &mut CallExpr) -> Option<&mut Str> {
    match call.args.first_mut() {
        Some(ExprOrSpread { spread: None, expr }) => match &mut **expr {
            Expr::Lit(Lit::Str(s)) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

impl<F: FnMut(&mut Str, ImportKind)> VisitMut for Walker<F> {
    fn visit_mut_import_decl(&mut self, n: &mut ImportDecl) {
        if !n.type_only {
            (self.on_literal)(&mut n.src, ImportKind::Import);
        }
    }

    fn visit_mut_module_decl(&mut self, n: &mut ModuleDecl) {
        match n {
            ModuleDecl::ExportNamed(NamedExport {
                src: Some(src),
                type_only: false,
                ..
            }) => (self.on_literal)(src, ImportKind::Import),
            ModuleDecl::ExportAll(e) if !e.type_only => {
                (self.on_literal)(&mut e.src, ImportKind::Import)
            }
            _ => n.visit_mut_children_with(self),
        }
    }

    fn visit_mut_ts_import_equals_decl(&mut self, n: &mut TsImportEqualsDecl) {
        if let (false, TsModuleRef::TsExternalModuleRef(r)) = (n.is_type_only, &mut n.module_ref) {
            (self.on_literal)(&mut r.expr, ImportKind::Require);
        }
    }

    fn visit_mut_call_expr(&mut self, n: &mut CallExpr) {
        n.visit_mut_children_with(self);
        let dynamic_import = matches!(n.callee, Callee::Import(_));
        if !dynamic_import && !self.is_global_require(&n.callee) {
            return;
        }
        let kind = if dynamic_import {
            ImportKind::Import
        } else {
            ImportKind::Require
        };
        if let Some(s) = literal_arg(n) {
            (self.on_literal)(s, kind);
        } else if dynamic_import && self.replace_non_literal {
            n.callee = Callee::Expr(Box::new(require_member(
                self.unresolved,
                NON_LITERAL_IMPORT,
            )));
        }
    }

    // `export { x as "y" }` holds strings that are names, not specifiers.
    fn visit_mut_module_export_name(&mut self, _: &mut ModuleExportName) {}
}
