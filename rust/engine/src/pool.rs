//! Pre-created, never-used isolates for serverless mode: background threads keep
//! `size` of them ready (with the prelude evaluated), so taking one is a pop.
//!
//! A pool may also be *primed* for one script: its prelude then ends with that
//! script's bundle, so its isolates have run the module code (imports, packages)
//! before a request takes one. Its size follows the script's request rate
//! (`resize`); the Python runtime decides it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam_channel::bounded;
use parking_lot::{Condvar, Mutex};

use crate::backend::{IsolateConfig, JsEngine, JsIsolate};
use crate::error::EngineError;

/// A script evaluated in every pooled isolate before it is handed out.
#[derive(Debug, Clone)]
pub struct PreludeScript {
    pub code: String,
    pub filename: String,
    pub source_map: Option<String>,
}

struct Ready {
    isolates: VecDeque<Arc<dyn JsIsolate>>,
    /// Creations in progress (counted so several fillers do not overshoot).
    creating: usize,
}

struct Shared {
    engine: Arc<dyn JsEngine>,
    config: IsolateConfig,
    prelude: Vec<PreludeScript>,
    size: AtomicUsize,
    ready: Mutex<Ready>,
    wake: Condvar,
    closed: AtomicBool,
    last_error: Mutex<Option<String>>,
}

pub struct IsolatePool {
    shared: Arc<Shared>,
    fillers: Vec<JoinHandle<()>>,
}

impl IsolatePool {
    pub fn new(
        engine: Arc<dyn JsEngine>,
        size: usize,
        config: IsolateConfig,
        prelude: Vec<PreludeScript>,
    ) -> Self {
        Self::with_fillers(engine, size, config, prelude, 1)
    }

    /// A pool refilled by `fillers` threads (at least one).
    pub fn with_fillers(
        engine: Arc<dyn JsEngine>,
        size: usize,
        config: IsolateConfig,
        prelude: Vec<PreludeScript>,
        fillers: usize,
    ) -> Self {
        let shared = Arc::new(Shared {
            engine,
            config,
            prelude,
            size: AtomicUsize::new(size),
            ready: Mutex::new(Ready {
                isolates: VecDeque::with_capacity(size),
                creating: 0,
            }),
            wake: Condvar::new(),
            closed: AtomicBool::new(false),
            last_error: Mutex::new(None),
        });
        let fillers = (0..fillers.max(1))
            .map(|_| {
                let s = shared.clone();
                // NOTE: engine threads, so the isolates they create may be freed safely.
                crate::threads::spawn("hoody-pool", move || s.fill())
                    .expect("spawn the pool thread")
            })
            .collect();
        Self { shared, fillers }
    }

    /// A ready isolate, or one created now if the pool ran dry.
    pub fn take(&self) -> Result<Arc<dyn JsIsolate>, EngineError> {
        match self.try_take() {
            Some(isolate) => Ok(isolate),
            None => self.shared.create(),
        }
    }

    /// A ready isolate if there is one; never creates (never blocks for long).
    pub fn try_take(&self) -> Option<Arc<dyn JsIsolate>> {
        let mut ready = self.shared.ready.lock();
        while let Some(isolate) = ready.isolates.pop_front() {
            if isolate.is_alive() {
                drop(ready);
                self.shared.wake.notify_one();
                return Some(isolate);
            }
        }
        None
    }

    pub fn ready(&self) -> usize {
        self.shared.ready.lock().isolates.len()
    }

    pub fn size(&self) -> usize {
        self.shared.size.load(Ordering::Acquire)
    }

    /// Keeps `size` isolates ready from now on; ready ones beyond it are freed.
    pub fn resize(&self, size: usize) {
        self.shared.size.store(size, Ordering::Release);
        let extra: Vec<_> = {
            let mut ready = self.shared.ready.lock();
            let keep = size.min(ready.isolates.len());
            ready.isolates.drain(keep..).collect()
        };
        for isolate in extra {
            isolate.terminate();
        }
        self.shared.wake.notify_all();
    }

    pub fn last_error(&self) -> Option<String> {
        self.shared.last_error.lock().clone()
    }

    /// Stops the fillers and frees the isolates they hold. NOTE: it does not wait
    /// for a filler in the middle of a creation (a primed script's module code may
    /// take a while, and the event loop calls this): that one frees its isolate
    /// and exits when the creation is done.
    pub fn close(&mut self) {
        self.shared.closed.store(true, Ordering::Release);
        self.shared.wake.notify_all();
        self.fillers.clear();
        for isolate in self.shared.ready.lock().isolates.drain(..) {
            isolate.terminate();
        }
    }
}

impl Drop for IsolatePool {
    fn drop(&mut self) {
        self.close();
    }
}

impl Shared {
    fn fill(&self) {
        loop {
            {
                let mut ready = self.ready.lock();
                while ready.isolates.len() + ready.creating >= self.size.load(Ordering::Acquire)
                    && !self.closed.load(Ordering::Acquire)
                {
                    self.wake.wait(&mut ready);
                }
                ready.creating += 1;
            }
            if self.closed.load(Ordering::Acquire) {
                return;
            }
            let created = self.create();
            let mut ready = self.ready.lock();
            ready.creating -= 1;
            match created {
                Ok(isolate) if self.closed.load(Ordering::Acquire) => {
                    drop(ready);
                    isolate.terminate();
                    return;
                }
                Ok(isolate) => ready.isolates.push_back(isolate),
                Err(e) => {
                    drop(ready);
                    *self.last_error.lock() = Some(e.to_string());
                    // NOTE: do not spin on a persistent failure (e.g. a broken prelude).
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
            }
        }
    }

    fn create(&self) -> Result<Arc<dyn JsIsolate>, EngineError> {
        let isolate = self.engine.create_isolate(&self.config)?;
        // NOTE: the pump thread runs tasks in order, so every script is posted at
        // once and the answers are read afterwards: one wait, not one per script.
        let answers: Vec<_> = self
            .prelude
            .iter()
            .map(|script| {
                let (tx, rx) = bounded(1);
                isolate.eval(
                    &script.code,
                    &script.filename,
                    script.source_map.as_deref(),
                    Box::new(move |r| drop(tx.send(r))),
                );
                rx
            })
            .collect();
        for (script, rx) in self.prelude.iter().zip(answers) {
            match rx.recv() {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    isolate.terminate();
                    return Err(EngineError::Create(format!(
                        "prelude {} failed: {e}",
                        script.filename
                    )));
                }
                Err(_) => return Err(EngineError::Dead),
            }
        }
        Ok(isolate)
    }
}
