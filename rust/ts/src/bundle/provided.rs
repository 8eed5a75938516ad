//! Packages the runtime provides (the pre-bundled AI SDK): an import of one of
//! them by its exact name is not looked up in `node_modules` but becomes a
//! module that hands out the runtime's copy, so every script shares one copy
//! and nothing is installed for it. Subpaths (`ai/rsc`) resolve as usual.

use crate::resolve::{ImportKind, ResolveFailure, Resolved, Resolver, ResolverInput};

use super::loader::js_string;

/// Module ids of provided packages start with this (never a path in the root).
const PREFIX: &str = "<provided>/";

/// The global the runtime defines to hand out a provided package's exports.
pub(crate) const PROVIDER_GLOBAL: &str = "__hoody_provided";

/// [`Resolver`] that answers provided names itself and asks `inner` otherwise.
pub(crate) struct WithProvided<'a> {
    pub inner: &'a dyn Resolver,
    pub names: &'a [String],
}

impl Resolver for WithProvided<'_> {
    fn resolve(
        &self,
        importer: &str,
        specifier: &str,
        kind: ImportKind,
    ) -> Result<Resolved, ResolveFailure> {
        if self.names.iter().any(|n| n == specifier) {
            return Ok(Resolved {
                id: format!("{PREFIX}{specifier}"),
                path: Default::default(),
            });
        }
        self.inner.resolve(importer, specifier, kind)
    }

    fn resolve_entry(&self, entry: &str) -> Result<Resolved, ResolveFailure> {
        self.inner.resolve_entry(entry)
    }

    fn inputs(&self) -> Vec<ResolverInput> {
        self.inner.inputs()
    }
}

/// The package name of a provided module id, None for any other module.
pub(crate) fn name_of(resolved: &Resolved) -> Option<&str> {
    if resolved.path.as_os_str().is_empty() {
        resolved.id.strip_prefix(PREFIX)
    } else {
        None
    }
}

/// The factory body of a provided module: the runtime's exports, or a clear error
/// when this isolate has none (the SDK was not loaded).
pub(crate) fn factory_code(name: &str) -> String {
    let name = js_string(name);
    format!(
        "if (typeof globalThis.{PROVIDER_GLOBAL} !== \"function\") throw new Error(\"the package \" + {name} + \" is provided by the runtime, which did not load it into this isolate\");\nmodule.exports = globalThis.{PROVIDER_GLOBAL}({name});\n"
    )
}
