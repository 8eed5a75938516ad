//! `Isolate`: one V8 isolate; async methods return asyncio futures settled by
//! the reactor of the loop they were called on.

use std::collections::HashMap;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use hoody_engine::{IsolateConfig, JsEngine, JsIsolate, Payload};

use super::reactor::{self, Completion, Outcome};
use crate::errors;

pub const DEFAULT_MEMORY_LIMIT: usize = 128 * 1024 * 1024;

/// An isolate configuration from the Python arguments (a CPU limit of 0 is none).
pub fn config(memory_limit: usize, cpu_limit_ms: Option<u64>) -> IsolateConfig {
    IsolateConfig {
        memory_limit,
        cpu_limit: cpu_limit_ms
            .filter(|ms| *ms > 0)
            .map(std::time::Duration::from_millis),
    }
}

#[pyclass(frozen, module = "hoody_exec._native")]
pub struct Isolate {
    pub(crate) inner: Arc<dyn JsIsolate>,
}

impl Isolate {
    pub(crate) fn wrap(inner: Arc<dyn JsIsolate>) -> Self {
        Self { inner }
    }

    fn future<'py>(py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, Arc<reactor::Core>)> {
        let (event_loop, core) = reactor::current(py)?;
        Ok((event_loop.call_method0("create_future")?, core))
    }
}

fn payload(value: &Bound<'_, PyAny>) -> PyResult<Payload> {
    if let Ok(b) = value.cast::<PyBytes>() {
        return Ok(Payload::Bytes(b.as_bytes().to_vec()));
    }
    Ok(Payload::Text(value.extract::<String>()?))
}

#[pymethods]
impl Isolate {
    #[new]
    #[pyo3(signature = (*, memory_limit = DEFAULT_MEMORY_LIMIT, cpu_limit_ms = None))]
    fn new(py: Python<'_>, memory_limit: usize, cpu_limit_ms: Option<u64>) -> PyResult<Self> {
        let engine = super::engine(py)?;
        let config = config(memory_limit, cpu_limit_ms);
        let inner = py
            .detach(|| engine.create_isolate(&config))
            .map_err(|e| errors::engine_error(&e))?;
        Ok(Self::wrap(inner))
    }

    #[getter]
    fn id(&self) -> u64 {
        self.inner.id()
    }

    #[getter]
    fn alive(&self) -> bool {
        self.inner.is_alive()
    }

    #[getter]
    fn memory_limit(&self) -> usize {
        self.inner.memory_limit()
    }

    #[getter]
    fn pending_calls(&self) -> usize {
        self.inner.pending_calls()
    }

    /// Host requests refused because no handler was set (a primed isolate's module
    /// code asked for one before any request).
    #[getter]
    fn unserved_requests(&self) -> u32 {
        self.inner.unserved_requests()
    }

    #[pyo3(signature = (code, filename = "<eval>", source_map = None))]
    fn eval<'py>(
        &self,
        py: Python<'py>,
        code: &str,
        filename: &str,
        source_map: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (future, core) = Self::future(py)?;
        let fut = future.clone().unbind();
        let inner = self.inner.clone();
        let done = Box::new(move |r| {
            core.push(Completion::Future {
                future: fut,
                outcome: Outcome::Value(r),
            })
        });
        py.detach(|| inner.eval(code, filename, source_map, done));
        Ok(future)
    }

    #[getter]
    fn cpu_time_ms(&self) -> Option<f64> {
        self.inner.cpu_time().map(|d| d.as_secs_f64() * 1000.0)
    }

    #[pyo3(signature = (payload, label = None))]
    fn call<'py>(
        &self,
        py: Python<'py>,
        payload: &str,
        label: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (future, core) = Self::future(py)?;
        let fut = future.clone().unbind();
        let inner = self.inner.clone();
        let done = Box::new(move |r| {
            core.push(Completion::Future {
                future: fut,
                outcome: Outcome::Payload(r),
            })
        });
        py.detach(|| inner.call(payload, label, done));
        Ok(future)
    }

    fn resolve(&self, py: Python<'_>, request_id: u32, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let value = payload(value)?;
        let inner = self.inner.clone();
        py.detach(|| inner.resolve(request_id, value));
        Ok(())
    }

    #[pyo3(signature = (request_id, message, name = "Error"))]
    fn reject(&self, py: Python<'_>, request_id: u32, message: &str, name: &str) {
        let inner = self.inner.clone();
        py.detach(|| inner.reject(request_id, name, message));
    }

    /// `handler(id, op, data: bytes)` runs on the calling loop for each host message.
    fn set_host_handler(&self, py: Python<'_>, handler: Option<Py<PyAny>>) -> PyResult<()> {
        match handler {
            None => self.inner.set_host_handler(None),
            Some(h) => {
                let (_, core) = reactor::current(py)?;
                let h = Arc::new(h);
                self.inner.set_host_handler(Some(Arc::new(move |message| {
                    core.push(Completion::Host {
                        handler: h.clone(),
                        message,
                    })
                })));
            }
        }
        Ok(())
    }

    fn terminate(&self) {
        self.inner.terminate();
    }

    fn close(&self) {
        self.inner.set_host_handler(None);
        self.inner.terminate();
    }

    fn heap_stats(&self, py: Python<'_>) -> PyResult<HashMap<String, f64>> {
        let inner = self.inner.clone();
        py.detach(|| inner.heap_stats())
            .map_err(|e| errors::engine_error(&e))
    }

    fn memory_limit_reached(&self) -> bool {
        self.inner.memory_limit_reached()
    }

    fn __repr__(&self) -> String {
        format!(
            "<Isolate id={} alive={} memory_limit={}>",
            self.inner.id(),
            self.inner.is_alive(),
            self.inner.memory_limit()
        )
    }
}
