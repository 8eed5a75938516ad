//! Turns V8's error text into a `JsError` whose stack and position point into the
//! original sources, through the source maps registered with each evaluated file.

use std::collections::HashMap;
use std::sync::Arc;

use swc_sourcemap::SourceMap;

use crate::error::JsError;

/// Source maps by the `sourceURL` of the script they describe.
#[derive(Default)]
pub struct SourceMaps {
    maps: HashMap<String, Arc<SourceMap>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Position {
    file: String,
    line: u32,
    column: u32,
}

impl SourceMaps {
    pub fn insert(&mut self, filename: &str, json: &str) -> Result<(), String> {
        let map = SourceMap::from_slice(json.as_bytes())
            .map_err(|e| format!("invalid source map for {filename}: {e}"))?;
        self.maps.insert(filename.to_owned(), Arc::new(map));
        Ok(())
    }

    /// Maps a 1-based generated position; `None` when no map covers it.
    fn map(&self, pos: &Position) -> Option<Position> {
        let map = self.maps.get(&pos.file)?;
        let token = map.lookup_token(pos.line.checked_sub(1)?, pos.column.saturating_sub(1))?;
        // NOTE: a token found on an earlier generated line belongs to other code.
        if token.get_dst_line() != pos.line - 1 {
            return None;
        }
        Some(Position {
            file: token.get_source()?.to_string(),
            line: token.get_src_line() + 1,
            column: token.get_src_col() + 1,
        })
    }

    /// An error reported by JavaScript itself (`{name, message, stack}`).
    pub fn error_from_parts(&self, name: &str, message: &str, stack: &str) -> JsError {
        let (stack, first) = self.map_stack(stack);
        JsError {
            name: name.to_owned(),
            message: message.to_owned(),
            stack,
            filename: first.as_ref().map(|p| p.file.clone()),
            line: first.as_ref().map(|p| p.line),
            column: first.as_ref().map(|p| p.column),
        }
    }

    /// An exception as libmini_racer formats it:
    /// `file:LINE: Name: message\nsource line\n   ^^^\n\nstack`.
    pub fn error_from_exception_text(&self, text: &str) -> JsError {
        let mut lines = text.lines();
        let head = lines.next().unwrap_or_default();
        let (location, summary) = split_head(head);
        let (name, message) = split_summary(summary);
        let source_line = lines.next();
        let caret = lines.next().unwrap_or_default();
        let stack: String = text
            .split_once("\n\n")
            .map(|(_, s)| s.trim_end().to_owned())
            .unwrap_or_default();
        let mut err = self.error_from_parts(&name, &message, &stack);
        if err.filename.is_none() {
            if let Some((file, line)) = location.filter(|(file, _)| !is_runtime(file)) {
                let column = caret.find('^').map(|c| c as u32 + 1).unwrap_or(1);
                let pos = Position { file, line, column };
                let mapped = self.map(&pos).unwrap_or(pos);
                err.filename = Some(mapped.file);
                err.line = Some(mapped.line);
                err.column = Some(mapped.column);
            }
        }
        if err.stack.is_empty() {
            err.stack = format!("{name}: {message}");
            if let Some(src) = source_line {
                err.stack.push_str(&format!("\n    {}", src.trim()));
            }
        }
        err
    }

    /// Rewrites every `at … (file:line:col)` frame that a map covers; returns the
    /// first frame in mapped code (else the first frame outside the runtime's own
    /// `hoody:` files) as the error's position: an error the runtime raises for the
    /// user's call blames the user's line, never the prelude or the glue.
    fn map_stack(&self, stack: &str) -> (String, Option<Position>) {
        let mut out = Vec::new();
        let mut first_mapped = None;
        let mut first_any = None;
        for line in stack.lines() {
            let Some((prefix, pos, suffix)) = parse_frame(line) else {
                out.push(line.to_owned());
                continue;
            };
            match self.map(&pos) {
                Some(m) => {
                    out.push(format!(
                        "{prefix}{}:{}:{}{suffix}",
                        m.file, m.line, m.column
                    ));
                    first_mapped.get_or_insert(m);
                }
                None => {
                    out.push(line.to_owned());
                    if !is_runtime(&pos.file) {
                        first_any.get_or_insert(pos);
                    }
                }
            }
        }
        (out.join("\n"), first_mapped.or(first_any))
    }
}

/// The runtime's own sources (prelude, glue) are evaluated as `hoody:…` files.
fn is_runtime(file: &str) -> bool {
    file.starts_with("hoody:")
}

/// `file:12: Error: boom` → (Some((file, 12)), "Error: boom").
fn split_head(head: &str) -> (Option<(String, u32)>, &str) {
    let mut parts = head.splitn(3, ": ");
    let loc = parts.next().unwrap_or_default();
    if let Some((file, line)) = loc.rsplit_once(':') {
        if let Ok(line) = line.parse::<u32>() {
            let rest = &head[loc.len()..].trim_start_matches(": ");
            return (Some((file.to_owned(), line)), rest);
        }
    }
    (None, head)
}

/// `TypeError: x is not a function` → ("TypeError", "x is not a function").
fn split_summary(summary: &str) -> (String, String) {
    let summary = summary.strip_prefix("Uncaught ").unwrap_or(summary);
    if let Some((name, message)) = summary.split_once(": ") {
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return (name.to_owned(), message.to_owned());
        }
    }
    ("Error".to_owned(), summary.to_owned())
}

/// `    at f (file.ts:3:9)` → ("    at f (", file.ts:3:9, ")").
fn parse_frame(line: &str) -> Option<(String, Position, String)> {
    let trimmed = line.trim_start();
    if !trimmed.starts_with("at ") {
        return None;
    }
    let (start, end) = match (line.rfind('('), line.ends_with(')')) {
        (Some(open), true) => (open + 1, line.len() - 1),
        _ => (line.find("at ")? + 3, line.len()),
    };
    let loc = &line[start..end];
    let loc_clean = loc.strip_prefix("async ").unwrap_or(loc);
    let offset = loc.len() - loc_clean.len();
    let (rest, column) = loc_clean.rsplit_once(':')?;
    let (file, line_no) = rest.rsplit_once(':')?;
    let pos = Position {
        file: file.to_owned(),
        line: line_no.parse().ok()?,
        column: column.parse().ok()?,
    };
    Some((
        line[..start + offset].to_owned(),
        pos,
        line[end..].to_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtime_files_are_never_the_position() {
        let maps = SourceMaps::default();
        let e = maps.error_from_parts(
            "TypeError",
            "fetch failed: refused",
            "TypeError: fetch failed: refused\n    at wrap (hoody:webapi/prelude.js:3301:12)\n    \
             at async handler (user.js:4:15)",
        );
        assert_eq!(
            (e.filename.as_deref(), e.line, e.column),
            (Some("user.js"), Some(4), Some(15))
        );
        let only_runtime = maps.error_from_parts(
            "TypeError",
            "a script cannot return a function",
            "TypeError: x\n    at toResponse (hoody:runtime/dispatch.js:423:13)",
        );
        assert_eq!(only_runtime.filename, None);
        assert!(only_runtime
            .stack
            .contains("hoody:runtime/dispatch.js:423:13"));
        let text = maps
            .error_from_exception_text("hoody:webapi/prelude.js:12: TypeError: boom\nsrc\n  ^\n");
        assert_eq!(text.filename, None);
    }

    #[test]
    fn frames_are_parsed() {
        let (p, pos, s) = parse_frame("    at handler (bundle.js:3:17)").unwrap();
        assert_eq!(
            (p.as_str(), pos.line, pos.column, s.as_str()),
            ("    at handler (", 3, 17, ")")
        );
        let (_, pos, _) = parse_frame("    at bundle.js:10:2").unwrap();
        assert_eq!(
            (pos.file.as_str(), pos.line, pos.column),
            ("bundle.js", 10, 2)
        );
        assert!(parse_frame("Error: boom").is_none());
    }

    #[test]
    fn exception_text_without_map() {
        let maps = SourceMaps::default();
        let e = maps.error_from_exception_text(
            "x.js:2: ReferenceError: nope is not defined\nnope()\n^^^^\n\nReferenceError: nope is not defined\n    at x.js:2:1\n",
        );
        assert_eq!(e.name, "ReferenceError");
        assert_eq!(e.message, "nope is not defined");
        assert_eq!(
            (e.filename.as_deref(), e.line, e.column),
            (Some("x.js"), Some(2), Some(1))
        );
    }

    #[test]
    fn frames_map_through_a_source_map() {
        // generated line 1 col 0 ← source "a.ts" line 5 col 4 (VLQ "AAII")
        let map = r#"{"version":3,"sources":["a.ts"],"names":[],"mappings":"AAIA,IAAI"}"#;
        let mut maps = SourceMaps::default();
        maps.insert("bundle.js", map).unwrap();
        let e = maps.error_from_parts("Error", "boom", "Error: boom\n    at f (bundle.js:1:5)");
        assert_eq!(
            (e.filename.as_deref(), e.line, e.column),
            (Some("a.ts"), Some(5), Some(5))
        );
        assert!(e.stack.contains("at f (a.ts:5:5)"), "{}", e.stack);
    }
}
