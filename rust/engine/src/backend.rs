//! The seam between hoody-exec and a V8 binding. Everything above this module
//! (the Python bindings, the pool) talks to these traits only, so another binding
//! (rusty_v8, say) can replace libmini_racer without touching them.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{EngineError, Failure};
use crate::value::{HostMessage, Payload, Primitive};

/// Called exactly once with the outcome of an operation. It may run on the
/// isolate's own thread: it must be quick and must not wait for the isolate.
pub type Done<T> = Box<dyn FnOnce(Result<T, Failure>) + Send>;

/// Receives host messages; runs on the isolate's thread, same rules as `Done`.
pub type HostHandler = Arc<dyn Fn(HostMessage) + Send + Sync>;

#[derive(Debug, Clone)]
pub struct IsolateConfig {
    /// Hard cap on the V8 heap in bytes (checked after each garbage collection).
    pub memory_limit: usize,
    /// CPU time one call may use (and work left running after its answer may use
    /// without a pause); past it the isolate is ended. None: no limit.
    pub cpu_limit: Option<Duration>,
}

impl Default for IsolateConfig {
    fn default() -> Self {
        Self {
            memory_limit: 128 * 1024 * 1024,
            cpu_limit: None,
        }
    }
}

pub trait JsEngine: Send + Sync {
    fn version(&self) -> String;
    /// Creates an isolate with the engine bootstrap loaded. Blocks for about a
    /// millisecond: call it off the request path (the pool does).
    fn create_isolate(&self, config: &IsolateConfig) -> Result<Arc<dyn JsIsolate>, EngineError>;
    /// Isolates alive in this process.
    fn live_isolates(&self) -> usize;
}

pub trait JsIsolate: Send + Sync {
    fn id(&self) -> u64;
    fn is_alive(&self) -> bool;
    fn memory_limit(&self) -> usize;
    /// Runs a classic script; `filename` names it in stacks; `source_map` maps them.
    fn eval(&self, code: &str, filename: &str, source_map: Option<&str>, done: Done<Primitive>);
    /// `await __hoody.onCall(payload)`. `label` names the call in fault reports
    /// (work it leaves running after its answer is attributed to it).
    fn call(&self, payload: &str, label: Option<&str>, done: Done<Payload>);
    /// Answers a `__hoody.host.request`.
    fn resolve(&self, request_id: u32, value: Payload);
    fn reject(&self, request_id: u32, error_name: &str, message: &str);
    /// Posts that came while no handler was set are handed to the next one.
    fn set_host_handler(&self, handler: Option<HostHandler>);
    /// Host requests refused so far because no handler was set.
    fn unserved_requests(&self) -> u32;
    /// Stops JavaScript now; pending operations fail with `Failure::Terminated`;
    /// the isolate is freed in the background and is dead afterwards.
    fn terminate(&self);
    /// V8 heap statistics (blocks until the isolate is idle).
    fn heap_stats(&self) -> Result<HashMap<String, f64>, EngineError>;
    fn memory_limit_reached(&self) -> bool;
    /// Operations started and not finished (calls awaiting their result).
    fn pending_calls(&self) -> usize;
    /// CPU time the isolate's thread has used, where the platform tells.
    fn cpu_time(&self) -> Option<Duration>;
}
