//! `throw value` in the user's own modules becomes
//! `throw (globalThis.__hoody_thrown || (v => v))(value)`: the same value is
//! thrown, but the glue (`runtime/js/dispatch.js`) first records where, because
//! JavaScript keeps no position for a thrown value that is not an Error
//! (`throw 42`), and a report without a line helps nobody.
//!
//! `throw new X(…)` is left alone (an Error carries its own stack).
//!
//! NOTE: packages are left as they are: their throws are theirs to explain, and
//! their bundles stay byte-identical to what they ship.

use swc_core::common::{Mark, Span, Spanned, SyntaxContext, DUMMY_SP};
use swc_core::ecma::ast::{
    ArrowExpr, ArrowFunctionBody, BinExpr, BinaryOp, BindingIdent, CallExpr, Callee, Class, Expr,
    ExprOrSpread, Function, Ident, IdentName, MemberExpr, MemberProp, Module, ParenExpr, Pat,
    ReturnStmt, Stmt, ThrowStmt,
};
use swc_core::ecma::visit::{VisitMut, VisitMutWith};

pub(crate) const RECORDER: &str = "__hoody_thrown";

pub(crate) fn record_throw_sites(module: &mut Module, unresolved: Mark) {
    module.visit_mut_with(&mut Throws { unresolved });
}

struct Throws {
    unresolved: Mark,
}

impl VisitMut for Throws {
    fn visit_mut_throw_stmt(&mut self, node: &mut ThrowStmt) {
        node.visit_mut_children_with(self);
        // NOTE: `throw new X(…)` is an Error in all but name: it has its own stack.
        if matches!(&*node.arg, Expr::New(_)) {
            return;
        }
        let span = node.arg.span();
        let arg = std::mem::replace(&mut node.arg, Box::new(Expr::Invalid(Default::default())));
        let global = SyntaxContext::empty().apply_mark(self.unresolved);
        *node.arg = recorded(RECORDER, arg, span, global);
    }
}

/// `(globalThis.<recorder> || (v => v))(arg)`, spanned as `arg` was; `global` is
/// the syntax context of the unresolved `globalThis`.
pub(crate) fn recorded(recorder: &str, arg: Box<Expr>, span: Span, global: SyntaxContext) -> Expr {
    let global = Expr::Ident(Ident::new("globalThis".into(), DUMMY_SP, global));
    let recorder = Expr::Member(MemberExpr {
        span: DUMMY_SP,
        obj: Box::new(global),
        prop: MemberProp::Ident(IdentName::new(recorder.into(), DUMMY_SP)),
    });
    let param = Ident::new("v".into(), DUMMY_SP, SyntaxContext::empty());
    let identity = Expr::Arrow(ArrowExpr {
        params: vec![Pat::Ident(BindingIdent::from(param.clone()))],
        body: Box::new(ArrowFunctionBody::Expr(Box::new(Expr::Ident(param)))),
        ..Default::default()
    });
    let callee = Expr::Paren(ParenExpr {
        span: DUMMY_SP,
        expr: Box::new(Expr::Bin(BinExpr {
            span: DUMMY_SP,
            op: BinaryOp::LogicalOr,
            left: Box::new(recorder),
            right: Box::new(identity),
        })),
    });
    Expr::Call(CallExpr {
        span,
        callee: Callee::Expr(Box::new(callee)),
        args: vec![ExprOrSpread {
            spread: None,
            expr: arg,
        }],
        ..Default::default()
    })
}

/// A body-style script's own `return value` statements (not those of functions
/// inside it) become `return (globalThis.__hoody_returned || …)(value)`: the glue
/// keeps the site of a value no response can carry (a function), so the error
/// names the user's line. Runs before `resolver`, hence the empty context.
pub(crate) fn record_return_sites(stmts: &mut [Stmt]) {
    for stmt in stmts {
        stmt.visit_mut_with(&mut Returns);
    }
}

pub(crate) const RETURN_RECORDER: &str = "__hoody_returned";

struct Returns;

impl VisitMut for Returns {
    fn visit_mut_return_stmt(&mut self, node: &mut ReturnStmt) {
        if let Some(arg) = node.arg.take() {
            let span = arg.span();
            node.arg = Some(Box::new(recorded(
                RETURN_RECORDER,
                arg,
                span,
                SyntaxContext::empty(),
            )));
        }
    }
    // the returns of nested functions and classes are theirs, not the script's
    fn visit_mut_function(&mut self, _: &mut Function) {}
    fn visit_mut_arrow_expr(&mut self, _: &mut ArrowExpr) {}
    fn visit_mut_class(&mut self, _: &mut Class) {}
}
