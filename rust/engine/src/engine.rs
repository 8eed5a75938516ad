//! `JsEngine` over libmini_racer.

use std::path::Path;
use std::sync::Arc;

use crate::backend::{IsolateConfig, JsEngine, JsIsolate};
use crate::error::EngineError;
use crate::ffi::MiniRacerApi;
use crate::isolate::MrIsolate;

pub struct MiniRacerEngine {
    api: &'static MiniRacerApi,
}

impl MiniRacerEngine {
    /// Starts V8 from the library in `dir` (see `runtime::start`).
    pub fn start(dir: Option<&Path>) -> Result<Self, EngineError> {
        Ok(Self {
            api: crate::runtime::start(dir)?,
        })
    }

    /// Contexts libmini_racer still holds (for leak checks).
    pub fn context_count(&self) -> usize {
        // SAFETY: a counter read.
        unsafe { (self.api.context_count)() }
    }
}

impl JsEngine for MiniRacerEngine {
    fn version(&self) -> String {
        self.api.version()
    }

    /// NOTE: created on an engine thread (the caller if it is one): see threads.rs.
    fn create_isolate(&self, config: &IsolateConfig) -> Result<Arc<dyn JsIsolate>, EngineError> {
        let api = self.api;
        let config = config.clone();
        crate::threads::on_engine(move || {
            Ok(Arc::new(MrIsolate::create(api, &config)?) as Arc<dyn JsIsolate>)
        })
    }

    fn live_isolates(&self) -> usize {
        crate::supervisor::live_isolates()
    }
}
