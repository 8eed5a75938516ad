//! `transpile()` and the `Transpiled`/`SyntaxIssue` classes; swc runs with the
//! GIL released.

use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::errors;

/// One file transpiled to ESM JavaScript.
#[pyclass(frozen, module = "hoody_exec._native")]
pub struct Transpiled {
    inner: hoody_ts::Transpiled,
    map: std::sync::OnceLock<String>,
}

#[pymethods]
impl Transpiled {
    #[getter]
    fn code(&self) -> &str {
        &self.inner.code
    }

    /// Source map JSON (built on first access).
    #[getter]
    fn map(&self, py: Python<'_>) -> String {
        self.map
            .get_or_init(|| py.detach(|| self.inner.map()))
            .clone()
    }

    /// Specifiers in source order, without duplicates.
    #[getter]
    fn imports(&self) -> Vec<String> {
        self.inner.imports.clone()
    }

    fn __repr__(&self) -> String {
        format!(
            "Transpiled(code=<{} chars>, imports={:?})",
            self.inner.code.len(),
            self.inner.imports
        )
    }
}

/// One syntax error (`TranspileError.errors` holds all of them).
#[pyclass(frozen, get_all, module = "hoody_exec._native")]
pub struct SyntaxIssue {
    pub filename: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub frame: String,
}

#[pymethods]
impl SyntaxIssue {
    fn __repr__(&self) -> String {
        format!(
            "SyntaxIssue({}:{}:{}: {})",
            self.filename, self.line, self.column, self.message
        )
    }

    fn __str__(&self) -> String {
        format!(
            "{}:{}:{}: {}\n{}",
            self.filename, self.line, self.column, self.message, self.frame
        )
    }
}

impl From<&hoody_ts::SyntaxIssue> for SyntaxIssue {
    fn from(i: &hoody_ts::SyntaxIssue) -> Self {
        SyntaxIssue {
            filename: i.filename.clone(),
            line: i.line,
            column: i.column,
            message: i.message.clone(),
            frame: i.frame.clone(),
        }
    }
}

/// `TranspileError` with `filename`, `line`, `column` (1-based, of the first
/// error) and `errors` (every `SyntaxIssue`); the message lists all errors with
/// their code frames.
pub fn transpile_error_to_py(py: Python<'_>, e: &hoody_ts::TranspileErrors) -> PyErr {
    let first = e.first();
    let issues: Vec<SyntaxIssue> = e.errors.iter().map(SyntaxIssue::from).collect();
    let list = match PyList::new(py, issues) {
        Ok(list) => list.into_any(),
        Err(err) => return err,
    };
    let attrs = || -> PyResult<Vec<(&str, Bound<'_, PyAny>)>> {
        Ok(vec![
            ("filename", e.filename.clone().into_pyobject(py)?.into_any()),
            ("line", first.line.into_pyobject(py)?.into_any()),
            ("column", first.column.into_pyobject(py)?.into_any()),
            ("errors", list.clone()),
        ])
    };
    match attrs() {
        Ok(attrs) => errors::with_attrs(errors::transpile_error_type(py), e.to_string(), attrs),
        Err(err) => err,
    }
}

/// Transpiles TypeScript/TSX/JavaScript (dialect from the extension) to ESM.
#[pyfunction]
#[pyo3(signature = (source, filename = "script.ts".to_string()))]
fn transpile(py: Python<'_>, source: String, filename: String) -> PyResult<Transpiled> {
    match py.detach(|| hoody_ts::transpile(&source, &filename)) {
        Ok(inner) => Ok(Transpiled {
            inner,
            map: std::sync::OnceLock::new(),
        }),
        Err(e) => Err(transpile_error_to_py(py, &e)),
    }
}

pub fn init_pymodule(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Transpiled>()?;
    m.add_class::<SyntaxIssue>()?;
    m.add_function(wrap_pyfunction!(transpile, m)?)?;
    Ok(())
}
