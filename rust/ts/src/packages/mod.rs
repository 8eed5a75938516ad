//! Packages in `node_modules` and Node built-ins, on top of [`RelativeResolver`]
//! (the rules are documented in docs/dependencies.md, "How imports resolve"):
//!
//! - bare specifiers (`zod`, `lodash/fp`, `ms@2`, `npm:zod@3`) walk up the
//!   `node_modules` folders from the importer, all inside the root;
//! - package.json `exports` (conditions in the package's own key order, of the
//!   active set `worker browser import|require module(import only) default`;
//!   subpath patterns; `null` = not exported), else the `browser` (string),
//!   `module` (imports only) and `main` fields, else `index.*`;
//! - the `browser` field's object form remaps files and bare specifiers of the
//!   package (`false` = an empty module); `#imports` use the `imports` field;
//! - `node:x` and bare built-in names map to their browser package or fail;
//! - `sdk:<id>` is the module `sdk/import` generated in `.hoody/sdk/<id>/`.
//!
//! package.json files are read once per bundle and become bundle inputs.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::rc::Rc;

mod browser;
mod exports;

pub use exports::{IMPORT_CONDITIONS, REQUIRE_CONDITIONS};

use crate::builtins::{self, Builtin};
use crate::manifest::{Json, Manifest};
use crate::resolve::{
    is_relative, ImportKind, RelativeResolver, ResolveFailure, Resolved, Resolver, ResolverInput,
    EXTENSIONS,
};
use crate::specifier::{self, PackageSpec};
use exports::{conditions, match_key, resolve_target, Target};

/// Imports of a generated SDK: `sdk:<id>` → `.hoody/sdk/<id>/index.ts` (see
/// python/hoody_exec/sdk/store.py, which writes it).
const SDK_SCHEME: &str = "sdk:";
const SDK_DIR: [&str; 2] = [".hoody", "sdk"];
const SDK_MODULE: &str = "index.ts";

/// Resolves relative imports, packages and built-ins inside one root folder.
pub struct PackageResolver {
    files: RelativeResolver,
    /// Canonical folder → its package.json (None: the folder has none).
    manifests: RefCell<HashMap<PathBuf, Option<Rc<Manifest>>>>,
    inputs: RefCell<Vec<ResolverInput>>,
}

impl PackageResolver {
    pub fn new(root: &Path) -> io::Result<Self> {
        Ok(PackageResolver {
            files: RelativeResolver::new(root)?,
            manifests: RefCell::default(),
            inputs: RefCell::default(),
        })
    }

    fn root(&self) -> &Path {
        self.files.root()
    }

    /// The package.json of `dir` (a canonical folder under the root), cached.
    fn manifest(&self, dir: &Path) -> Result<Option<Rc<Manifest>>, ResolveFailure> {
        if let Some(m) = self.manifests.borrow().get(dir) {
            return Ok(m.clone());
        }
        let file = dir.join("package.json");
        // NOTE: a package.json that is a symlink to a file outside the root is
        // refused before it is read, like every module file.
        let file = match file.canonicalize() {
            Ok(real) if real.starts_with(self.root()) => real,
            Ok(real) => return Err(ResolveFailure::OutsideRoot(real)),
            Err(_) => file,
        };
        let found = match std::fs::read_to_string(&file) {
            Ok(text) => {
                let dir_id = id_of(self.root(), dir);
                let file_id = join_id(&dir_id, "package.json");
                let json: Json = serde_json::from_str(&text).map_err(|e| {
                    ResolveFailure::Unresolved(format!("{file_id} is not valid JSON: {e}"))
                })?;
                self.inputs.borrow_mut().push(ResolverInput {
                    id: file_id,
                    path: file,
                    content: text,
                });
                Some(Rc::new(Manifest {
                    dir: dir.to_path_buf(),
                    dir_id,
                    json,
                }))
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) =>
            {
                None
            }
            Err(e) => return Err(ResolveFailure::Io(file, e)),
        };
        self.manifests
            .borrow_mut()
            .insert(dir.to_path_buf(), found.clone());
        Ok(found)
    }

    /// The package.json closest to the module `id` (its own folder first), if any.
    fn nearest_manifest(&self, id: &str) -> Result<Option<Rc<Manifest>>, ResolveFailure> {
        let mut parts: Vec<&str> = id.split('/').collect();
        parts.pop();
        loop {
            let dir = parts
                .iter()
                .fold(self.root().to_path_buf(), |p, c| p.join(c));
            if let Some(m) = self.manifest(&dir)? {
                return Ok(Some(m));
            }
            // A package's files never see the package.json above its node_modules.
            if parts.last() == Some(&"node_modules") || parts.pop().is_none() {
                return Ok(None);
            }
        }
    }

    /// Finds the folder of package `name` by walking up from `importer`.
    fn package_dir(&self, importer: &str, name: &str) -> Result<Option<Resolved>, ResolveFailure> {
        let mut parts: Vec<&str> = importer.split('/').collect();
        parts.pop();
        loop {
            if parts.last() != Some(&"node_modules") {
                let dir = parts
                    .iter()
                    .fold(self.root().to_path_buf(), |p, c| p.join(c))
                    .join("node_modules")
                    .join(name);
                if dir.is_dir() {
                    return self.files.inside_root(&dir).map(Some);
                }
            }
            if parts.pop().is_none() {
                return Ok(None);
            }
        }
    }

    /// Resolves a bare package specifier.
    fn package(
        &self,
        importer: &str,
        spec: &PackageSpec,
        install: &str,
        builtin_of: Option<&str>,
        kind: ImportKind,
    ) -> Result<Resolved, ResolveFailure> {
        let Some(dir) = self.package_dir(importer, &spec.name)? else {
            let message = match builtin_of {
                Some(b) => format!(
                    "package \"{install}\", the browser version of Node's built-in \"{b}\", \
                     is not installed"
                ),
                None => format!("package \"{install}\" is not installed"),
            };
            return Err(ResolveFailure::MissingPackage {
                package: install.to_string(),
                message,
            });
        };
        let manifest = self.manifest(&dir.path)?;
        let subpath = if spec.subpath.is_empty() {
            ".".to_string()
        } else {
            format!("./{}", spec.subpath)
        };
        let resolved = match manifest.as_ref().and_then(|m| m.json.get("exports")) {
            Some(exports) if !matches!(exports, Json::Null) => {
                let m = manifest.as_ref().expect("exports come from a manifest");
                self.exports(m, &spec.name, exports, &subpath, kind)?
            }
            _ if spec.subpath.is_empty() => self.entry(&dir, manifest.as_deref(), kind)?,
            _ => {
                let base = spec
                    .subpath
                    .split('/')
                    .fold(dir.path.clone(), |p, c| p.join(c));
                self.file_or_dir(&base, kind)?.ok_or_else(|| {
                    ResolveFailure::Unresolved(format!(
                        "package \"{}\" has no file \"{}\" (also tried the extensions .{} \
                         and index files)",
                        spec.name,
                        spec.subpath,
                        EXTENSIONS.join(" .")
                    ))
                })?
            }
        };
        match &manifest {
            Some(m) => self.browser_file(m, resolved),
            None => Ok(resolved),
        }
    }

    /// A package folder's entry: `browser` (string form), `module` (imports
    /// only), `main`, then `index.*`.
    fn entry(
        &self,
        dir: &Resolved,
        manifest: Option<&Manifest>,
        kind: ImportKind,
    ) -> Result<Resolved, ResolveFailure> {
        let fields: &[&str] = match kind {
            ImportKind::Import => &["browser", "module", "main"],
            ImportKind::Require => &["browser", "main"],
        };
        if let Some(m) = manifest {
            for field in fields {
                if let Some(target) = m.json.get(field).and_then(Json::as_str) {
                    let base = under(&dir.path, target);
                    if base == dir.path {
                        continue;
                    }
                    if let Some(r) = self.file_or_dir(&base, kind)? {
                        return Ok(r);
                    }
                }
            }
        }
        match self.index(&dir.path)? {
            Some(r) => Ok(r),
            None => Err(ResolveFailure::Unresolved(format!(
                "{} has no entry point: its package.json names no existing `browser`, \
                 `module` or `main` file and there is no index file (reinstall the package?)",
                dir.id
            ))),
        }
    }

    /// `base` as a file, with an extension, or as a folder (its package.json
    /// entry, then its index). Node's LOAD_AS_FILE then LOAD_AS_DIRECTORY.
    fn file_or_dir(
        &self,
        base: &Path,
        kind: ImportKind,
    ) -> Result<Option<Resolved>, ResolveFailure> {
        if base.is_file() {
            return self.files.inside_root(base).map(Some);
        }
        if let Some(name) = base.file_name().map(|n| n.to_string_lossy().into_owned()) {
            for ext in EXTENSIONS {
                let candidate = base.with_file_name(format!("{name}.{ext}"));
                if candidate.is_file() {
                    return self.files.inside_root(&candidate).map(Some);
                }
            }
        }
        if base.is_dir() {
            let dir = self.files.inside_root(base)?;
            if let Some(m) = self.manifest(&dir.path)? {
                if ["browser", "module", "main"]
                    .iter()
                    .any(|f| m.json.get(f).and_then(Json::as_str).is_some())
                {
                    return self.entry(&dir, Some(&m), kind).map(Some);
                }
            }
            return self.index(&dir.path);
        }
        Ok(None)
    }

    fn index(&self, dir: &Path) -> Result<Option<Resolved>, ResolveFailure> {
        for ext in EXTENSIONS {
            let candidate = dir.join(format!("index.{ext}"));
            if candidate.is_file() {
                return self.files.inside_root(&candidate).map(Some);
            }
        }
        Ok(None)
    }

    /// `#name` through the `imports` field of the importer's package.
    fn hash_import(
        &self,
        importer: &str,
        specifier: &str,
        kind: ImportKind,
    ) -> Result<Resolved, ResolveFailure> {
        let m = self.nearest_manifest(importer)?.ok_or_else(|| {
            ResolveFailure::Unresolved(
                "`#` imports need an `imports` field in the package.json of the importing \
                 package, and there is no package.json"
                    .into(),
            )
        })?;
        let imports = m.json.get("imports").unwrap_or(&Json::Null);
        let Some((target, star)) = match_key(imports, specifier) else {
            return Err(ResolveFailure::Unresolved(format!(
                "the `imports` field of {} does not define it",
                join_id(&m.dir_id, "package.json")
            )));
        };
        match resolve_target(target, star.as_deref(), conditions(kind)) {
            Target::Found(t) if t.starts_with("./") => {
                let r = self.package_file(&m, &t).map_err(|reason| {
                    ResolveFailure::Unresolved(format!("it maps to \"{t}\", which {reason}"))
                })??;
                self.browser_file(&m, r)
            }
            Target::Found(t) => {
                let importer = join_id(&m.dir_id, "package.json");
                self.bare(&importer, &t, kind)
            }
            Target::Null | Target::NoMatch => Err(ResolveFailure::Unresolved(format!(
                "the `imports` field of {} defines it for no condition the bundler uses ({})",
                join_id(&m.dir_id, "package.json"),
                conditions(kind).join(", ")
            ))),
        }
    }

    /// `sdk:<id>`: the module `sdk/import` generated under `.hoody/sdk/<id>/`.
    fn sdk(&self, id: &str) -> Result<Resolved, ResolveFailure> {
        let valid = (1..=64).contains(&id.len())
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
            && !id.starts_with(['-', '_']);
        if !valid {
            return Err(ResolveFailure::Unresolved(format!(
                "`{SDK_SCHEME}{id}` is not an SDK id: lower-case letters, digits, - and _ \
                 (up to 64, starting with a letter or digit)"
            )));
        }
        let parts = SDK_DIR
            .iter()
            .map(|p| p.to_string())
            .chain([id.to_string(), SDK_MODULE.to_string()]);
        let path = parts.collect::<Vec<_>>();
        let file = path
            .iter()
            .fold(self.root().to_path_buf(), |p, c| p.join(c));
        if !file.is_file() {
            return Err(ResolveFailure::Unresolved(format!(
                "no SDK `{id}` in this folder: import its OpenAPI document with \
                 POST /api/v1/exec/sdk/import (sdk/list shows the SDKs there are)"
            )));
        }
        self.files.inside_root(&file)
    }

    /// A bare specifier: a built-in or a package.
    fn bare(
        &self,
        importer: &str,
        specifier: &str,
        kind: ImportKind,
    ) -> Result<Resolved, ResolveFailure> {
        if let Some(name) = specifier.strip_prefix("node:") {
            return self.builtin(importer, name, kind);
        }
        if !specifier.starts_with("npm:") && builtins::is_bare_builtin(specifier) {
            return self.builtin(importer, specifier, kind);
        }
        let spec = specifier::parse(specifier).map_err(|reason| {
            ResolveFailure::Unresolved(format!("not a package specifier: {reason}"))
        })?;
        self.package(importer, &spec, &spec.install_specifier(), None, kind)
    }

    fn builtin(
        &self,
        importer: &str,
        name: &str,
        kind: ImportKind,
    ) -> Result<Resolved, ResolveFailure> {
        match builtins::lookup(name) {
            Some(Builtin::Package {
                specifier,
                name: package,
            }) => {
                let spec = PackageSpec {
                    name: package.to_string(),
                    range: None,
                    subpath: String::new(),
                };
                self.package(importer, &spec, specifier, Some(name), kind)
            }
            Some(Builtin::Unavailable) => Err(ResolveFailure::Unresolved(format!(
                "Node.js built-in module \"{name}\" is not available in isolates \
                 (built-ins with a browser version: {})",
                builtins::NODE_BUILTINS
                    .iter()
                    .filter(|(n, p)| p.is_some() && !n.contains('/'))
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
            None => Err(ResolveFailure::Unresolved(format!(
                "\"{name}\" is not a Node.js built-in module available in isolates"
            ))),
        }
    }
}

impl Resolver for PackageResolver {
    fn resolve(
        &self,
        importer: &str,
        specifier: &str,
        kind: ImportKind,
    ) -> Result<Resolved, ResolveFailure> {
        // NOTE: only package files obey a package.json `browser` map; the
        // scripts' own files never read the root package.json (an install would
        // otherwise invalidate every cached script).
        let in_package =
            importer.starts_with("node_modules/") || importer.contains("/node_modules/");
        let manifest = || {
            if in_package {
                self.nearest_manifest(importer)
            } else {
                Ok(None)
            }
        };
        if is_relative(specifier) {
            let m = manifest()?;
            if let Some(m) = &m {
                if let Some(r) = self.browser_relative(m, importer, specifier) {
                    return r;
                }
            }
            let resolved = match self.files.resolve(importer, specifier, kind) {
                // `require("./sub")` may name a folder with its own package.json `main`.
                Err(ResolveFailure::Unresolved(message)) if m.is_some() => {
                    let dir = match importer.rsplit_once('/') {
                        Some((dir, _)) => under(self.root(), dir),
                        None => self.root().to_path_buf(),
                    };
                    let base = under(&dir, specifier);
                    match base.is_dir() {
                        true => self.file_or_dir(&base, kind)?,
                        false => None,
                    }
                    .ok_or(ResolveFailure::Unresolved(message))?
                }
                other => other?,
            };
            return match m {
                Some(m) => self.browser_file(&m, resolved),
                None => Ok(resolved),
            };
        }
        if specifier.starts_with('/') || specifier.contains('\\') {
            return self.files.resolve(importer, specifier, kind);
        }
        if specifier.starts_with('#') {
            return self.hash_import(importer, specifier, kind);
        }
        if let Some(id) = specifier.strip_prefix(SDK_SCHEME) {
            return self.sdk(id);
        }
        if let Some(m) = manifest()? {
            if let Some(r) = self.browser_specifier(&m, specifier, kind) {
                return r;
            }
        }
        self.bare(importer, specifier, kind)
    }

    fn resolve_entry(&self, entry: &str) -> Result<Resolved, ResolveFailure> {
        self.files.resolve_entry(entry)
    }

    fn inputs(&self) -> Vec<ResolverInput> {
        self.inputs.borrow().clone()
    }
}

/// `rel` (POSIX separators, `.` and `..` allowed) applied to `dir` lexically.
/// Escapes are caught later: every file found is canonicalized and checked
/// against the root.
fn under(dir: &Path, rel: &str) -> PathBuf {
    let mut out = dir.to_path_buf();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    out
}

/// The id (POSIX path relative to `root`) of the canonical `path`.
fn id_of(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .map(|rel| {
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/")
        })
        .unwrap_or_default()
}

fn join_id(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}
