//! Engine threads: the one rule that keeps V8 alive on CPUs with memory
//! protection keys (PKU).
//!
//! V8 takes a protection key in `mr_init_v8`, and Linux grants access to that key
//! only to the thread that took it and to threads that thread creates afterwards
//! (a new thread inherits its creator's PKRU register). Any other thread faults as
//! soon as it touches protected isolate memory (`Isolate::New` in
//! `mr_init_context`, `Isolate::Dispose` in `mr_free_context`).
//!
//! So V8 is initialised on one *root* thread, started by the engine for that
//! purpose, and every thread that creates, runs or frees isolates is spawned by
//! the root after initialisation (`spawn`). libmini_racer's own pump threads are
//! created inside `mr_init_context`, so they descend from whichever engine thread
//! created the isolate. Other threads (asyncio's loop and executors, Granian's)
//! never make those calls: they hand the work to engine threads (`on_engine`).
//!
//! The rule is checked, not just followed: every engine thread records which
//! thread spawned it, and where the CPU has protection keys each one compares its
//! PKRU with the root's right after `mr_init_v8`; a mismatch makes the engine
//! refuse to create isolates, with the reason, instead of crashing later.

use std::cell::Cell;
use std::sync::OnceLock;
use std::thread::JoinHandle;

use crossbeam_channel::{bounded, unbounded, Sender};
use parking_lot::Mutex;

use crate::error::EngineError;

/// One engine thread, as recorded when it started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadRecord {
    pub name: String,
    /// The kernel's thread id (`gettid`).
    pub tid: i32,
    /// The kernel thread id of the thread that spawned it (the root's own parent
    /// is the thread that started the engine).
    pub parent_tid: i32,
    /// PKRU when the thread started (None where the CPU has no protection keys).
    pub pkru: Option<u32>,
}

type Body = Box<dyn FnOnce() + Send>;

struct SpawnRequest {
    name: String,
    body: Body,
    reply: Sender<std::io::Result<JoinHandle<()>>>,
}

struct Root {
    spawner: Sender<SpawnRequest>,
    tid: i32,
    pkru: Option<u32>,
}

static ROOT: OnceLock<Root> = OnceLock::new();
static RECORDS: Mutex<Vec<ThreadRecord>> = Mutex::new(Vec::new());
static VIOLATION: OnceLock<String> = OnceLock::new();

thread_local! {
    static ON_ENGINE_THREAD: Cell<bool> = const { Cell::new(false) };
}

pub const ROOT_NAME: &str = "hoody-v8";

/// Starts the root thread, runs `init` (`mr_init_v8`) on it and keeps it serving
/// spawn requests for the life of the process. Called once, under the engine's
/// start-up lock.
pub(crate) fn start_root<F>(init: F) -> Result<(), EngineError>
where
    F: FnOnce() -> Result<(), EngineError> + Send + 'static,
{
    if ROOT.get().is_some() {
        return Ok(());
    }
    let parent = current_tid();
    let (started_tx, started_rx) = bounded(1);
    std::thread::Builder::new()
        .name(ROOT_NAME.into())
        .spawn(move || {
            ON_ENGINE_THREAD.with(|c| c.set(true));
            if let Err(e) = init() {
                let _ = started_tx.send(Err(e));
                return;
            }
            let pkru = read_pkru();
            let tid = current_tid();
            record(ThreadRecord {
                name: ROOT_NAME.into(),
                tid,
                parent_tid: parent,
                pkru,
            });
            let (spawner, requests) = unbounded::<SpawnRequest>();
            let _ = started_tx.send(Ok(Root { spawner, tid, pkru }));
            for request in requests {
                let handle = spawn_here(request.name, request.body);
                let _ = request.reply.send(handle);
            }
        })
        .map_err(|e| EngineError::Library(format!("could not start the V8 thread: {e}")))?;
    let root = started_rx
        .recv()
        .map_err(|_| EngineError::Library("the V8 thread died while starting".into()))??;
    let _ = ROOT.set(root);
    Ok(())
}

/// Spawns an engine thread (through the root unless called on it).
pub fn spawn<F>(name: &str, body: F) -> Result<JoinHandle<()>, EngineError>
where
    F: FnOnce() + Send + 'static,
{
    let root = ROOT
        .get()
        .ok_or_else(|| EngineError::Library("V8 is not started".into()))?;
    let body: Body = Box::new(body);
    let result = if current_tid() == root.tid {
        spawn_here(name.to_owned(), body)
    } else {
        let (reply, answer) = bounded(1);
        root.spawner
            .send(SpawnRequest {
                name: name.to_owned(),
                body,
                reply,
            })
            .map_err(|_| EngineError::Library("the V8 thread has stopped".into()))?;
        answer
            .recv()
            .map_err(|_| EngineError::Library("the V8 thread has stopped".into()))?
    };
    result.map_err(|e| EngineError::Library(format!("could not start thread {name}: {e}")))
}

fn spawn_here(name: String, body: Body) -> std::io::Result<JoinHandle<()>> {
    let parent = current_tid();
    let recorded = name.clone();
    std::thread::Builder::new().name(name).spawn(move || {
        ON_ENGINE_THREAD.with(|c| c.set(true));
        let pkru = read_pkru();
        record(ThreadRecord {
            name: recorded.clone(),
            tid: current_tid(),
            parent_tid: parent,
            pkru,
        });
        if let Err(e) = check_pkru(&recorded, pkru) {
            eprintln!("hoody-exec engine: {e}");
            return;
        }
        body()
    })
}

/// Runs `work` on an engine thread and waits for its result: directly when the
/// caller is one, else on the process's creator thread.
pub fn on_engine<T, F>(work: F) -> Result<T, EngineError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, EngineError> + Send + 'static,
{
    if is_engine_thread() {
        return work();
    }
    static CREATOR: OnceLock<Sender<Body>> = OnceLock::new();
    let sender = match CREATOR.get() {
        Some(s) => s,
        None => {
            static START: Mutex<()> = Mutex::new(());
            let _guard = START.lock();
            match CREATOR.get() {
                Some(s) => s,
                None => {
                    let (tx, rx) = unbounded::<Body>();
                    spawn("hoody-create", move || {
                        for job in rx {
                            job();
                        }
                    })?;
                    let _ = CREATOR.set(tx);
                    CREATOR.get().expect("just set")
                }
            }
        }
    };
    let (tx, rx) = bounded(1);
    sender
        .send(Box::new(move || drop(tx.send(work()))))
        .map_err(|_| EngineError::Library("the isolate creator thread has stopped".into()))?;
    rx.recv()
        .map_err(|_| EngineError::Library("the isolate creator thread has stopped".into()))?
}

/// Whether the calling thread was spawned by the engine (or is the root).
pub fn is_engine_thread() -> bool {
    ON_ENGINE_THREAD.with(|c| c.get())
}

/// Fails unless the caller is an engine thread whose protection keys match the
/// root's: guards the calls that touch isolate memory on the calling thread.
pub(crate) fn require_engine_thread(call: &str) -> Result<(), EngineError> {
    if let Some(why) = VIOLATION.get() {
        return Err(EngineError::Threading(why.clone()));
    }
    if !is_engine_thread() {
        let name = std::thread::current()
            .name()
            .unwrap_or("unnamed")
            .to_owned();
        return Err(EngineError::Threading(format!(
            "{call} was called on thread {name:?}, which the engine did not start: \
             isolates are created and freed only on engine threads"
        )));
    }
    Ok(())
}

/// Compares the PKRU of a thread that runs V8 with the root's (a no-op where the
/// CPU has no protection keys). Also called on libmini_racer's pump threads.
pub(crate) fn check_pkru(thread: &str, pkru: Option<u32>) -> Result<(), EngineError> {
    let Some(root) = ROOT.get() else {
        return Ok(());
    };
    if pkru == root.pkru {
        return Ok(());
    }
    let why = format!(
        "thread {thread:?} runs with PKRU {pkru:#x?}, but V8 was initialised with PKRU {:#x?}: \
         it would fault on protected isolate memory (see docs/architecture.md, engine threads)",
        root.pkru
    );
    let _ = VIOLATION.set(why.clone());
    Err(EngineError::Threading(why))
}

/// The reason the engine refuses to create isolates, if a check failed.
pub fn violation() -> Option<String> {
    VIOLATION.get().cloned()
}

/// Every engine thread started so far (threads that ended stay listed).
pub fn records() -> Vec<ThreadRecord> {
    RECORDS.lock().clone()
}

/// The root thread's kernel id and its PKRU after `mr_init_v8`.
pub fn root() -> Option<(i32, Option<u32>)> {
    ROOT.get().map(|r| (r.tid, r.pkru))
}

fn record(r: ThreadRecord) {
    RECORDS.lock().push(r);
}

pub fn current_tid() -> i32 {
    // SAFETY: gettid has no preconditions.
    unsafe { libc::gettid() }
}

/// Whether the CPU and the kernel enable protection keys (CPUID.7.0:ECX.OSPKE).
pub fn has_pku() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        static PKU: OnceLock<bool> = OnceLock::new();
        *PKU.get_or_init(|| {
            // NOTE: leaf 7 exists when the maximum leaf (leaf 0, EAX) is at least 7.
            let max = std::arch::x86_64::__cpuid(0).eax;
            max >= 7 && std::arch::x86_64::__cpuid_count(7, 0).ecx & (1 << 4) != 0
        })
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The calling thread's PKRU register, where the CPU has protection keys.
pub fn read_pkru() -> Option<u32> {
    #[cfg(target_arch = "x86_64")]
    {
        if !has_pku() {
            return None;
        }
        let value: u32;
        // SAFETY: RDPKRU exists when OSPKE is set (checked above); ECX must be 0.
        unsafe {
            std::arch::asm!("rdpkru", in("ecx") 0u32, out("eax") value, out("edx") _,
                options(nomem, nostack, preserves_flags));
        }
        Some(value)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        None
    }
}
