//! Delivers completions from isolate threads to an asyncio loop without taking
//! the GIL on those threads: completions go into a queue and one byte into a
//! socket the loop watches (`add_reader`); the loop drains the queue in batches.

use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crossbeam_channel::{unbounded, Receiver, Sender};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyBytes;

use hoody_engine::{Failure, HostMessage, Payload, Primitive};

use crate::errors;

pub enum Outcome {
    Value(Result<Primitive, Failure>),
    Payload(Result<Payload, Failure>),
}

pub enum Completion {
    Future {
        future: Py<PyAny>,
        outcome: Outcome,
    },
    Host {
        handler: Arc<Py<PyAny>>,
        message: HostMessage,
    },
}

pub struct Core {
    tx: Sender<Completion>,
    rx: Receiver<Completion>,
    wake_tx: UnixStream,
    wake_rx: UnixStream,
    armed: AtomicBool,
}

impl Core {
    /// Queues a completion; wakes the loop unless a wake-up is already pending.
    pub fn push(&self, c: Completion) {
        let _ = self.tx.send(c);
        if !self.armed.swap(true, Ordering::AcqRel) {
            let _ = (&self.wake_tx).write(&[1]);
        }
    }
}

#[pyclass(frozen, module = "hoody_exec._native")]
pub struct Reactor {
    pub core: Arc<Core>,
}

#[pymethods]
impl Reactor {
    fn fileno(&self) -> i32 {
        self.core.wake_rx.as_raw_fd()
    }

    /// Runs on the loop when the socket is readable: settles every queued completion.
    fn drain(&self, py: Python<'_>) -> PyResult<()> {
        let core = &self.core;
        // NOTE: empty the socket *before* disarming: a push that lands after the
        // disarm must leave its byte in the socket, or the loop never wakes again.
        let mut sink = [0u8; 256];
        while matches!((&core.wake_rx).read(&mut sink), Ok(n) if n > 0) {}
        core.armed.store(false, Ordering::Release);
        while let Ok(c) = core.rx.try_recv() {
            match c {
                Completion::Future { future, outcome } => {
                    if let Err(e) = settle(py, future.bind(py), outcome) {
                        // NOTE: one bad completion must not strand the rest of the batch.
                        e.write_unraisable(py, Some(future.bind(py)));
                    }
                }
                Completion::Host { handler, message } => {
                    let data: Bound<'_, PyAny> = match message.data {
                        Payload::Text(t) => PyBytes::new(py, t.as_bytes()).into_any(),
                        Payload::Bytes(b) => PyBytes::new(py, &b).into_any(),
                    };
                    if let Err(e) = handler.bind(py).call1((message.id, message.op, data)) {
                        // NOTE: a failing host handler must not stop other completions.
                        e.write_unraisable(py, Some(handler.bind(py)));
                    }
                }
            }
        }
        Ok(())
    }
}

fn settle(py: Python<'_>, future: &Bound<'_, PyAny>, outcome: Outcome) -> PyResult<()> {
    if future.call_method0("done")?.is_truthy()? {
        return Ok(());
    }
    let result: Result<Bound<'_, PyAny>, PyErr> = match outcome {
        Outcome::Value(Ok(p)) => Ok(primitive(py, p)?),
        Outcome::Payload(Ok(Payload::Text(t))) => Ok(t.into_pyobject(py)?.into_any()),
        Outcome::Payload(Ok(Payload::Bytes(b))) => Ok(PyBytes::new(py, &b).into_any()),
        Outcome::Value(Err(f)) | Outcome::Payload(Err(f)) => Err(errors::failure(py, &f)),
    };
    match result {
        Ok(v) => future.call_method1("set_result", (v,))?,
        Err(e) => future.call_method1("set_exception", (e.into_value(py),))?,
    };
    Ok(())
}

fn primitive(py: Python<'_>, p: Primitive) -> PyResult<Bound<'_, PyAny>> {
    Ok(match p {
        Primitive::Undefined | Primitive::Null | Primitive::Other => py.None().into_bound(py),
        Primitive::Bool(b) => pyo3::types::PyBool::new(py, b).to_owned().into_any(),
        Primitive::Int(i) => i.into_pyobject(py)?.into_any(),
        Primitive::Double(d) => d.into_pyobject(py)?.into_any(),
        Primitive::Str(s) => s.into_pyobject(py)?.into_any(),
    })
}

static REACTORS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The running loop and its reactor (created and registered on first use).
pub fn current(py: Python<'_>) -> PyResult<(Bound<'_, PyAny>, Arc<Core>)> {
    let event_loop = py.import("asyncio")?.call_method0("get_running_loop")?;
    let table = REACTORS
        .get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            Ok(py
                .import("weakref")?
                .getattr("WeakKeyDictionary")?
                .call0()?
                .unbind())
        })?
        .bind(py);
    if let Some(r) = table
        .call_method1("get", (&event_loop,))?
        .extract::<Option<Py<Reactor>>>()?
    {
        let core = r.get().core.clone();
        return Ok((event_loop, core));
    }
    let (wake_tx, wake_rx) = UnixStream::pair()?;
    wake_tx.set_nonblocking(true)?;
    wake_rx.set_nonblocking(true)?;
    let (tx, rx) = unbounded();
    let core = Arc::new(Core {
        tx,
        rx,
        wake_tx,
        wake_rx,
        armed: AtomicBool::new(false),
    });
    let reactor = Bound::new(py, Reactor { core: core.clone() })?;
    event_loop.call_method1(
        "add_reader",
        (reactor.borrow().fileno(), reactor.getattr("drain")?),
    )?;
    table.set_item(&event_loop, &reactor)?;
    Ok((event_loop, core))
}
