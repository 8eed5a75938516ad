//! `IsolatePool`: pre-created isolates with the prelude already evaluated.

use pyo3::prelude::*;

use super::isolate::{config, Isolate, DEFAULT_MEMORY_LIMIT};
use crate::errors;
use hoody_engine::pool::PreludeScript;

#[pyclass(module = "hoody_exec._native")]
pub struct IsolatePool {
    pool: Option<hoody_engine::IsolatePool>,
}

#[pymethods]
impl IsolatePool {
    #[new]
    #[pyo3(signature = (size, *, memory_limit = DEFAULT_MEMORY_LIMIT, cpu_limit_ms = None, prelude = Vec::new(), program = None, fillers = 1))]
    fn new(
        py: Python<'_>,
        size: usize,
        memory_limit: usize,
        cpu_limit_ms: Option<u64>,
        prelude: Vec<(String, String)>,
        program: Option<(String, String, Option<String>)>,
        fillers: usize,
    ) -> PyResult<Self> {
        let engine = super::engine(py)?;
        let mut prelude: Vec<PreludeScript> = prelude
            .into_iter()
            .map(|(code, filename)| PreludeScript {
                code,
                filename,
                source_map: None,
            })
            .collect();
        if let Some((code, filename, source_map)) = program {
            prelude.push(PreludeScript {
                code,
                filename,
                source_map,
            });
        }
        let pool = hoody_engine::IsolatePool::with_fillers(
            engine,
            size,
            config(memory_limit, cpu_limit_ms),
            prelude,
            fillers,
        );
        Ok(Self { pool: Some(pool) })
    }

    /// A ready isolate; creates one now (off the GIL) if the pool ran dry.
    fn take(&self, py: Python<'_>) -> PyResult<Isolate> {
        let pool = self
            .pool
            .as_ref()
            .ok_or_else(|| errors::engine_message(py, "the pool is closed".into()))?;
        py.detach(|| pool.take())
            .map(Isolate::wrap)
            .map_err(|e| errors::engine_error(&e))
    }

    /// A ready isolate, or None when the pool is empty (never creates one, so it
    /// never blocks the caller; the server then creates one off the event loop).
    fn try_take(&self) -> Option<Isolate> {
        self.pool.as_ref()?.try_take().map(Isolate::wrap)
    }

    #[getter]
    fn ready(&self) -> usize {
        self.pool.as_ref().map_or(0, |p| p.ready())
    }

    #[getter]
    fn size(&self) -> usize {
        self.pool.as_ref().map_or(0, |p| p.size())
    }

    /// Keeps `size` isolates ready from now on (ready ones beyond it are freed).
    fn resize(&self, size: usize) {
        if let Some(p) = self.pool.as_ref() {
            p.resize(size);
        }
    }

    #[getter]
    fn last_error(&self) -> Option<String> {
        self.pool.as_ref().and_then(|p| p.last_error())
    }

    fn close(&mut self, py: Python<'_>) {
        if let Some(mut pool) = self.pool.take() {
            py.detach(move || pool.close());
        }
    }
}
