//! One V8 isolate driven through libmini_racer: creation with the bootstrap,
//! evaluations, calls into `__hoody.onCall`, host messages through the mailbox,
//! termination and teardown.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crossbeam_channel::bounded;
use parking_lot::{Mutex, RwLock};

use crate::backend::{Done, HostHandler, IsolateConfig, JsIsolate};
use crate::error::{EngineError, Failure, JsError};
use crate::ffi::{kind, MiniRacerApi};
use crate::hostops::{self, OpError};
use crate::mailbox::*;
use crate::registry::{self, Entry, OwnedValue};
use crate::stackmap::SourceMaps;
use crate::supervisor;
use crate::threads;
use crate::value::{HostMessage, Payload, Primitive};

const BOOTSTRAP: &str = include_str!("bootstrap.js");

/// The op of the host message that reports an isolate ended with no call waiting
/// (data: JSON with `reason`, `label` and the limit).
pub const FAULT_OP: &str = "hoody.fault";

static FIRST_CONTEXT: Mutex<()> = Mutex::new(());
static FIRST_CONTEXT_MADE: AtomicBool = AtomicBool::new(false);

const ALIVE: u8 = 0;
const TERMINATED: u8 = 1;
const OUT_OF_MEMORY: u8 = 2;
const CPU_EXCEEDED: u8 = 3;

/// What the watchdog learnt from one look at an isolate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sample {
    /// A call is in flight or the isolate's thread used CPU since the last look.
    Hot,
    Cold,
    /// Dead: stop watching it.
    Gone,
}

/// A call awaiting its result.
struct Call {
    done: Done<Payload>,
    /// The isolate thread's CPU clock when the call started (ns).
    cpu_start: u64,
    label: Option<String>,
}

/// CPU the isolate's thread spends with no call in flight: timers, or work a
/// call left behind after its answer. Measured per burst (a look that finds the
/// thread mostly idle starts a new one), so slow background timers never add up.
struct Burst {
    base: u64,
    last: u64,
    looked: Instant,
    /// The last call that finished: work after the answer is attributed to it.
    label: Option<String>,
}

/// Handles the isolate keeps for its whole life.
struct Handles {
    dispatch: OwnedValue,
    settle: OwnedValue,
    argv: OwnedValue,
    mailbox: OwnedValue,
    _host_fn: OwnedValue,
}

/// A message being received in chunks.
struct Partial {
    kind: i32,
    id: u32,
    op: String,
    data: Vec<u8>,
}

pub struct Inner {
    api: &'static MiniRacerApi,
    pub(crate) ctx: u64,
    host_callback_id: u64,
    memory_limit: usize,
    state: AtomicU8,
    handles: RwLock<Option<Handles>>,
    partial: Mutex<Option<Partial>>,
    calls: Mutex<HashMap<u32, Call>>,
    next_call: AtomicU32,
    host_handler: RwLock<Option<HostHandler>>,
    /// Posts (log lines) that came while no handler was set: an isolate primed
    /// with a script's module code before any request. The next handler gets them.
    held: Mutex<Vec<HostMessage>>,
    /// Host requests refused because no handler was set (they cannot be served
    /// later): a primed isolate that made one is not used.
    unserved: AtomicU32,
    binary_replies: Mutex<HashMap<u32, (Vec<u8>, usize)>>,
    maps: RwLock<SourceMaps>,
    /// The CPU clock of the isolate's pump thread (learnt from the hello call).
    cpu_clock: OnceLock<libc::clockid_t>,
    /// A threading-rule violation seen on the pump thread.
    pump_fault: OnceLock<String>,
    cpu_limit_ns: Option<u64>,
    cpu_used_ns: AtomicU64,
    burst: Mutex<Burst>,
}

/// The public isolate: freed (in the background) when dropped.
pub struct MrIsolate {
    inner: Arc<Inner>,
}

impl MrIsolate {
    /// Must run on an engine thread: `Isolate::New` runs on the caller, and the
    /// pump thread it starts inherits the caller's protection keys.
    pub fn create(api: &'static MiniRacerApi, config: &IsolateConfig) -> Result<Self, EngineError> {
        threads::require_engine_thread("mr_init_context")?;
        // SAFETY (both calls): V8 is initialised (runtime::start) before the library
        // is handed out.
        let ctx = if FIRST_CONTEXT_MADE.load(Ordering::Acquire) {
            unsafe { (api.init_context)(registry::on_callback) }
        } else {
            // NOTE: V8 sets up its process-wide memory pools while the first context is
            // made; two filler threads doing that at once hit a fatal check
            // (`!IsConfigurablePoolInitialized()`), so creations wait for the first.
            let _first = FIRST_CONTEXT.lock();
            let ctx = unsafe { (api.init_context)(registry::on_callback) };
            if ctx != 0 {
                FIRST_CONTEXT_MADE.store(true, Ordering::Release);
            }
            ctx
        };
        if ctx == 0 {
            return Err(EngineError::Create(
                "mr_init_context returned no context".into(),
            ));
        }
        // SAFETY: plain setters on a live context.
        unsafe {
            (api.set_hard_memory_limit)(ctx, config.memory_limit);
            (api.set_soft_memory_limit)(ctx, config.memory_limit / 10 * 8);
        }
        let inner = Arc::new(Inner {
            api,
            ctx,
            host_callback_id: registry::next_id(),
            memory_limit: config.memory_limit,
            state: AtomicU8::new(ALIVE),
            handles: RwLock::new(None),
            partial: Mutex::new(None),
            calls: Mutex::new(HashMap::new()),
            next_call: AtomicU32::new(1),
            host_handler: RwLock::new(None),
            held: Mutex::new(Vec::new()),
            unserved: AtomicU32::new(0),
            binary_replies: Mutex::new(HashMap::new()),
            maps: RwLock::new(SourceMaps::default()),
            cpu_clock: OnceLock::new(),
            pump_fault: OnceLock::new(),
            cpu_limit_ns: config.cpu_limit.map(|d| d.as_nanos() as u64),
            cpu_used_ns: AtomicU64::new(0),
            burst: Mutex::new(Burst {
                base: 0,
                last: 0,
                looked: Instant::now(),
                label: None,
            }),
        });
        let isolate = MrIsolate { inner };
        isolate
            .inner
            .bootstrap()
            .map_err(|e| EngineError::Create(format!("the engine bootstrap failed: {e}")))?;
        supervisor::count_created();
        if let Some(why) = isolate.inner.pump_fault.get() {
            return Err(EngineError::Threading(why.clone()));
        }
        supervisor::watch(&isolate.inner);
        Ok(isolate)
    }
}

impl Drop for MrIsolate {
    fn drop(&mut self) {
        self.inner.kill(TERMINATED);
    }
}

impl Inner {
    fn alive(&self) -> bool {
        self.state.load(Ordering::Acquire) == ALIVE
    }

    fn wrap(&self, ptr: *mut crate::ffi::ValueHandle) -> OwnedValue {
        OwnedValue::new(self.api, self.ctx, ptr)
    }

    fn string_value(&self, text: &str) -> OwnedValue {
        // SAFETY: the bytes are copied by libmini_racer before it returns.
        let ptr = unsafe {
            (self.api.alloc_string_val)(
                self.ctx,
                text.as_ptr() as *const std::ffi::c_char,
                text.len() as u64,
                kind::STR_UTF8,
            )
        };
        self.wrap(ptr)
    }

    /// Posts an evaluation; `done` receives the raw result on the pump thread.
    fn post_eval(&self, code: &str, done: registry::TaskDone) {
        let code = self.string_value(code);
        let id = registry::next_id();
        let raw = code.raw();
        registry::register(
            id,
            Entry::Task {
                ctx: self.ctx,
                keep: vec![code],
                done,
            },
        );
        // SAFETY: live context and handle; the callback owns the result.
        let task = unsafe { (self.api.eval)(self.ctx, raw, id) };
        if task == 0 {
            self.abandon(id);
        }
    }

    /// Posts a call whose `this` is a value made for it (freed with the task).
    fn post_call(
        &self,
        func: *mut crate::ffi::ValueHandle,
        this: OwnedValue,
        argv: *mut crate::ffi::ValueHandle,
        done: registry::TaskDone,
    ) {
        let raw_this = this.raw();
        self.post_call_with(func, raw_this, argv, vec![this], done);
    }

    /// Posts a call; `keep` holds values that must live until it completes.
    fn post_call_with(
        &self,
        func: *mut crate::ffi::ValueHandle,
        this: *mut crate::ffi::ValueHandle,
        argv: *mut crate::ffi::ValueHandle,
        keep: Vec<OwnedValue>,
        done: registry::TaskDone,
    ) {
        let id = registry::next_id();
        registry::register(
            id,
            Entry::Task {
                ctx: self.ctx,
                keep,
                done,
            },
        );
        // SAFETY: live context and handles; the callback owns the result.
        let task = unsafe { (self.api.call_function)(self.ctx, func, this, argv, id) };
        if task == 0 {
            self.abandon(id);
        }
    }

    /// The context is gone: no callback will come, so answer the task ourselves.
    fn abandon(&self, id: u64) {
        if let Some(Entry::Task { done, keep, .. }) = registry::unregister(id) {
            drop(keep);
            let terminated = self.wrap(std::ptr::null_mut());
            done(terminated);
        }
    }

    /// Turns exception results into failures.
    fn check(&self, value: OwnedValue) -> Result<OwnedValue, Failure> {
        if value.raw().is_null() {
            return Err(self.death());
        }
        match value.kind() {
            kind::EXECUTE_EXCEPTION | kind::PARSE_EXCEPTION => {
                if self.memory_limit_hit() {
                    return Err(self.memory_failure());
                }
                let text = value.text();
                Err(Failure::Js(
                    self.maps.read().error_from_exception_text(&text),
                ))
            }
            kind::OOM_EXCEPTION => Err(self.memory_failure()),
            kind::TERMINATED => {
                if !self.alive() {
                    Err(self.death())
                } else if self.memory_limit_hit() {
                    Err(self.memory_failure())
                } else {
                    Err(Failure::Terminated)
                }
            }
            kind::VALUE_EXCEPTION | kind::KEY_EXCEPTION => {
                Err(Failure::Engine(EngineError::Create(value.text())))
            }
            _ => Ok(value),
        }
    }

    fn death(&self) -> Failure {
        match self.state.load(Ordering::Acquire) {
            OUT_OF_MEMORY => self.memory_failure(),
            CPU_EXCEEDED => Failure::CpuLimit {
                limit_ms: self.cpu_limit_ns.unwrap_or(0) / 1_000_000,
                used_ms: self.cpu_used_ns.load(Ordering::Acquire) / 1_000_000,
            },
            _ => Failure::Terminated,
        }
    }

    fn memory_limit_hit(&self) -> bool {
        // SAFETY: a flag read, safe on any thread.
        self.state.load(Ordering::Acquire) == OUT_OF_MEMORY
            || unsafe { (self.api.hard_memory_limit_reached)(self.ctx) }
    }

    fn memory_failure(&self) -> Failure {
        Failure::MemoryLimit {
            limit: self.memory_limit,
            used: self.memory_limit,
        }
    }

    /// Posts an evaluation and returns where its (checked) result will arrive.
    fn eval_later(&self, code: &str) -> crossbeam_channel::Receiver<OwnedValue> {
        let (tx, rx) = bounded(1);
        self.post_eval(code, Box::new(move |v| drop(tx.send(v))));
        rx
    }

    fn wait(&self, rx: crossbeam_channel::Receiver<OwnedValue>) -> Result<OwnedValue, Failure> {
        self.check(rx.recv().map_err(|_| Failure::Engine(EngineError::Dead))?)
    }

    /// Loads the bootstrap and keeps the handles the engine needs. NOTE: the pump
    /// thread runs tasks in order, so work is posted ahead and waited for only
    /// where a handle is needed: two waits instead of eight round trips.
    fn bootstrap(self: &Arc<Self>) -> Result<(), Failure> {
        registry::register(self.host_callback_id, Entry::Host(self.clone()));
        let code = BOOTSTRAP.replace("__MAILBOX_BYTES__", &MAILBOX_BYTES.to_string());
        let install = self.eval_later(&format!("{code}\n//# sourceURL=hoody:bootstrap"));
        let argv = self.eval_later("[]");
        // SAFETY: waits for the pump thread (after the two evaluations); we are not on it.
        let host_fn =
            self.wrap(unsafe { (self.api.make_js_callback)(self.ctx, self.host_callback_id) });
        let install = self.wait(install)?;
        let argv = self.wait(argv)?;
        // NOTE: the host function goes in as `this`, which saves the round trip of
        // pushing it into an argument array.
        let (tx, mailbox) = bounded(1);
        self.post_call_with(
            install.raw(),
            host_fn.raw(),
            argv.raw(),
            Vec::new(),
            Box::new(move |v| drop(tx.send(v))),
        );
        let dispatch = self.eval_later("__hoody_dispatch");
        let settle = self.eval_later("__hoody_settle");
        let cleanup = self
            .eval_later("delete globalThis.__hoody_dispatch; delete globalThis.__hoody_settle;");
        let mailbox = self.wait(mailbox)?;
        if mailbox.kind() != kind::SHARED_ARRAY_BUFFER || mailbox.handle().len != MAILBOX_BYTES {
            return Err(Failure::Engine(EngineError::Create(
                "the bootstrap returned no mailbox".into(),
            )));
        }
        let dispatch = self.wait(dispatch)?;
        let settle = self.wait(settle)?;
        self.wait(cleanup)?;
        *self.handles.write() = Some(Handles {
            dispatch,
            settle,
            argv,
            mailbox,
            _host_fn: host_fn,
        });
        Ok(())
    }

    /// Runs on the pump thread whenever JavaScript calls the host function.
    pub(crate) fn on_host_callback(&self) {
        let handles = self.handles.read();
        let Some(h) = handles.as_ref() else {
            return self.hello();
        };
        let mb = h.mailbox.handle();
        // SAFETY: JavaScript is paused inside this callback; the buffer is alive.
        let mailbox = unsafe { Mailbox::new(mb.bytes_ptr(), mb.len) };
        let kind = mailbox.word(H_KIND);
        match kind {
            // NOTE: an input larger than the mailbox (a 1 MB digest) arrives in several
            // chunks; the op runs on the last one, the earlier ones only accumulate.
            K_RANDOM | K_DIGEST | K_HMAC | K_IDNA => match self.receive_chunk(&mailbox) {
                Some((kind, _, alg, data)) => {
                    self.sync_op(&mailbox, kind, &alg, &data.into_bytes())
                }
                None => mailbox.reply(STATUS_OK, &[]),
            },
            K_TAKE => self.take_binary(&mailbox),
            K_SOURCE => source_op(&mailbox),
            K_POST | K_REQUEST | K_RESULT | K_ERROR => {
                drop(handles);
                if let Some(message) = self.receive_chunk(&mailbox) {
                    self.on_message(message);
                }
            }
            _ => mailbox.reply(
                STATUS_TYPE_ERROR,
                format!("unknown host message kind {kind}").as_bytes(),
            ),
        }
    }

    /// The bootstrap's first host call, on the pump thread: learns its CPU clock
    /// and checks that it runs with V8's protection keys.
    fn hello(&self) {
        let mut clock: libc::clockid_t = 0;
        // SAFETY: pthread_self is the calling (pump) thread; clock is written on success.
        if unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut clock) } == 0 {
            let _ = self.cpu_clock.set(clock);
        }
        if let Err(e) = threads::check_pkru("isolate pump thread", threads::read_pkru()) {
            let _ = self.pump_fault.set(e.to_string());
        }
    }

    /// CPU time of the pump thread in ns (None once it has ended).
    fn cpu_now(&self) -> Option<u64> {
        let clock = *self.cpu_clock.get()?;
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: a valid clock id of this process's thread; ts is written on success.
        if unsafe { libc::clock_gettime(clock, &mut ts) } != 0 {
            return None;
        }
        Some(ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64)
    }

    fn sync_op(&self, mailbox: &Mailbox, kind: i32, alg: &str, data: &[u8]) {
        let result = match kind {
            K_RANDOM => hostops::random_bytes(mailbox.word(H_EXTRA).max(0) as usize),
            K_DIGEST => hostops::digest(alg, data),
            K_IDNA => hostops::domain_to_ascii(data),
            _ => {
                let split = (mailbox.word(H_EXTRA).max(0) as usize).min(data.len());
                hostops::hmac(alg, &data[..split], &data[split..])
            }
        };
        match result {
            Ok(bytes) => mailbox.reply(STATUS_OK, &bytes),
            Err(OpError::Type(m)) => mailbox.reply(STATUS_TYPE_ERROR, m.as_bytes()),
            Err(OpError::Range(m)) => mailbox.reply(STATUS_RANGE_ERROR, m.as_bytes()),
        }
    }

    fn take_binary(&self, mailbox: &Mailbox) {
        let id = mailbox.word(H_EXTRA) as u32;
        let mut replies = self.binary_replies.lock();
        let Some((bytes, offset)) = replies.get_mut(&id) else {
            mailbox.set_word(H_EXTRA, 0);
            mailbox.reply(STATUS_OK, &[]);
            return;
        };
        let n = (bytes.len() - *offset).min(mailbox.body_capacity());
        mailbox.reply(STATUS_OK, &bytes[*offset..*offset + n]);
        *offset += n;
        let left = bytes.len() - *offset;
        mailbox.set_word(H_EXTRA, left as i32);
        if left == 0 {
            replies.remove(&id);
        }
    }

    fn receive_chunk(&self, mailbox: &Mailbox) -> Option<(i32, u32, String, Payload)> {
        let (op, data) = mailbox.message();
        let flags = mailbox.word(H_FLAGS);
        let mut partial = self.partial.lock();
        let current = partial.get_or_insert_with(|| Partial {
            kind: mailbox.word(H_KIND),
            id: mailbox.word(H_ID) as u32,
            op: String::from_utf8_lossy(op).into_owned(),
            data: Vec::new(),
        });
        current.data.extend_from_slice(data);
        if flags & F_MORE != 0 {
            return None;
        }
        let done = partial.take().expect("inserted above");
        let payload = Payload::from_wire(done.data, flags & F_BINARY != 0);
        Some((done.kind, done.id, done.op, payload))
    }

    fn on_message(&self, (kind, id, op, data): (i32, u32, String, Payload)) {
        match kind {
            K_RESULT => {
                if let Some(call) = self.finish_call(id) {
                    (call.done)(Ok(data));
                }
            }
            K_ERROR => {
                if let Some(call) = self.finish_call(id) {
                    (call.done)(Err(Failure::Js(self.js_error_from_json(&data))));
                }
            }
            _ => {
                let handler = self.host_handler.read().clone();
                match handler {
                    Some(handler) => handler(HostMessage { id, op, data }),
                    None if kind == K_REQUEST => {
                        self.unserved.fetch_add(1, Ordering::AcqRel);
                        self.reject_request(
                            id,
                            "Error",
                            &format!(
                                "no host handler for {op:?}: host requests are not served here"
                            ),
                        )
                    }
                    None => self.hold(HostMessage { id, op, data }),
                }
            }
        }
    }

    /// Keeps a post for the next handler; checked again under the lock, so a
    /// handler installed meanwhile gets it directly and in order.
    fn hold(&self, message: HostMessage) {
        let mut held = self.held.lock();
        if let Some(handler) = self.host_handler.read().clone() {
            drop(held);
            return handler(message);
        }
        if held.len() < MAX_HELD {
            held.push(message);
        }
    }

    /// Installs the handler and hands it the posts held so far.
    pub(crate) fn install_handler(&self, handler: Option<HostHandler>) {
        let mut held = self.held.lock();
        *self.host_handler.write() = handler.clone();
        if let Some(handler) = handler {
            for message in held.drain(..) {
                handler(message);
            }
        }
    }

    /// Removes a call that answered; the last one to leave starts a new burst.
    fn finish_call(&self, id: u32) -> Option<Call> {
        let mut calls = self.calls.lock();
        let call = calls.remove(&id)?;
        if calls.is_empty() {
            let now = self.cpu_now().unwrap_or(0);
            let mut burst = self.burst.lock();
            burst.base = now;
            burst.last = now;
            burst.looked = Instant::now();
            burst.label = call.label.clone();
        }
        Some(call)
    }

    fn js_error_from_json(&self, data: &Payload) -> JsError {
        let text = match data {
            Payload::Text(t) => t.as_str(),
            Payload::Bytes(_) => "{}",
        };
        let v: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
        let field = |k: &str| {
            v.get(k)
                .and_then(|x| x.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        self.maps
            .read()
            .error_from_parts(&field("name"), &field("message"), &field("stack"))
    }

    fn settle(&self, message: String) {
        let handles = self.handles.read();
        let Some(h) = handles.as_ref() else { return };
        if !self.alive() {
            return;
        }
        let this = self.string_value(&message);
        self.post_call(
            h.settle.raw(),
            this,
            h.argv.raw(),
            Box::new(drop::<OwnedValue>),
        );
    }

    fn reject_request(&self, id: u32, name: &str, message: &str) {
        let name: String = name.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        self.settle(format!("e{id}:{name}:{message}"));
    }

    /// Marks the isolate dead, fails what waits on it, and hands it to the reaper.
    pub(crate) fn kill(self: &Arc<Self>, why: u8) {
        if self
            .state
            .compare_exchange(ALIVE, why, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return;
        }
        let failure = self.death();
        let calls: Vec<_> = self.calls.lock().drain().map(|(_, c)| c.done).collect();
        for done in calls {
            done(Err(failure.clone()));
        }
        supervisor::reap(self.clone());
    }

    /// Ends an isolate that no call is waiting on, and tells its host why: the
    /// fault belongs to the call that left the work behind, not to the next one.
    fn kill_unattended(self: &Arc<Self>, why: u8, detail: serde_json::Value) {
        let label = self.burst.lock().label.clone();
        let handler = self.host_handler.read().clone();
        self.kill(why);
        if let Some(handler) = handler {
            let mut report = serde_json::json!({
                "reason": match why {
                    OUT_OF_MEMORY => "memory",
                    CPU_EXCEEDED => "cpu",
                    _ => "terminated",
                },
                "label": label,
            });
            if let (Some(r), Some(d)) = (report.as_object_mut(), detail.as_object()) {
                r.extend(d.clone());
            }
            handler(HostMessage {
                id: 0,
                op: FAULT_OP.into(),
                data: Payload::Text(report.to_string()),
            });
        }
    }

    /// One look by the watchdog: memory over the cap, a call over its CPU time,
    /// or a burst of work with no call in flight over it.
    pub(crate) fn sample(self: &Arc<Self>) -> Sample {
        if !self.alive() {
            return Sample::Gone;
        }
        let calls = self.calls.lock();
        if self.memory_limit_hit() {
            let pending = !calls.is_empty();
            drop(calls);
            if pending {
                self.kill(OUT_OF_MEMORY);
            } else {
                self.kill_unattended(
                    OUT_OF_MEMORY,
                    serde_json::json!({"limit_bytes": self.memory_limit}),
                );
            }
            return Sample::Gone;
        }
        let Some(now) = self.cpu_now() else {
            return if calls.is_empty() {
                Sample::Cold
            } else {
                Sample::Hot
            };
        };
        let limit = self.cpu_limit_ns.unwrap_or(u64::MAX);
        if let Some(used) = calls
            .values()
            .map(|c| now.saturating_sub(c.cpu_start))
            .max()
        {
            drop(calls);
            if used > limit {
                self.cpu_used_ns.store(used, Ordering::Release);
                self.kill(CPU_EXCEEDED);
                return Sample::Gone;
            }
            return Sample::Hot;
        }
        drop(calls);
        let mut burst = self.burst.lock();
        let spent = now.saturating_sub(burst.last);
        let wall = burst.looked.elapsed().as_nanos() as u64;
        // NOTE: a thread that was busy less than a quarter of the time since the
        // last look was waiting: what follows is a new burst.
        if spent < wall / 4 {
            burst.base = now;
        }
        burst.last = now;
        burst.looked = Instant::now();
        let used = now.saturating_sub(burst.base);
        drop(burst);
        if used > limit {
            self.cpu_used_ns.store(used, Ordering::Release);
            self.kill_unattended(
                CPU_EXCEEDED,
                serde_json::json!({
                    "limit_ms": limit / 1_000_000,
                    "used_ms": used / 1_000_000,
                }),
            );
            return Sample::Gone;
        }
        if spent > 0 {
            Sample::Hot
        } else {
            Sample::Cold
        }
    }

    /// Called by the reaper thread: frees every handle, then the context (which
    /// stops JavaScript, joins the pump thread and tears the heap down).
    pub(crate) fn free(&self) {
        drop(self.handles.write().take());
        *self.host_handler.write() = None;
        self.held.lock().clear();
        if let Err(e) = threads::require_engine_thread("mr_free_context") {
            // NOTE: a leak is better than a segfault of the whole server.
            eprintln!("hoody-exec engine: isolate {} not freed: {e}", self.ctx);
            return;
        }
        // SAFETY: an engine thread, not the pump thread; pending tasks get cancel callbacks.
        unsafe { (self.api.free_context)(self.ctx) };
        registry::unregister(self.host_callback_id);
        self.binary_replies.lock().clear();
    }
}

impl JsIsolate for MrIsolate {
    fn id(&self) -> u64 {
        self.inner.ctx
    }

    fn is_alive(&self) -> bool {
        self.inner.alive()
    }

    fn memory_limit(&self) -> usize {
        self.inner.memory_limit
    }

    fn eval(&self, code: &str, filename: &str, source_map: Option<&str>, done: Done<Primitive>) {
        let inner = &self.inner;
        if !inner.alive() {
            return done(Err(inner.death()));
        }
        if let Some(map) = source_map {
            if let Err(e) = inner.maps.write().insert(filename, map) {
                return done(Err(Failure::Engine(EngineError::Create(e))));
            }
        }
        let me = inner.clone();
        let code = format!("{code}\n//# sourceURL={filename}");
        inner.post_eval(
            &code,
            Box::new(move |value| {
                let result = me.check(value).map(|v| primitive(&v));
                if matches!(result, Err(Failure::MemoryLimit { .. })) {
                    me.kill(OUT_OF_MEMORY);
                }
                done(result)
            }),
        );
    }

    fn call(&self, payload: &str, label: Option<&str>, done: Done<Payload>) {
        let inner = &self.inner;
        let handles = inner.handles.read();
        let (Some(h), true) = (handles.as_ref(), inner.alive()) else {
            return done(Err(inner.death()));
        };
        let id = inner.next_call.fetch_add(1, Ordering::Relaxed);
        let call = Call {
            done,
            cpu_start: inner.cpu_now().unwrap_or(0),
            label: label.map(str::to_owned),
        };
        inner.calls.lock().insert(id, call);
        let this = inner.string_value(&format!("{id}:{payload}"));
        let me = inner.clone();
        inner.post_call(
            h.dispatch.raw(),
            this,
            h.argv.raw(),
            Box::new(move |value| {
                // The dispatch task itself returns undefined; only its failure matters.
                if let Err(failure) = me.check(value) {
                    if matches!(failure, Failure::MemoryLimit { .. }) {
                        me.kill(OUT_OF_MEMORY);
                    } else if let Some(call) = me.finish_call(id) {
                        (call.done)(Err(failure));
                    }
                }
            }),
        );
        drop(handles);
        supervisor::busy();
    }

    fn resolve(&self, request_id: u32, value: Payload) {
        match value {
            Payload::Text(text) => self.inner.settle(format!("r{request_id}:{text}")),
            Payload::Bytes(bytes) => {
                self.inner
                    .binary_replies
                    .lock()
                    .insert(request_id, (bytes, 0));
                self.inner.settle(format!("b{request_id}:"));
            }
        }
    }

    fn reject(&self, request_id: u32, error_name: &str, message: &str) {
        self.inner.reject_request(request_id, error_name, message);
    }

    fn set_host_handler(&self, handler: Option<HostHandler>) {
        self.inner.install_handler(handler);
    }

    fn unserved_requests(&self) -> u32 {
        self.inner.unserved.load(Ordering::Acquire)
    }

    fn terminate(&self) {
        self.inner.kill(TERMINATED);
    }

    fn heap_stats(&self) -> Result<HashMap<String, f64>, EngineError> {
        let inner = &self.inner;
        if !inner.alive() {
            return Err(EngineError::Dead);
        }
        // SAFETY: waits for the pump thread; we are not on it. NOTE: no lock is held
        // while waiting, so the pump thread never waits on us.
        let value = inner.wrap(unsafe { (inner.api.heap_stats)(inner.ctx) });
        if value.raw().is_null() || value.kind() != kind::STR_UTF8 {
            return Err(EngineError::Dead);
        }
        let json: HashMap<String, serde_json::Value> =
            serde_json::from_str(&value.text()).map_err(|e| EngineError::Create(e.to_string()))?;
        Ok(json
            .into_iter()
            .filter_map(|(k, v)| v.as_f64().map(|n| (k, n)))
            .collect())
    }

    fn memory_limit_reached(&self) -> bool {
        self.inner.memory_limit_hit()
    }

    fn pending_calls(&self) -> usize {
        self.inner.calls.lock().len()
    }

    fn cpu_time(&self) -> Option<Duration> {
        self.inner.cpu_now().map(Duration::from_nanos)
    }
}

fn primitive(value: &OwnedValue) -> Primitive {
    let h = value.handle();
    match h.kind() {
        kind::UNDEFINED => Primitive::Undefined,
        kind::NULL => Primitive::Null,
        kind::BOOL => Primitive::Bool(h.int_val() != 0),
        kind::INTEGER => Primitive::Int(h.int_val()),
        kind::DOUBLE => Primitive::Double(h.double_val()),
        kind::STR_UTF8 => Primitive::Str(value.text()),
        _ => Primitive::Other,
    }
}

/// Posts kept for a handler that is not set yet (log lines of module code).
const MAX_HELD: usize = 256;

/// `__hoody.host.source(name)`: a registered script, as UTF-16LE (crate::sources).
fn source_op(mailbox: &Mailbox) {
    let (name, _) = mailbox.message();
    let name = String::from_utf8_lossy(name);
    match crate::sources::get(&name) {
        Some(bytes) => mailbox.reply(STATUS_OK, &bytes),
        None => mailbox.reply(
            STATUS_TYPE_ERROR,
            format!("no source named {name:?} is registered").as_bytes(),
        ),
    }
}
