//! Python bindings of the V8 engine: `Isolate`, `IsolatePool`, and the reactor
//! that delivers completions to asyncio.

mod isolate;
mod pool;
mod reactor;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use pyo3::prelude::*;

use hoody_engine::{JsEngine, MiniRacerEngine};

use crate::errors;

static ENGINE: OnceLock<Arc<MiniRacerEngine>> = OnceLock::new();

/// The process's engine, started on first use: V8 must start after the server
/// forked its workers, so nothing starts it at import time.
pub(crate) fn engine(py: Python<'_>) -> PyResult<Arc<MiniRacerEngine>> {
    if let Some(e) = ENGINE.get() {
        return Ok(e.clone());
    }
    let dir = match std::env::var_os("HOODY_MINI_RACER_DIR") {
        Some(d) => PathBuf::from(d),
        None => {
            let spec = py
                .import("importlib.util")?
                .call_method1("find_spec", ("py_mini_racer",))?;
            if spec.is_none() {
                return Err(errors::engine_message(
                    py,
                    "the mini-racer wheel is not installed: pip install mini-racer==0.14.1".into(),
                ));
            }
            let locations = spec.getattr("submodule_search_locations")?;
            PathBuf::from(locations.get_item(0)?.extract::<String>()?)
        }
    };
    let started = py
        .detach(|| MiniRacerEngine::start(Some(&dir)))
        .map_err(|e| errors::engine_error(&e))?;
    let _ = ENGINE.set(Arc::new(started));
    Ok(ENGINE.get().expect("set above").clone())
}

/// Starts V8 if needed and returns its version.
#[pyfunction]
fn v8_version(py: Python<'_>) -> PyResult<String> {
    Ok(engine(py)?.version())
}

/// Live isolates in this process (created and not yet freed).
#[pyfunction]
fn context_count(py: Python<'_>) -> PyResult<usize> {
    Ok(engine(py)?.live_isolates())
}

pub fn init_pymodule(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(v8_version, m)?)?;
    m.add_function(wrap_pyfunction!(context_count, m)?)?;
    m.add_class::<isolate::Isolate>()?;
    m.add_class::<pool::IsolatePool>()?;
    m.add_class::<reactor::Reactor>()?;
    Ok(())
}
