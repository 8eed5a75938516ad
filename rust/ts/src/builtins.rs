//! Node.js built-in modules. Isolates are not Node: a built-in with a
//! maintained browser equivalent on the npm registry is bundled from that
//! package (installed into `node_modules` like any other); the rest fail at
//! bundle time.

/// Every built-in (without `node:`) → the installer specifier of its browser
/// equivalent, or `None` when it is not available in isolates. Sorted by name.
///
/// A bare specifier whose first segment is one of these names (`path`,
/// `fs/promises`) means the built-in, as it does in Node and in bundlers; only
/// a trailing slash (`buffer/`, `punycode/`) asks for the npm package itself.
pub const NODE_BUILTINS: &[(&str, Option<&str>)] = &[
    ("assert", Some("assert@^2")),
    ("assert/strict", None),
    ("async_hooks", None),
    ("buffer", Some("buffer@^6")),
    ("child_process", None),
    ("cluster", None),
    ("console", None),
    ("constants", None),
    ("crypto", None),
    ("dgram", None),
    ("diagnostics_channel", None),
    ("dns", None),
    ("dns/promises", None),
    ("domain", None),
    ("events", Some("events@^3")),
    ("fs", None),
    ("fs/promises", None),
    ("http", None),
    ("http2", None),
    ("https", None),
    ("inspector", None),
    ("module", None),
    ("net", None),
    ("os", None),
    ("path", Some("path-browserify@^1")),
    // path-browserify is the POSIX implementation.
    ("path/posix", Some("path-browserify@^1")),
    ("path/win32", None),
    ("perf_hooks", None),
    ("process", Some("process@^0.11")),
    ("punycode", Some("punycode@^2")),
    ("querystring", Some("querystring-es3@^0.2")),
    ("readline", None),
    ("readline/promises", None),
    ("repl", None),
    ("stream", Some("stream-browserify@^3")),
    ("stream/consumers", None),
    ("stream/promises", None),
    ("stream/web", None),
    ("string_decoder", Some("string_decoder@^1")),
    // `sys` is the deprecated alias of `util`.
    ("sys", Some("util@^0.12")),
    ("timers", None),
    ("timers/promises", None),
    ("tls", None),
    ("trace_events", None),
    ("tty", None),
    ("url", Some("url@^0.11")),
    ("util", Some("util@^0.12")),
    ("util/types", None),
    ("v8", None),
    ("vm", None),
    ("wasi", None),
    ("worker_threads", None),
    ("zlib", None),
];

/// What a built-in specifier stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Builtin {
    /// Bundled from this npm package: (installer specifier, package name).
    Package {
        specifier: &'static str,
        name: &'static str,
    },
    /// Not available in isolates (or not a Node built-in at all, for `node:x`).
    Unavailable,
}

/// The built-in `name` (without `node:`), if it is one.
pub(crate) fn lookup(name: &str) -> Option<Builtin> {
    let i = NODE_BUILTINS.binary_search_by(|(n, _)| n.cmp(&name)).ok()?;
    Some(match NODE_BUILTINS[i].1 {
        Some(specifier) => Builtin::Package {
            specifier,
            name: package_name(specifier),
        },
        None => Builtin::Unavailable,
    })
}

/// Is `specifier` (no `node:` prefix) a built-in when imported bare? Its first
/// segment must be a built-in name: `fs`, `fs/promises`, `path`, but not
/// `buffer/` (the npm package, by convention) nor `events-x`.
pub(crate) fn is_bare_builtin(specifier: &str) -> bool {
    if specifier.ends_with('/') {
        return false;
    }
    let first = specifier.split('/').next().unwrap_or("");
    NODE_BUILTINS.iter().any(|(n, _)| *n == first)
}

/// `"path-browserify@^1"` → `"path-browserify"` (no scoped names in the table).
fn package_name(specifier: &str) -> &str {
    specifier.split_once('@').map_or(specifier, |(n, _)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_for_binary_search() {
        assert!(NODE_BUILTINS.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn lookups() {
        assert_eq!(
            lookup("path"),
            Some(Builtin::Package {
                specifier: "path-browserify@^1",
                name: "path-browserify"
            })
        );
        assert_eq!(lookup("fs"), Some(Builtin::Unavailable));
        assert_eq!(lookup("zod"), None);
        assert!(is_bare_builtin("fs/promises"));
        assert!(is_bare_builtin("buffer"));
        assert!(!is_bare_builtin("buffer/"));
        assert!(!is_bare_builtin("zod"));
    }
}
