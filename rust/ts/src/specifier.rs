//! Bare package specifiers as scripts write them: `zod`, `lodash/fp`,
//! `ms@2`, `@scope/pkg@^1/sub`, `npm:zod@3`. The range is the installer's
//! business; the bundler only needs the name (to find the folder in
//! `node_modules`), the subpath, and the installer specifier to report when the
//! package is missing.

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PackageSpec {
    /// `zod`, `@scope/pkg`.
    pub name: String,
    /// The range or dist-tag after `@`, if any.
    pub range: Option<String>,
    /// `""` or the path after the name: `fp` for `lodash/fp`.
    pub subpath: String,
}

impl PackageSpec {
    /// What to install: `name` or `name@range`.
    pub fn install_specifier(&self) -> String {
        match &self.range {
            Some(r) => format!("{}@{}", self.name, r),
            None => self.name.clone(),
        }
    }
}

/// Parses a bare specifier (with or without `npm:`); `Err` says what is wrong.
pub(crate) fn parse(specifier: &str) -> Result<PackageSpec, String> {
    let body = specifier.strip_prefix("npm:").unwrap_or(specifier);
    let (scope, rest) = match body.strip_prefix('@') {
        Some(after) => {
            let (scope, rest) = after
                .split_once('/')
                .ok_or("a scoped package name needs @scope/name")?;
            (Some(scope), rest)
        }
        None => (None, body),
    };
    let cut = rest.find(['@', '/']).unwrap_or(rest.len());
    let (bare, rest) = rest.split_at(cut);
    let name = match scope {
        Some(scope) => format!("@{scope}/{bare}"),
        None => bare.to_string(),
    };
    let (range, subpath) = match rest.strip_prefix('@') {
        Some(after) => {
            let (range, sub) = after.split_once('/').unwrap_or((after, ""));
            if range.is_empty() {
                return Err("`@` must be followed by a version range or tag".into());
            }
            (Some(range.to_string()), sub)
        }
        None => (None, rest.strip_prefix('/').unwrap_or(rest)),
    };
    if !valid_name(&name) {
        return Err(format!("{name:?} is not a valid npm package name"));
    }
    let subpath = subpath.trim_end_matches('/');
    if subpath.split('/').any(|s| s == "." || s == "..") && !subpath.is_empty() {
        return Err(format!("bad subpath {subpath:?}"));
    }
    Ok(PackageSpec {
        name,
        range,
        subpath: subpath.to_string(),
    })
}

/// npm's rules, loosely (uppercase is accepted: old packages have it).
fn valid_name(name: &str) -> bool {
    let ok_part = |p: &str| {
        !p.is_empty()
            && !p.starts_with('.')
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
    };
    match name.strip_prefix('@') {
        Some(scoped) => matches!(scoped.split_once('/'), Some((s, n)) if ok_part(s) && ok_part(n)),
        None => name.len() <= 214 && ok_part(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> (String, Option<String>, String) {
        let r = parse(s).unwrap();
        (r.name, r.range, r.subpath)
    }

    #[test]
    fn forms() {
        assert_eq!(p("zod"), ("zod".into(), None, "".into()));
        assert_eq!(p("lodash/fp/map"), ("lodash".into(), None, "fp/map".into()));
        assert_eq!(p("ms@2"), ("ms".into(), Some("2".into()), "".into()));
        assert_eq!(p("npm:zod@3"), ("zod".into(), Some("3".into()), "".into()));
        assert_eq!(
            p("@scope/pkg@^1/sub"),
            ("@scope/pkg".into(), Some("^1".into()), "sub".into())
        );
        assert_eq!(
            p("@scope/pkg/a/b"),
            ("@scope/pkg".into(), None, "a/b".into())
        );
        assert_eq!(p("buffer/"), ("buffer".into(), None, "".into()));
        assert_eq!(parse("ms@2").unwrap().install_specifier(), "ms@2");
        assert!(parse("@scope").is_err());
        assert!(parse("ms@").is_err());
        assert!(parse("x/../y").is_err());
        assert!(parse(".bin").is_err());
    }
}
