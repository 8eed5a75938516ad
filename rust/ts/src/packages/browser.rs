//! The package.json `browser` field's object form: files of the package and
//! bare imports made by them, remapped or replaced by an empty module.

use super::{join_id, under, Manifest, PackageResolver};
use crate::manifest::Json;
use crate::resolve::{is_relative, ImportKind, ResolveFailure, Resolved, EXTENSIONS};

impl PackageResolver {
    /// Applies the object form of the package's `browser` field to a file of
    /// the package: `{"./lib/node.js": "./lib/browser.js", "./x.js": false}`.
    pub(super) fn browser_file(
        &self,
        m: &Manifest,
        resolved: Resolved,
    ) -> Result<Resolved, ResolveFailure> {
        let Some(Json::Object(map)) = m.json.get("browser") else {
            return Ok(resolved);
        };
        for (key, value) in map {
            if !key.starts_with("./") && !key.starts_with("../") {
                continue;
            }
            let base = under(&m.dir, key);
            let Ok(Some(found)) = self.file_or_dir(&base, ImportKind::Require) else {
                continue;
            };
            if found.path != resolved.path {
                continue;
            }
            if let Some(r) = self.browser_value(m, key, value) {
                return r;
            }
        }
        Ok(resolved)
    }

    /// The `browser` map entry for the relative import `specifier` of
    /// `importer`, compared by path before resolving: a key may name a file the
    /// package does not ship (`"./lib/node-only.js": false`).
    pub(super) fn browser_relative(
        &self,
        m: &Manifest,
        importer: &str,
        specifier: &str,
    ) -> Option<Result<Resolved, ResolveFailure>> {
        let Some(Json::Object(map)) = m.json.get("browser") else {
            return None;
        };
        let dir = match importer.rsplit_once('/') {
            Some((dir, _)) => under(self.root(), dir),
            None => self.root().to_path_buf(),
        };
        let target = under(&dir, specifier);
        let name = target.file_name()?.to_string_lossy().into_owned();
        let mut candidates = vec![target.clone()];
        for ext in EXTENSIONS {
            candidates.push(target.with_file_name(format!("{name}.{ext}")));
            candidates.push(target.join(format!("index.{ext}")));
        }
        map.iter()
            .filter(|(key, _)| key.starts_with("./") || key.starts_with("../"))
            .find(|(key, _)| {
                let key_path = under(&m.dir, key);
                candidates.contains(&key_path)
            })
            .and_then(|(key, value)| self.browser_value(m, key, value))
    }

    /// What a `browser` map value stands for: `false` → the empty module, a
    /// path → that file of the package.
    fn browser_value(
        &self,
        m: &Manifest,
        key: &str,
        value: &Json,
    ) -> Option<Result<Resolved, ResolveFailure>> {
        match value {
            Json::Bool(false) => Some(Ok(Resolved::empty())),
            Json::Str(target) => {
                let base = under(&m.dir, target);
                Some(self.file_or_dir(&base, ImportKind::Require).and_then(|r| {
                    r.ok_or_else(|| {
                        ResolveFailure::Unresolved(format!(
                            "the `browser` field of {}/package.json maps \"{key}\" to \
                                     \"{target}\", which does not exist",
                            m.dir_id
                        ))
                    })
                }))
            }
            _ => None,
        }
    }

    /// The `browser` field's entry for a bare specifier imported by a file of
    /// package `m`: `{"fs": false, "util": "./util-shim.js"}`.
    pub(super) fn browser_specifier(
        &self,
        m: &Manifest,
        specifier: &str,
        kind: ImportKind,
    ) -> Option<Result<Resolved, ResolveFailure>> {
        let Some(Json::Object(map)) = m.json.get("browser") else {
            return None;
        };
        let value = map.iter().find(|(k, _)| k == specifier).map(|(_, v)| v)?;
        Some(match value {
            Json::Bool(false) => Ok(Resolved::empty()),
            Json::Str(t) if is_relative(t) => {
                let base = under(&m.dir, t);
                self.file_or_dir(&base, kind).and_then(|r| {
                    r.ok_or_else(|| {
                        ResolveFailure::Unresolved(format!(
                            "the `browser` field of {}/package.json maps it to \"{t}\", which \
                             does not exist",
                            m.dir_id
                        ))
                    })
                })
            }
            Json::Str(t) if t != specifier => {
                let importer = join_id(&m.dir_id, "package.json");
                self.bare(&importer, t, kind)
            }
            _ => return None,
        })
    }
}
