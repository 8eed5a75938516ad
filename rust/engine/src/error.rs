//! Errors of the engine: starting V8, and the ways a call can fail.

use std::fmt;

/// V8 could not be started or an isolate could not be created.
#[derive(Debug, Clone, thiserror::Error)]
pub enum EngineError {
    #[error("{0}")]
    Library(String),
    #[error(
        "libmini_racer reports V8 {found}, but hoody-exec was built for V8 {expected}: \
         install the pinned wheel with `pip install mini-racer==0.14.1`"
    )]
    Version { found: String, expected: String },
    #[error("could not create a V8 isolate: {0}")]
    Create(String),
    #[error("the isolate is no longer running (terminated, out of memory or closed)")]
    Dead,
    #[error("engine threading rule broken: {0}")]
    Threading(String),
}

/// An error thrown by JavaScript, with positions mapped to the original source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JsError {
    pub name: String,
    pub message: String,
    pub stack: String,
    pub filename: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

impl fmt::Display for JsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.message)?;
        if let (Some(file), Some(line), Some(col)) = (&self.filename, self.line, self.column) {
            write!(f, " ({file}:{line}:{col})")?;
        }
        Ok(())
    }
}

/// Why an evaluation or a call did not produce a value.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Failure {
    #[error("{0}")]
    Js(JsError),
    #[error("JavaScript execution was terminated")]
    Terminated,
    #[error("the isolate exceeded its memory limit of {limit} bytes (heap in use: {used} bytes)")]
    MemoryLimit { limit: usize, used: usize },
    #[error("the request used more than {limit_ms} ms of CPU time (used {used_ms} ms)")]
    CpuLimit { limit_ms: u64, used_ms: u64 },
    #[error("{0}")]
    Engine(#[from] EngineError),
}
