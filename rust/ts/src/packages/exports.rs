//! package.json `exports` and `imports` maps: subpath keys and `*` patterns,
//! condition objects in the package's key order, `null` targets (Node's
//! PACKAGE_EXPORTS_RESOLVE / PACKAGE_IMPORTS_RESOLVE, minus the parts a bundler
//! has no use for).

use super::{Manifest, PackageResolver};
use crate::manifest::Json;
use crate::resolve::{ImportKind, ResolveFailure, Resolved};

/// The `exports`/`imports` conditions the bundler accepts, per import kind.
/// Which one wins is decided by the package: the first key, in the order the
/// package lists them, that is in this set. `module` (a bundler convention for
/// ESM builds) is left out for `require()`, which expects `module.exports`.
pub const IMPORT_CONDITIONS: &[&str] = &["worker", "browser", "import", "module", "default"];
pub const REQUIRE_CONDITIONS: &[&str] = &["worker", "browser", "require", "default"];

pub(super) fn conditions(kind: ImportKind) -> &'static [&'static str] {
    match kind {
        ImportKind::Import => IMPORT_CONDITIONS,
        ImportKind::Require => REQUIRE_CONDITIONS,
    }
}

/// What an `exports`/`imports` target resolved to.
pub(super) enum Target {
    Found(String),
    /// `null`: explicitly not exported.
    Null,
    /// No condition applies.
    NoMatch,
}

impl PackageResolver {
    /// package.json `exports` for `subpath` (`.` or `./x`).
    pub(super) fn exports(
        &self,
        m: &Manifest,
        name: &str,
        exports: &Json,
        subpath: &str,
        kind: ImportKind,
    ) -> Result<Resolved, ResolveFailure> {
        let is_map =
            matches!(exports, Json::Object(e) if e.iter().any(|(k, _)| k.starts_with('.')));
        let (target, star) = if is_map {
            match match_key(exports, subpath) {
                Some(found) => found,
                None => return Err(not_exported(name, subpath, exports)),
            }
        } else if subpath == "." {
            (exports, None)
        } else {
            return Err(not_exported(name, subpath, exports));
        };
        match resolve_target(target, star.as_deref(), conditions(kind)) {
            Target::Found(t) => self.package_file(m, &t).map_err(|reason| {
                ResolveFailure::Unresolved(format!(
                    "package \"{name}\" exports \"{subpath}\" as \"{t}\", which {reason}"
                ))
            })?,
            Target::Null => Err(not_exported(name, subpath, exports)),
            Target::NoMatch => Err(ResolveFailure::Unresolved(format!(
                "package \"{name}\" exports \"{subpath}\" only for conditions the bundler does \
                 not use ({}); the conditions used are {} (first match in the package's order)",
                offered_conditions(target).join(", "),
                conditions(kind).join(", ")
            ))),
        }
    }

    /// The file `target` (`./dist/x.js`) of the package `m`; `Err(reason)`
    /// if it is not a valid target or does not exist.
    pub(super) fn package_file(
        &self,
        m: &Manifest,
        target: &str,
    ) -> Result<Result<Resolved, ResolveFailure>, String> {
        let rel = target
            .strip_prefix("./")
            .ok_or("is not a path starting with \"./\"")?;
        let segments: Vec<&str> = rel.split('/').collect();
        if segments
            .iter()
            .any(|s| matches!(*s, "" | "." | ".." | "node_modules"))
        {
            return Err("leaves the package or names node_modules".into());
        }
        let path = segments.iter().fold(m.dir.clone(), |p, c| p.join(c));
        if !path.is_file() {
            return Err("does not exist (reinstall the package?)".into());
        }
        Ok(self.files.inside_root(&path))
    }
}

/// The map entry for `key` (`./x` or `#x`): exact keys first, then the `*`
/// pattern with the longest prefix (Node's PATTERN_KEY_COMPARE), returning the
/// text the `*` matched.
pub(super) fn match_key<'a>(map: &'a Json, key: &str) -> Option<(&'a Json, Option<String>)> {
    let Json::Object(entries) = map else {
        return None;
    };
    if let Some((_, v)) = entries.iter().find(|(k, _)| k == key && !k.contains('*')) {
        return Some((v, None));
    }
    let mut best: Option<(&str, &Json, String)> = None;
    for (k, v) in entries {
        let Some((base, trailer)) = k.split_once('*') else {
            continue;
        };
        if trailer.contains('*') || key.len() < k.len() - 1 {
            continue;
        }
        if key.starts_with(base) && key.ends_with(trailer) && key != base {
            let better = match best {
                None => true,
                Some((bk, _, _)) => {
                    let bbase = bk.split_once('*').map_or(bk, |(b, _)| b);
                    base.len() > bbase.len() || (base.len() == bbase.len() && k.len() > bk.len())
                }
            };
            if better {
                let matched = key[base.len()..key.len() - trailer.len()].to_string();
                best = Some((k, v, matched));
            }
        }
    }
    best.map(|(_, v, m)| (v, Some(m)))
}

/// Node's PACKAGE_TARGET_RESOLVE over strings, arrays and condition objects.
pub(super) fn resolve_target(target: &Json, star: Option<&str>, conds: &[&str]) -> Target {
    match target {
        Json::Str(s) => Target::Found(match star {
            Some(m) => s.replace('*', m),
            None => s.clone(),
        }),
        Json::Array(items) => {
            let mut last = Target::NoMatch;
            for item in items {
                match resolve_target(item, star, conds) {
                    Target::Found(s) => return Target::Found(s),
                    other => last = other,
                }
            }
            last
        }
        Json::Object(entries) => {
            for (k, v) in entries {
                if k == "default" || conds.contains(&k.as_str()) {
                    match resolve_target(v, star, conds) {
                        Target::NoMatch => continue,
                        other => return other,
                    }
                }
            }
            Target::NoMatch
        }
        Json::Null => Target::Null,
        _ => Target::NoMatch,
    }
}

/// Every condition name in a target, for error messages.
fn offered_conditions(target: &Json) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(t: &Json, out: &mut Vec<String>) {
        match t {
            Json::Object(entries) => {
                for (k, v) in entries {
                    if !out.contains(k) {
                        out.push(k.clone());
                    }
                    walk(v, out);
                }
            }
            Json::Array(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    walk(target, &mut out);
    out
}

fn not_exported(name: &str, subpath: &str, exports: &Json) -> ResolveFailure {
    let keys: Vec<String> = match exports {
        Json::Object(e) if e.iter().any(|(k, _)| k.starts_with('.')) => e
            .iter()
            .filter(|(_, v)| !matches!(v, Json::Null))
            .map(|(k, _)| format!("\"{k}\""))
            .collect(),
        _ => vec!["\".\"".into()],
    };
    ResolveFailure::Unresolved(format!(
        "package \"{name}\" does not export \"{subpath}\" (its package.json `exports` lists: {})",
        keys.join(", ")
    ))
}
