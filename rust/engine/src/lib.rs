//! V8 isolates for hoody-exec, driven through the C interface of the
//! `libmini_racer` library that the `mini-racer` wheel ships.
//!
//! The rest of hoody-exec sees only `backend::{JsEngine, JsIsolate}`.

pub mod backend;
pub mod engine;
pub mod error;
pub mod ffi;
pub mod hostops;
mod isolate;
mod mailbox;
pub mod pool;
mod registry;
pub mod runtime;
pub mod sources;
pub mod stackmap;
mod supervisor;
pub mod threads;
pub mod value;

pub use backend::{Done, HostHandler, IsolateConfig, JsEngine, JsIsolate};
pub use engine::MiniRacerEngine;
pub use error::{EngineError, Failure, JsError};
pub use isolate::FAULT_OP;
pub use pool::IsolatePool;
pub use value::{HostMessage, Payload, Primitive};
