//! Merged namespaces: in TypeScript every declaration of a namespace (and of the
//! namespaces around it) sees the others' exports unqualified:
//!
//! ```ts
//! namespace A { export const x = 1; }
//! namespace A { export const y = x + 1; }   // x is A.x
//! ```
//!
//! swc lowers each declaration on its own, so the second `x` stays a free name
//! and throws `ReferenceError` at run time. This pass, run after `resolver` and
//! before the types are stripped, rewrites such free names into `A.x` (or
//! `A.B.x` for the innermost namespace that exports them), as `tsc` does.

use std::collections::{HashMap, HashSet};

use swc_core::atoms::Atom;
use swc_core::common::{Mark, DUMMY_SP};
use swc_core::ecma::ast::{
    Decl, Expr, Ident, IdentName, KeyValueProp, MemberExpr, MemberProp, Module, ModuleDecl,
    ModuleItem, Pat, Prop, PropName, Stmt, TsModuleDecl, TsModuleName, TsNamespaceBody,
};
use swc_core::ecma::visit::{VisitMut, VisitMutWith};

/// A namespace by its qualified path (`["A", "B"]` for `A.B`).
type Path = Vec<Atom>;

pub(crate) fn qualify_merged_exports(module: &mut Module, unresolved: Mark) {
    module.visit_mut_with(&mut Lists { unresolved });
}

/// Finds the statement lists that declare namespaces: the module's, and (for a
/// body-style script, whose statements the bundler moved into a function) the
/// blocks of functions.
struct Lists {
    unresolved: Mark,
}

impl VisitMut for Lists {
    fn visit_mut_module(&mut self, module: &mut Module) {
        let decls: Vec<&mut TsModuleDecl> = module
            .body
            .iter_mut()
            .filter_map(namespace_of_mut)
            .collect();
        qualify(decls, self.unresolved);
        module.visit_mut_children_with(self);
    }

    fn visit_mut_stmts(&mut self, stmts: &mut Vec<Stmt>) {
        let decls: Vec<&mut TsModuleDecl> = stmts
            .iter_mut()
            .filter_map(|s| match s {
                Stmt::Decl(Decl::TsModule(m)) => Some(&mut **m),
                _ => None,
            })
            .collect();
        qualify(decls, self.unresolved);
        stmts.visit_mut_children_with(self);
    }

    // a namespace's own blocks are `qualify`'s (they hold module items, not statements)
    fn visit_mut_ts_module_decl(&mut self, _: &mut TsModuleDecl) {}
}

/// Qualifies the free names in the namespaces declared in one statement list.
fn qualify(mut decls: Vec<&mut TsModuleDecl>, unresolved: Mark) {
    if decls.is_empty() {
        return;
    }
    let mut exports: HashMap<Path, HashSet<Atom>> = HashMap::new();
    let mut roots: HashMap<Atom, Ident> = HashMap::new();
    for m in &decls {
        collect_namespace(m, false, &[], &mut exports, &mut roots);
    }
    let mut rewrite = Rewrite {
        exports: &exports,
        roots: &roots,
        unresolved,
        scopes: Vec::new(),
    };
    for m in &mut decls {
        rewrite.namespace(m);
    }
}

/// The namespace a module item declares (exported or not), if it is one.
fn namespace_of(item: &ModuleItem) -> Option<(&TsModuleDecl, bool)> {
    match item {
        ModuleItem::Stmt(Stmt::Decl(Decl::TsModule(m))) => Some((m, false)),
        ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(e)) => match &e.decl {
            Decl::TsModule(m) => Some((m, true)),
            _ => None,
        },
        _ => None,
    }
}

fn namespace_of_mut(item: &mut ModuleItem) -> Option<&mut TsModuleDecl> {
    match item {
        ModuleItem::Stmt(Stmt::Decl(Decl::TsModule(m))) => Some(m),
        ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(e)) => match &mut e.decl {
            Decl::TsModule(m) => Some(m),
            _ => None,
        },
        _ => None,
    }
}

fn value_namespace(m: &TsModuleDecl) -> Option<&Ident> {
    match &m.id {
        TsModuleName::Ident(id) if !m.declare && !m.global => Some(id),
        _ => None,
    }
}

fn collect(
    items: &[ModuleItem],
    path: &[Atom],
    exports: &mut HashMap<Path, HashSet<Atom>>,
    roots: &mut HashMap<Atom, Ident>,
) {
    for item in items {
        if let Some((m, exported)) = namespace_of(item) {
            collect_namespace(m, exported, path, exports, roots);
        } else if let ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(e)) = item {
            declared_names(&e.decl, exports.entry(path.to_vec()).or_default());
        }
    }
}

fn collect_namespace(
    m: &TsModuleDecl,
    exported: bool,
    path: &[Atom],
    exports: &mut HashMap<Path, HashSet<Atom>>,
    roots: &mut HashMap<Atom, Ident>,
) {
    let Some(id) = value_namespace(m) else {
        return;
    };
    if path.is_empty() {
        roots.entry(id.sym.clone()).or_insert_with(|| id.clone());
    } else if exported {
        exports
            .entry(path.to_vec())
            .or_default()
            .insert(id.sym.clone());
    }
    let mut inner = path.to_vec();
    inner.push(id.sym.clone());
    let mut body = m.body.as_ref();
    // `namespace A.B { }`: B is an export of A, the block is B's
    while let Some(TsNamespaceBody::TsNamespaceDecl(nested)) = body {
        exports
            .entry(inner.clone())
            .or_default()
            .insert(nested.id.sym.clone());
        inner.push(nested.id.sym.clone());
        body = Some(&nested.body);
    }
    if let Some(TsNamespaceBody::TsModuleBlock(block)) = body {
        exports.entry(inner.clone()).or_default();
        collect(&block.body, &inner, exports, roots);
    }
}

/// Value names a declaration introduces (types have none).
fn declared_names(decl: &Decl, out: &mut HashSet<Atom>) {
    match decl {
        Decl::Var(v) if !v.declare => {
            for d in &v.decls {
                if let Pat::Ident(b) = &d.name {
                    out.insert(b.id.sym.clone());
                }
            }
        }
        Decl::Fn(f) if !f.declare => {
            out.insert(f.ident.sym.clone());
        }
        Decl::Class(c) if !c.declare => {
            out.insert(c.ident.sym.clone());
        }
        Decl::TsEnum(e) if !e.declare => {
            out.insert(e.id.sym.clone());
        }
        _ => {}
    }
}

struct Rewrite<'a> {
    exports: &'a HashMap<Path, HashSet<Atom>>,
    roots: &'a HashMap<Atom, Ident>,
    unresolved: Mark,
    /// The namespaces around the code being visited, innermost last.
    scopes: Vec<Path>,
}

impl Rewrite<'_> {
    fn items(&mut self, items: &mut [ModuleItem]) {
        for item in items {
            match namespace_of_mut(item) {
                Some(m) => self.namespace(m),
                None => item.visit_mut_with(self),
            }
        }
    }

    fn namespace(&mut self, m: &mut TsModuleDecl) {
        let Some(id) = value_namespace(m).map(|id| id.sym.clone()) else {
            return;
        };
        let mut path = self.scopes.last().cloned().unwrap_or_default();
        path.push(id);
        let depth = self.scopes.len();
        self.scopes.push(path.clone());
        let mut body = m.body.as_mut();
        while let Some(TsNamespaceBody::TsNamespaceDecl(nested)) = body {
            path.push(nested.id.sym.clone());
            self.scopes.push(path.clone());
            body = Some(&mut nested.body);
        }
        if let Some(TsNamespaceBody::TsModuleBlock(block)) = body {
            self.items(&mut block.body);
        }
        self.scopes.truncate(depth);
    }

    /// `A.B.name` for the innermost surrounding namespace that exports `name`.
    fn qualified(&self, name: &Atom) -> Option<Expr> {
        let path = self
            .scopes
            .iter()
            .rev()
            .find(|p| self.exports.get(*p).is_some_and(|e| e.contains(name)))?;
        let root = self.roots.get(&path[0])?;
        let mut expr = Expr::Ident(root.clone());
        for part in path[1..].iter().chain(std::iter::once(name)) {
            expr = Expr::Member(MemberExpr {
                span: DUMMY_SP,
                obj: Box::new(expr),
                prop: MemberProp::Ident(IdentName::new(part.clone(), DUMMY_SP)),
            });
        }
        Some(expr)
    }

    fn is_free(&self, id: &Ident) -> bool {
        id.ctxt.outer() == self.unresolved
    }
}

impl VisitMut for Rewrite<'_> {
    fn visit_mut_expr(&mut self, expr: &mut Expr) {
        if let Expr::Ident(id) = expr {
            if self.is_free(id) {
                if let Some(q) = self.qualified(&id.sym) {
                    let span = id.span;
                    *expr = q;
                    if let Expr::Member(m) = expr {
                        m.span = span;
                    }
                }
            }
            return;
        }
        expr.visit_mut_children_with(self);
    }

    fn visit_mut_prop(&mut self, prop: &mut Prop) {
        if let Prop::Shorthand(id) = prop {
            if self.is_free(id) {
                if let Some(value) = self.qualified(&id.sym) {
                    *prop = Prop::KeyValue(KeyValueProp {
                        key: PropName::Ident(IdentName::new(id.sym.clone(), id.span)),
                        value: Box::new(value),
                    });
                }
            }
            return;
        }
        prop.visit_mut_children_with(self);
    }

    // nested namespaces are visited by `namespace`, with their own scope
    fn visit_mut_ts_module_decl(&mut self, m: &mut TsModuleDecl) {
        self.namespace(m);
    }
}
