//! TypeScript for hoody-exec, on swc:
//!
//! - [`transpile`]: one file → ESM JavaScript + source map + import list
//!   (the public `hoody_exec.transpile`).
//! - [`bundle`]: an entry file and everything it imports relatively → one
//!   classic script with a CommonJS-style loader and one source map
//!   (format: docs/architecture.md, "Bundle format").
//!
//! Module map: `errors` (syntax errors, code frames), `pipeline` (swc stages),
//! `imports` (find/rewrite specifiers), `resolve` (specifier → file),
//! `bundle` (graph walk, body-style entries, loader, combined source map).

mod bundle;
mod errors;
mod imports;
mod pipeline;
mod resolve;
mod transpile;

pub use bundle::{bundle, Bundle, BundleError, BundleOptions, Style};
pub use errors::{code_frame, SyntaxIssue, TranspileErrors};
pub use resolve::{RelativeResolver, Resolved, Resolver};
pub use transpile::{transpile, Transpiled};
