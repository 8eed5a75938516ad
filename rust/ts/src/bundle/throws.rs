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

use swc_core::common::{Mark, Spanned, SyntaxContext, DUMMY_SP};
use swc_core::ecma::ast::{
    ArrowExpr, ArrowFunctionBody, BinExpr, BinaryOp, BindingIdent, CallExpr, Callee, Expr,
    ExprOrSpread, Ident, IdentName, MemberExpr, MemberProp, Module, ParenExpr, Pat, ThrowStmt,
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
        let global = Expr::Ident(Ident::new(
            "globalThis".into(),
            DUMMY_SP,
            SyntaxContext::empty().apply_mark(self.unresolved),
        ));
        let recorder = Expr::Member(MemberExpr {
            span: DUMMY_SP,
            obj: Box::new(global),
            prop: MemberProp::Ident(IdentName::new(RECORDER.into(), DUMMY_SP)),
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
        *node.arg = Expr::Call(CallExpr {
            span,
            callee: Callee::Expr(Box::new(callee)),
            args: vec![ExprOrSpread {
                spread: None,
                expr: arg,
            }],
            ..Default::default()
        });
    }
}
