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

/// `(name, tid, parent_tid, pkru)` of one engine thread.
type ThreadRow = (String, i32, i32, Option<u32>);

/// Every engine thread started so far, the V8 root first. Engine threads are the
/// only ones that create or free isolates.
#[pyfunction]
fn engine_threads(py: Python<'_>) -> PyResult<Vec<ThreadRow>> {
    engine(py)?;
    Ok(hoody_engine::threads::records()
        .into_iter()
        .map(|r| (r.name, r.tid, r.parent_tid, r.pkru))
        .collect())
}

/// `(has_pku, root_pkru, violation)`: whether the CPU has protection keys, the
/// PKRU V8 was initialised with, and why the engine refuses isolates (if it does).
#[pyfunction]
fn protection_keys(py: Python<'_>) -> PyResult<(bool, Option<u32>, Option<String>)> {
    engine(py)?;
    let root = hoody_engine::threads::root().and_then(|(_, pkru)| pkru);
    Ok((
        hoody_engine::threads::has_pku(),
        root,
        hoody_engine::threads::violation(),
    ))
}

/// Registers a script that isolates load on demand (`__hoody.host.source(name)`):
/// the lazy Web runtime's API families. Needs no running engine.
#[pyfunction]
fn register_source(py: Python<'_>, name: &str, code: &str) -> PyResult<()> {
    hoody_engine::sources::register(name, code).map_err(|m| errors::engine_message(py, m))
}

pub fn init_pymodule(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("FAULT_OP", hoody_engine::FAULT_OP)?;
    m.add_function(wrap_pyfunction!(engine_threads, m)?)?;
    m.add_function(wrap_pyfunction!(protection_keys, m)?)?;
    m.add_function(wrap_pyfunction!(v8_version, m)?)?;
    m.add_function(wrap_pyfunction!(context_count, m)?)?;
    m.add_function(wrap_pyfunction!(register_source, m)?)?;
    m.add_class::<isolate::Isolate>()?;
    m.add_class::<pool::IsolatePool>()?;
    m.add_class::<reactor::Reactor>()?;
    Ok(())
}
