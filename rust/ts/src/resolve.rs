//! Specifier → module resolution. [`RelativeResolver`] handles `./` and `../`
//! inside one root folder; [`crate::PackageResolver`] wraps it and adds packages
//! in `node_modules` and Node built-ins.

use std::io;
use std::path::{Component, Path, PathBuf};

/// A resolved module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// POSIX path relative to the root: the module's id in the bundle.
    pub id: String,
    /// Canonical absolute path of the file. Empty for [`Resolved::empty`].
    pub path: PathBuf,
}

/// Id of the module a package's `browser` field maps to `false`.
pub const EMPTY_MODULE: &str = "<empty module>";

impl Resolved {
    /// The empty module (`module.exports = {}`), for `browser` field `false` entries.
    pub fn empty() -> Self {
        Resolved {
            id: EMPTY_MODULE.to_string(),
            path: PathBuf::new(),
        }
    }

    pub fn is_empty_module(&self) -> bool {
        self.id == EMPTY_MODULE && self.path.as_os_str().is_empty()
    }
}

/// How a module asks for another: it picks the package.json `exports`
/// condition (`import` or `require`) and the `main`-like fields used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportKind {
    /// `import`, `export … from`, `import()`.
    Import,
    /// `require()`, `import x = require()`.
    Require,
}

/// A file read while resolving (a package.json): part of the bundle's inputs.
#[derive(Debug, Clone)]
pub struct ResolverInput {
    /// POSIX path relative to the root.
    pub id: String,
    pub path: PathBuf,
    pub content: String,
}

/// Why a specifier did not resolve.
#[derive(Debug)]
pub enum ResolveFailure {
    /// Nothing to load; the message says why and what to do.
    Unresolved(String),
    /// A package that is not in `node_modules`: `package` is what to install
    /// (`"zod"`, `"ms@2"`, `"buffer@^6"`).
    MissingPackage {
        package: String,
        message: String,
    },
    /// The specifier (or a symlink on the way) leads outside the root.
    OutsideRoot(PathBuf),
    Io(PathBuf, io::Error),
}

pub trait Resolver {
    /// Resolves `specifier` imported by the module `importer` (an id).
    fn resolve(
        &self,
        importer: &str,
        specifier: &str,
        kind: ImportKind,
    ) -> Result<Resolved, ResolveFailure>;
    /// Resolves the entry, a path relative to the root.
    fn resolve_entry(&self, entry: &str) -> Result<Resolved, ResolveFailure>;
    /// Files read while resolving so far (besides the modules themselves).
    fn inputs(&self) -> Vec<ResolverInput> {
        Vec::new()
    }
}

/// Extensions tried after the exact name, in order.
pub(crate) const EXTENSIONS: &[&str] = &["ts", "tsx", "mts", "js", "mjs", "cjs", "jsx", "json"];

/// TypeScript users import `./x.js` meaning `./x.ts`: the sources tried for each
/// JavaScript extension when the `.js` file itself does not exist.
const TS_FOR_JS: &[(&str, &[&str])] = &[
    ("js", &["ts", "tsx"]),
    ("jsx", &["tsx"]),
    ("mjs", &["mts"]),
    ("cjs", &["cts"]),
];

/// Resolves `./` and `../` specifiers to files inside one root folder.
#[derive(Debug, Clone)]
pub struct RelativeResolver {
    root: PathBuf,
}

impl RelativeResolver {
    /// `root` must exist; it is canonicalized so symlink escapes can be detected.
    pub fn new(root: &Path) -> io::Result<Self> {
        Ok(RelativeResolver {
            root: root.canonicalize()?,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Finds the file for `parts` (path components below the root).
    pub(crate) fn find(&self, parts: &[String]) -> Result<Resolved, ResolveFailure> {
        let base = parts.iter().fold(self.root.clone(), |p, c| p.join(c));
        for candidate in candidates(&base) {
            if candidate.is_file() {
                return self.inside_root(&candidate);
            }
        }
        Err(ResolveFailure::Unresolved(format!(
            "no file `{}` (also tried the extensions .{} and index files)",
            parts.join("/"),
            EXTENSIONS.join(" .")
        )))
    }

    /// Canonicalizes `path` and checks it is still under the root, so a
    /// symlink cannot smuggle in files from elsewhere.
    pub(crate) fn inside_root(&self, path: &Path) -> Result<Resolved, ResolveFailure> {
        let real = path
            .canonicalize()
            .map_err(|e| ResolveFailure::Io(path.to_path_buf(), e))?;
        let rel = real
            .strip_prefix(&self.root)
            .map_err(|_| ResolveFailure::OutsideRoot(real.clone()))?;
        let id = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        Ok(Resolved { id, path: real })
    }
}

/// The files `base` may mean, most specific first.
fn candidates(base: &Path) -> Vec<PathBuf> {
    let mut out = vec![base.to_path_buf()];
    let name = base.file_name().map(|n| n.to_string_lossy().into_owned());
    let Some(name) = name else { return out };
    for ext in EXTENSIONS {
        out.push(base.with_file_name(format!("{name}.{ext}")));
    }
    if let Some((stem, ext)) = name.rsplit_once('.') {
        for (js, tss) in TS_FOR_JS {
            if ext == *js {
                for ts in *tss {
                    out.push(base.with_file_name(format!("{stem}.{ts}")));
                }
            }
        }
    }
    for ext in EXTENSIONS {
        out.push(base.join(format!("index.{ext}")));
    }
    out
}

/// Applies `rel` (POSIX separators) to `base` lexically. `None` if `..` climbs
/// above the root.
pub(crate) fn join_lexically(base: &[String], rel: &str) -> Option<Vec<String>> {
    let mut parts = base.to_vec();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s.to_string()),
        }
    }
    Some(parts)
}

pub(crate) fn is_relative(specifier: &str) -> bool {
    specifier == "."
        || specifier == ".."
        || specifier.starts_with("./")
        || specifier.starts_with("../")
}

impl Resolver for RelativeResolver {
    fn resolve(
        &self,
        importer: &str,
        specifier: &str,
        _kind: ImportKind,
    ) -> Result<Resolved, ResolveFailure> {
        if let Some(name) = specifier.strip_prefix("node:") {
            return Err(ResolveFailure::Unresolved(format!(
                "Node.js built-in module `{name}` is not available in bundles yet; \
                 packages are installed by the dependencies feature"
            )));
        }
        if specifier.starts_with('/') || specifier.contains('\\') {
            return Err(ResolveFailure::Unresolved(
                "absolute paths are not allowed; import with a path relative to the \
                 importing file (`./` or `../`)"
                    .into(),
            ));
        }
        if !is_relative(specifier) {
            return Err(ResolveFailure::Unresolved(format!(
                "`{specifier}` looks like an npm package; npm packages are installed by \
                 the dependencies feature, relative imports must start with `./` or `../`"
            )));
        }
        let mut dir: Vec<String> = importer.split('/').map(str::to_string).collect();
        dir.pop();
        let parts = join_lexically(&dir, specifier).ok_or_else(|| {
            ResolveFailure::OutsideRoot(self.root.join(importer).join("..").join(specifier))
        })?;
        self.find(&parts)
    }

    fn resolve_entry(&self, entry: &str) -> Result<Resolved, ResolveFailure> {
        let path = Path::new(entry);
        if path.is_absolute()
            || path
                .components()
                .any(|c| matches!(c, Component::Prefix(_) | Component::RootDir))
        {
            return Err(ResolveFailure::OutsideRoot(path.to_path_buf()));
        }
        let posix = entry.replace('\\', "/");
        let parts = join_lexically(&[], &posix)
            .ok_or_else(|| ResolveFailure::OutsideRoot(self.root.join(entry)))?;
        self.find(&parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_join_refuses_escape() {
        let base = vec!["a".to_string()];
        assert_eq!(
            join_lexically(&base, "../b/./c"),
            Some(vec!["b".into(), "c".into()])
        );
        assert_eq!(join_lexically(&base, "../../x"), None);
    }
}
