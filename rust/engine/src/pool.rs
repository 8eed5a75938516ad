//! Pre-created, never-used isolates for serverless mode: a background thread keeps
//! `size` of them ready (with the prelude evaluated), so taking one is a pop.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
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

struct Shared {
    engine: Arc<dyn JsEngine>,
    config: IsolateConfig,
    prelude: Vec<PreludeScript>,
    size: usize,
    ready: Mutex<VecDeque<Arc<dyn JsIsolate>>>,
    wake: Condvar,
    closed: AtomicBool,
    last_error: Mutex<Option<String>>,
}

pub struct IsolatePool {
    shared: Arc<Shared>,
    filler: Option<JoinHandle<()>>,
}

impl IsolatePool {
    pub fn new(
        engine: Arc<dyn JsEngine>,
        size: usize,
        config: IsolateConfig,
        prelude: Vec<PreludeScript>,
    ) -> Self {
        let shared = Arc::new(Shared {
            engine,
            config,
            prelude,
            size,
            ready: Mutex::new(VecDeque::with_capacity(size)),
            wake: Condvar::new(),
            closed: AtomicBool::new(false),
            last_error: Mutex::new(None),
        });
        let s = shared.clone();
        // NOTE: an engine thread, so the isolates it creates may be freed safely.
        let filler =
            crate::threads::spawn("hoody-pool", move || s.fill()).expect("spawn the pool thread");
        Self {
            shared,
            filler: Some(filler),
        }
    }

    /// A ready isolate, or one created now if the pool ran dry.
    pub fn take(&self) -> Result<Arc<dyn JsIsolate>, EngineError> {
        let taken = self.shared.ready.lock().pop_front();
        self.shared.wake.notify_one();
        match taken {
            Some(isolate) if isolate.is_alive() => Ok(isolate),
            _ => self.shared.create(),
        }
    }

    /// A ready isolate if there is one; never creates (never blocks for long).
    pub fn try_take(&self) -> Option<Arc<dyn JsIsolate>> {
        let mut ready = self.shared.ready.lock();
        while let Some(isolate) = ready.pop_front() {
            if isolate.is_alive() {
                drop(ready);
                self.shared.wake.notify_one();
                return Some(isolate);
            }
        }
        None
    }

    pub fn ready(&self) -> usize {
        self.shared.ready.lock().len()
    }

    pub fn size(&self) -> usize {
        self.shared.size
    }

    pub fn last_error(&self) -> Option<String> {
        self.shared.last_error.lock().clone()
    }

    /// Stops the filler and frees the isolates it holds.
    pub fn close(&mut self) {
        self.shared.closed.store(true, Ordering::Release);
        self.shared.wake.notify_all();
        if let Some(t) = self.filler.take() {
            let _ = t.join();
        }
        for isolate in self.shared.ready.lock().drain(..) {
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
                while ready.len() >= self.size && !self.closed.load(Ordering::Acquire) {
                    self.wake.wait(&mut ready);
                }
            }
            if self.closed.load(Ordering::Acquire) {
                return;
            }
            match self.create() {
                Ok(isolate) => self.ready.lock().push_back(isolate),
                Err(e) => {
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
