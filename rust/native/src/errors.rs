//! The exception tree, rooted at `HoodyExecError`, and the one place native
//! failures become Python exceptions.

use pyo3::exceptions::{PyException, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

use hoody_engine::{EngineError, Failure, JsError};

pyo3::create_exception!(
    hoody_exec,
    HoodyExecError,
    PyException,
    "Root of every error the native core raises."
);

/// Exception classes with two bases (ours and a builtin one), made with `type()`
/// because `create_exception!` takes one base.
struct TwoBaseErrors {
    transpile: Py<PyType>,
    bundle: Py<PyType>,
    engine: Py<PyType>,
}

static TWO_BASE: PyOnceLock<TwoBaseErrors> = PyOnceLock::new();

fn two_base(py: Python<'_>) -> &TwoBaseErrors {
    TWO_BASE.get_or_init(py, || {
        let make = |name: &str, std: Bound<'_, PyType>, doc: &str| -> Py<PyType> {
            let dict = PyDict::new(py);
            dict.set_item("__module__", "hoody_exec").expect("dict");
            dict.set_item("__doc__", doc).expect("dict");
            let bases = PyTuple::new(
                py,
                [py.get_type::<HoodyExecError>().into_any(), std.into_any()],
            )
            .expect("tuple");
            py.get_type::<PyType>()
                .call1((name, bases, dict))
                .and_then(|t| Ok(t.cast_into::<PyType>()?))
                .expect("type() builds an exception class")
                .unbind()
        };
        TwoBaseErrors {
            transpile: make(
                "TranspileError",
                py.get_type::<PyValueError>(),
                "Syntax errors in one file.",
            ),
            bundle: make(
                "BundleError",
                py.get_type::<PyValueError>(),
                "An import could not be resolved or read.",
            ),
            engine: make(
                "EngineError",
                py.get_type::<PyRuntimeError>(),
                "V8 could not be started or an isolate could not be created.",
            ),
        }
    })
}

/// `TranspileError` (a `HoodyExecError` and a `ValueError`).
pub fn transpile_error_type(py: Python<'_>) -> Bound<'_, PyType> {
    two_base(py).transpile.bind(py).clone()
}

/// `BundleError` (a `HoodyExecError` and a `ValueError`).
pub fn bundle_error_type(py: Python<'_>) -> Bound<'_, PyType> {
    two_base(py).bundle.bind(py).clone()
}

/// `EngineError` (a `HoodyExecError` and a `RuntimeError`).
pub fn engine_error_type(py: Python<'_>) -> Bound<'_, PyType> {
    two_base(py).engine.bind(py).clone()
}
pyo3::create_exception!(
    hoody_exec,
    JsError_,
    HoodyExecError,
    "JavaScript threw; positions are mapped through the source map."
);
pyo3::create_exception!(
    hoody_exec,
    IsolateTerminated,
    HoodyExecError,
    "The isolate was terminated while the operation ran."
);
pyo3::create_exception!(
    hoody_exec,
    MemoryLimitExceeded,
    HoodyExecError,
    "The isolate went over its memory cap."
);

pyo3::create_exception!(
    hoody_exec,
    CpuLimitExceeded,
    HoodyExecError,
    "The call used more CPU time than the isolate's limit."
);

pub fn init_pymodule(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let root = py.get_type::<HoodyExecError>();
    m.add("TranspileError", transpile_error_type(py))?;
    m.add("BundleError", bundle_error_type(py))?;
    m.add("EngineError", engine_error_type(py))?;
    let js = py.get_type::<JsError_>();
    js.setattr("__name__", "JsError")?;
    js.setattr("__qualname__", "JsError")?;
    m.add("JsError", js)?;
    m.add("HoodyExecError", root)?;
    m.add("IsolateTerminated", py.get_type::<IsolateTerminated>())?;
    m.add("MemoryLimitExceeded", py.get_type::<MemoryLimitExceeded>())?;
    m.add("CpuLimitExceeded", py.get_type::<CpuLimitExceeded>())?;
    Ok(())
}

/// Builds an exception of `cls` with `message` and attributes.
pub fn with_attrs<'py>(
    cls: Bound<'py, pyo3::types::PyType>,
    message: String,
    attrs: Vec<(&str, Bound<'py, PyAny>)>,
) -> PyErr {
    match cls.call1((message.clone(),)) {
        Ok(exc) => {
            for (k, v) in attrs {
                let _ = exc.setattr(k, v);
            }
            PyErr::from_value(exc)
        }
        Err(e) => e,
    }
}

pub fn engine_error(e: &EngineError) -> PyErr {
    Python::attach(|py| engine_message(py, e.to_string()))
}

pub fn engine_message(py: Python<'_>, message: String) -> PyErr {
    with_attrs(engine_error_type(py), message, Vec::new())
}

pub fn js_error(py: Python<'_>, e: &JsError) -> PyErr {
    let opt = |v: Option<u32>| -> Bound<'_, PyAny> {
        v.into_pyobject(py)
            .map(|b| b.into_any())
            .unwrap_or_else(|_| py.None().into_bound(py))
    };
    let text = |s: &str| s.into_pyobject(py).expect("str").into_any();
    let filename = match &e.filename {
        Some(f) => text(f),
        None => py.None().into_bound(py),
    };
    with_attrs(
        py.get_type::<JsError_>(),
        e.to_string(),
        vec![
            ("name", text(&e.name)),
            ("message", text(&e.message)),
            ("stack", text(&e.stack)),
            ("filename", filename),
            ("line", opt(e.line)),
            ("column", opt(e.column)),
        ],
    )
}

pub fn failure(py: Python<'_>, f: &Failure) -> PyErr {
    match f {
        Failure::Js(e) => js_error(py, e),
        Failure::Terminated => IsolateTerminated::new_err(f.to_string()),
        Failure::MemoryLimit { limit, used } => with_attrs(
            py.get_type::<MemoryLimitExceeded>(),
            f.to_string(),
            vec![
                ("limit", limit.into_pyobject(py).expect("int").into_any()),
                ("used", used.into_pyobject(py).expect("int").into_any()),
            ],
        ),
        Failure::CpuLimit { limit_ms, used_ms } => with_attrs(
            py.get_type::<CpuLimitExceeded>(),
            f.to_string(),
            vec![
                (
                    "limit_ms",
                    limit_ms.into_pyobject(py).expect("int").into_any(),
                ),
                (
                    "used_ms",
                    used_ms.into_pyobject(py).expect("int").into_any(),
                ),
            ],
        ),
        Failure::Engine(e) => engine_error(e),
    }
}
