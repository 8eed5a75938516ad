//! Syntax errors with positions a person can act on: 1-based line and column
//! (counted in characters) plus a Babel-like code frame.

use std::fmt;

/// One syntax error in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxIssue {
    pub filename: String,
    /// 1-based.
    pub line: usize,
    /// 1-based, counted in characters (not bytes, not UTF-16 units).
    pub column: usize,
    pub message: String,
    /// Up to two lines of context on each side, with a caret under the column.
    pub frame: String,
}

impl SyntaxIssue {
    /// Builds an issue at `line`/`column` (both 1-based) of `source`.
    pub fn at(filename: &str, source: &str, line: usize, column: usize, message: String) -> Self {
        SyntaxIssue {
            filename: filename.to_string(),
            line,
            column,
            message,
            frame: code_frame(source, line, column),
        }
    }
}

impl fmt::Display for SyntaxIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}\n{}",
            self.filename, self.line, self.column, self.message, self.frame
        )
    }
}

/// Every syntax error the parser reported for one file (recovered ones included),
/// sorted by position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranspileErrors {
    pub filename: String,
    /// Never empty.
    pub errors: Vec<SyntaxIssue>,
}

impl TranspileErrors {
    /// The first error: the one the exception attributes describe.
    pub fn first(&self) -> &SyntaxIssue {
        &self.errors[0]
    }
}

impl fmt::Display for TranspileErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.len();
        write!(
            f,
            "{} syntax error{} in {}",
            n,
            if n == 1 { "" } else { "s" },
            self.filename
        )?;
        for issue in &self.errors {
            write!(f, "\n\n{issue}")?;
        }
        Ok(())
    }
}

impl std::error::Error for TranspileErrors {}

/// Renders lines `line-2 ..= line+2` with a gutter and a caret, e.g.
///
/// ```text
///   1 | const a = 1;
/// > 2 | const b = ;
///     |           ^
///   3 | run(b);
/// ```
pub fn code_frame(source: &str, line: usize, column: usize) -> String {
    let lines: Vec<&str> = source.lines().collect();
    if lines.is_empty() || line == 0 {
        return String::new();
    }
    let line = line.min(lines.len());
    let first = line.saturating_sub(2).max(1);
    let last = (line + 2).min(lines.len());
    let width = last.to_string().len();
    let mut out = String::new();
    for n in first..=last {
        let text = lines[n - 1];
        let marker = if n == line { '>' } else { ' ' };
        out.push_str(&format!("{marker} {n:>width$} | {text}\n"));
        if n == line {
            // Keep tabs so the caret lines up with what a terminal shows.
            let pad: String = text
                .chars()
                .take(column.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&format!("  {:>width$} | {pad}^\n", ""));
        }
    }
    out.pop();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_has_context_and_caret() {
        let src = "a\nb\nconst x = ;\nd\ne\nf";
        let frame = code_frame(src, 3, 11);
        assert_eq!(
            frame,
            "  1 | a\n  2 | b\n> 3 | const x = ;\n    |           ^\n  4 | d\n  5 | e"
        );
    }
}
