//! `bundle()` and the `Bundle` class; swc and file reads run with the GIL
//! released.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors;
use crate::transpile::transpile_error_to_py;

/// An entry file and its imports as one classic script.
#[pyclass(frozen, get_all, module = "hoody_exec._native")]
pub struct Bundle {
    pub code: String,
    pub map: String,
    /// Module id of the entry.
    pub entry: String,
    /// `"body"` or `"module"`.
    pub style: String,
    pub modules: Vec<String>,
    /// (absolute path, sha256 hex) of every file read.
    pub inputs: Vec<(String, String)>,
    pub hash: String,
}

#[pymethods]
impl Bundle {
    fn __repr__(&self) -> String {
        format!(
            "Bundle(entry={:?}, style={:?}, modules={:?}, hash={:?})",
            self.entry, self.style, self.modules, self.hash
        )
    }
}

/// Syntax errors in any module raise `TranspileError` (its `filename` is the
/// module id); everything else raises `BundleError` with `filename` (the
/// importing file, relative to the root), `line`, `column`, `specifier` and
/// `missing_package` (the installer specifier when a package is not installed).
pub fn bundle_error_to_py(py: Python<'_>, e: &hoody_ts::BundleError) -> PyErr {
    if let hoody_ts::BundleError::Syntax(t) = e {
        return transpile_error_to_py(py, t);
    }
    let filename = match (e.filename(), e) {
        (Some(f), _) => Some(f.to_string()),
        (None, hoody_ts::BundleError::Io { path, .. })
        | (None, hoody_ts::BundleError::OutsideRoot { path, .. }) => {
            Some(path.display().to_string())
        }
        _ => None,
    };
    let (line, column) = match e.position() {
        Some((l, c)) => (Some(l), Some(c)),
        None => (None, None),
    };
    let attrs = || -> PyResult<Vec<(&str, Bound<'_, PyAny>)>> {
        Ok(vec![
            ("filename", filename.into_pyobject(py)?.into_any()),
            ("line", line.into_pyobject(py)?.into_any()),
            ("column", column.into_pyobject(py)?.into_any()),
            ("specifier", e.specifier().into_pyobject(py)?.into_any()),
            (
                "missing_package",
                e.missing_package().into_pyobject(py)?.into_any(),
            ),
        ])
    };
    match attrs() {
        Ok(attrs) => errors::with_attrs(errors::bundle_error_type(py), e.to_string(), attrs),
        Err(err) => err,
    }
}

/// Every Node built-in module name (without `node:`) → the installer specifier
/// of the npm package bundled in its place, or None when it is not available
/// in isolates.
#[pyfunction]
fn node_builtins(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let out = PyDict::new(py);
    for (name, package) in hoody_ts::NODE_BUILTINS {
        out.set_item(name, package)?;
    }
    Ok(out)
}

/// Bundles `entry` (relative to `root`) and everything it imports.
#[pyfunction]
#[pyo3(signature = (root, entry, *, injected = None, global_name = "__hoody_entry".to_string(), provided = Vec::new()))]
fn bundle(
    py: Python<'_>,
    root: PathBuf,
    entry: String,
    injected: Option<Vec<String>>,
    global_name: String,
    provided: Vec<String>,
) -> PyResult<Bundle> {
    let mut opts = hoody_ts::BundleOptions {
        global_name,
        provided,
        ..Default::default()
    };
    if let Some(injected) = injected {
        opts.injected = injected;
    }
    match py.detach(|| hoody_ts::bundle(&root, &entry, &opts)) {
        Ok(b) => Ok(Bundle {
            code: b.code,
            map: b.map,
            entry: b.entry,
            style: b.style.as_str().to_string(),
            modules: b.modules,
            inputs: b
                .inputs
                .into_iter()
                .map(|(p, h)| (p.display().to_string(), h))
                .collect(),
            hash: b.hash,
        }),
        Err(e) => Err(bundle_error_to_py(py, &e)),
    }
}

pub fn init_pymodule(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Bundle>()?;
    m.add_function(wrap_pyfunction!(bundle, m)?)?;
    m.add_function(wrap_pyfunction!(node_builtins, m)?)?;
    Ok(())
}
