//! Routes libmini_racer's one callback to whoever waits for it. The C callback
//! carries only a callback id, so every id is unique in the process and is
//! registered before the call that can trigger it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};

use parking_lot::Mutex;

use crate::ffi::{MiniRacerApi, ValueHandle};
use crate::isolate::Inner;

/// A value handle owned by the host; freed on drop (`mr_free_value` is safe on
/// any thread).
pub struct OwnedValue {
    api: &'static MiniRacerApi,
    ctx: u64,
    ptr: *mut ValueHandle,
}

// SAFETY: a handle is an opaque pointer into libmini_racer's registry, which is
// mutex-protected; freeing and reading its plain fields work from any thread.
unsafe impl Send for OwnedValue {}
unsafe impl Sync for OwnedValue {}

impl OwnedValue {
    pub fn new(api: &'static MiniRacerApi, ctx: u64, ptr: *mut ValueHandle) -> Self {
        Self { api, ctx, ptr }
    }
    pub fn raw(&self) -> *mut ValueHandle {
        self.ptr
    }
    pub fn handle(&self) -> &ValueHandle {
        // SAFETY: alive until dropped.
        unsafe { &*self.ptr }
    }
    pub fn kind(&self) -> u8 {
        self.handle().kind()
    }
    /// The UTF-8 text of string and exception values.
    pub fn text(&self) -> String {
        // SAFETY: string-like kinds carry a byte pointer and length.
        String::from_utf8_lossy(unsafe { self.handle().bytes() }).into_owned()
    }
}

impl Drop for OwnedValue {
    fn drop(&mut self) {
        if !self.ptr.is_null() {
            // SAFETY: the handle was produced for this context and is freed once.
            unsafe { (self.api.free_value)(self.ctx, self.ptr) };
        }
    }
}

pub type TaskDone = Box<dyn FnOnce(OwnedValue) + Send>;

pub enum Entry {
    /// One evaluation or call; removed when its callback arrives.
    Task {
        ctx: u64,
        keep: Vec<OwnedValue>,
        done: TaskDone,
    },
    /// The isolate's host function; stays until the isolate is freed.
    Host(Arc<Inner>),
}

static ENTRIES: LazyLock<Mutex<HashMap<u64, Entry>>> = LazyLock::new(Default::default);
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

pub fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

pub fn register(id: u64, entry: Entry) {
    ENTRIES.lock().insert(id, entry);
}

pub fn unregister(id: u64) -> Option<Entry> {
    ENTRIES.lock().remove(&id)
}

/// The C callback given to `mr_init_context`: runs on an isolate's pump thread.
pub extern "C" fn on_callback(callback_id: u64, handle: *mut ValueHandle) {
    let api = crate::runtime::api();
    let entry = {
        let mut entries = ENTRIES.lock();
        match entries.get(&callback_id) {
            Some(Entry::Host(inner)) => Some(Entry::Host(inner.clone())),
            Some(Entry::Task { .. }) => entries.remove(&callback_id),
            None => None,
        }
    };
    match entry {
        Some(Entry::Task { ctx, keep, done }) => {
            let value = OwnedValue::new(api, ctx, handle);
            done(value);
            drop(keep);
        }
        Some(Entry::Host(inner)) => {
            let args = OwnedValue::new(api, inner.ctx, handle);
            drop(args);
            inner.on_host_callback();
        }
        None => {
            // NOTE: no owner (it gave up); the handle cannot be freed without its
            // context id, and libmini_racer frees every handle with the context.
        }
    }
}
