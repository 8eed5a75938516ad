//! `process.env.NODE_ENV` is `"production"` at bundle time. Packages branch on
//! it to pick a build (`if (process.env.NODE_ENV === "production")
//! module.exports = require("./x.production.js") else …`): the replaced
//! comparison is folded and the dead branch dropped *before* imports are
//! collected, so only the production file is bundled. The loader also defines
//! a minimal `process` object (`env.NODE_ENV` included) for the other uses.

use swc_core::common::{Mark, DUMMY_SP};
use swc_core::ecma::ast::{ArrowExpr, FnDecl};
use swc_core::ecma::ast::{
    BinaryOp, Bool, Class, EmptyStmt, Expr, Function, Lit, MemberExpr, MemberProp, Module, Stmt,
    Str, UnaryOp, VarDecl, VarDeclKind,
};
use swc_core::ecma::visit::{Visit, VisitMut, VisitMutWith, VisitWith};

pub(crate) const NODE_ENV: &str = "production";

/// Replaces `process.env.NODE_ENV` (the global `process`) with `"production"`
/// and folds what that makes constant.
pub(crate) fn node_env(module: &mut Module, unresolved: Mark) {
    module.visit_mut_with(&mut Define { unresolved });
}

struct Define {
    unresolved: Mark,
}

impl Define {
    fn is_node_env(&self, e: &Expr) -> bool {
        let Expr::Member(MemberExpr { obj, prop, .. }) = e else {
            return false;
        };
        if !is_prop(prop, "NODE_ENV") {
            return false;
        }
        let Expr::Member(MemberExpr { obj, prop, .. }) = &**obj else {
            return false;
        };
        if !is_prop(prop, "env") {
            return false;
        }
        matches!(&**obj, Expr::Ident(id) if &*id.sym == "process" && id.ctxt.outer() == self.unresolved)
    }
}

fn is_prop(prop: &MemberProp, name: &str) -> bool {
    match prop {
        MemberProp::Ident(i) => &*i.sym == name,
        MemberProp::Computed(c) => {
            matches!(&*c.expr, Expr::Lit(Lit::Str(s)) if s.value.as_str() == Some(name))
        }
        _ => false,
    }
}

fn bool_of(e: &Expr) -> Option<bool> {
    match e {
        Expr::Lit(Lit::Bool(b)) => Some(b.value),
        Expr::Paren(p) => bool_of(&p.expr),
        _ => None,
    }
}

fn str_of(e: &Expr) -> Option<&Str> {
    match e {
        Expr::Lit(Lit::Str(s)) => Some(s),
        Expr::Paren(p) => str_of(&p.expr),
        _ => None,
    }
}

fn boolean(value: bool) -> Expr {
    Expr::Lit(Lit::Bool(Bool {
        span: DUMMY_SP,
        value,
    }))
}

/// Folds comparisons of two string literals, `!` of a boolean, `&&`/`||` and
/// `?:` with a boolean on the left/test. Each is exact JavaScript semantics.
fn fold(e: &mut Expr) {
    let replacement = match e {
        Expr::Bin(b) => match (str_of(&b.left), str_of(&b.right)) {
            (Some(l), Some(r)) => {
                let same = l.value == r.value;
                match b.op {
                    BinaryOp::EqEqEq | BinaryOp::EqEq => Some(boolean(same)),
                    BinaryOp::NotEqEq | BinaryOp::NotEq => Some(boolean(!same)),
                    _ => None,
                }
            }
            _ => match (b.op, bool_of(&b.left)) {
                (BinaryOp::LogicalAnd, Some(true)) | (BinaryOp::LogicalOr, Some(false)) => {
                    Some(*b.right.clone())
                }
                (BinaryOp::LogicalAnd, Some(false)) | (BinaryOp::LogicalOr, Some(true)) => {
                    Some(*b.left.clone())
                }
                _ => None,
            },
        },
        Expr::Unary(u) if u.op == UnaryOp::Bang => bool_of(&u.arg).map(|v| boolean(!v)),
        Expr::Cond(c) => bool_of(&c.test).map(|v| if v { *c.cons.clone() } else { *c.alt.clone() }),
        _ => None,
    };
    if let Some(r) = replacement {
        *e = r;
    }
}

/// Does dropping `stmt` change scoping? (`var` and function declarations
/// are hoisted out of blocks.)
fn declares_hoisted(stmt: &Stmt) -> bool {
    struct Find(bool);
    impl Visit for Find {
        fn visit_var_decl(&mut self, v: &VarDecl) {
            if v.kind == VarDeclKind::Var {
                self.0 = true;
            }
        }
        fn visit_fn_decl(&mut self, _: &FnDecl) {
            self.0 = true;
        }
        // Declarations inside nested functions stay there.
        fn visit_function(&mut self, _: &Function) {}
        fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
        fn visit_class(&mut self, _: &Class) {}
    }
    let mut f = Find(false);
    stmt.visit_with(&mut f);
    f.0
}

impl VisitMut for Define {
    fn visit_mut_expr(&mut self, e: &mut Expr) {
        if self.is_node_env(e) {
            *e = Expr::Lit(Lit::Str(Str::from(NODE_ENV)));
            return;
        }
        e.visit_mut_children_with(self);
        fold(e);
    }

    fn visit_mut_stmt(&mut self, s: &mut Stmt) {
        s.visit_mut_children_with(self);
        let Stmt::If(i) = s else { return };
        let Some(test) = bool_of(&i.test) else { return };
        let (keep, drop) = if test {
            (Some(*i.cons.clone()), i.alt.as_deref().cloned())
        } else {
            (i.alt.as_deref().cloned(), Some(*i.cons.clone()))
        };
        if drop.as_ref().is_some_and(declares_hoisted) {
            return;
        }
        *s = keep.unwrap_or(Stmt::Empty(EmptyStmt { span: DUMMY_SP }));
    }
}
