//! TypeScript for hoody-exec, on swc:
//!
//! - [`transpile`]: one file → ESM JavaScript + source map + import list
//!   (the public `hoody_exec.transpile`).
//! - [`bundle`]: an entry file and everything it imports (relative files,
//!   packages in `node_modules`, Node built-ins with a browser package) → one
//!   classic script with a CommonJS-style loader and one source map
//!   (format: docs/architecture.md, "Bundle format").
//!
//! Module map: `errors` (syntax errors, code frames), `pipeline` (swc stages),
//! `namespaces` (merged namespaces' exports, qualified),
//! `imports` (find/rewrite specifiers), `resolve` (relative specifier → file),
//! `packages` (node_modules: package.json `exports`/`imports`, main fields, the
//! `browser` field; built-ins), `manifest` (order-keeping package.json),
//! `specifier` (`name@range/sub`), `builtins` (the Node built-in table),
//! `bundle` (graph walk, CommonJS detection, NODE_ENV folding, body-style
//! entries, compiled-module cache, loader, combined source map).

mod builtins;
mod bundle;
mod errors;
mod imports;
mod manifest;
mod namespaces;
mod packages;
mod pipeline;
mod resolve;
mod specifier;
mod transpile;

pub use builtins::NODE_BUILTINS;
pub use bundle::{bundle, Bundle, BundleError, BundleOptions, Style};
pub use errors::{code_frame, SyntaxIssue, TranspileErrors};
pub use packages::{PackageResolver, IMPORT_CONDITIONS, REQUIRE_CONDITIONS};
pub use resolve::{ImportKind, RelativeResolver, Resolved, Resolver, ResolverInput};
pub use transpile::{transpile, Transpiled};
