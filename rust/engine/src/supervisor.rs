//! Two process-wide engine threads: the reaper frees dead isolates (freeing joins
//! the isolate's thread and tears V8's heap down, so it must happen on an engine
//! thread and never on the isolate's own), and the watchdog samples every live
//! isolate: memory over its cap (V8 then stops JavaScript without a callback) and
//! CPU time over the per-request limit, during a call or after its answer.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Weak};
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;
use parking_lot::{Condvar, Mutex};

use crate::isolate::{Inner, Sample};

/// How often isolates that are busy (a call in flight, or CPU spent since the
/// last look) are sampled, and how often idle ones are.
const HOT_INTERVAL: Duration = Duration::from_millis(5);
const COLD_INTERVAL: Duration = Duration::from_millis(200);

/// How often the reaper returns freed memory to the OS while isolates keep dying.
const TRIM_EVERY: Duration = Duration::from_millis(100);

static CREATED: AtomicUsize = AtomicUsize::new(0);
static FREED: AtomicUsize = AtomicUsize::new(0);

struct Reaper {
    tx: Sender<Arc<Inner>>,
}

static REAPER: LazyLock<Reaper> = LazyLock::new(|| {
    let (tx, rx) = crossbeam_channel::unbounded::<Arc<Inner>>();
    crate::threads::spawn("hoody-reaper", move || {
        // NOTE: malloc_trim costs a third of a millisecond, as much as a third of a
        // free: under load it runs at most every TRIM_EVERY, and once more when
        // the frees stop, so memory still goes back to the OS when traffic ends.
        let mut untrimmed = false;
        let mut trimmed = Instant::now();
        loop {
            let next = if untrimmed {
                match rx.recv_timeout(TRIM_EVERY) {
                    Ok(inner) => Some(inner),
                    Err(crossbeam_channel::RecvTimeoutError::Timeout) => None,
                    Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return,
                }
            } else {
                match rx.recv() {
                    Ok(inner) => Some(inner),
                    Err(_) => return,
                }
            };
            if let Some(inner) = next {
                inner.free();
                FREED.fetch_add(1, Ordering::Release);
                for inner in rx.try_iter() {
                    inner.free();
                    FREED.fetch_add(1, Ordering::Release);
                }
                untrimmed = true;
                if trimmed.elapsed() < TRIM_EVERY {
                    continue;
                }
            }
            give_back_memory();
            untrimmed = false;
            trimmed = Instant::now();
        }
    })
    .expect("spawn the reaper thread");
    Reaper { tx }
});

/// Returns the malloc arenas that dead isolates' threads left behind to the OS
/// (glibc keeps freed memory per arena; one big isolate would otherwise hold its
/// peak RSS for the life of the process).
fn give_back_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own arenas.
    unsafe {
        libc::malloc_trim(0);
    }
}

struct Watch {
    isolates: Mutex<Vec<Weak<Inner>>>,
    wake: Condvar,
    cold: AtomicBool,
}

static WATCH: LazyLock<Arc<Watch>> = LazyLock::new(|| {
    let watch = Arc::new(Watch {
        isolates: Mutex::new(Vec::new()),
        wake: Condvar::new(),
        cold: AtomicBool::new(false),
    });
    let w = watch.clone();
    crate::threads::spawn("hoody-watchdog", move || {
        let mut interval = HOT_INTERVAL;
        loop {
            {
                let mut list = w.isolates.lock();
                while list.is_empty() {
                    w.wake.wait(&mut list);
                }
                w.cold.store(interval == COLD_INTERVAL, Ordering::Release);
                w.wake.wait_for(&mut list, interval);
                w.cold.store(false, Ordering::Release);
            }
            // NOTE: sampling may kill an isolate, which never takes this lock.
            let mut hot = false;
            let list: Vec<_> = w.isolates.lock().clone();
            let mut gone = Vec::new();
            for weak in &list {
                match weak.upgrade().map(|inner| inner.sample()) {
                    Some(Sample::Hot) => hot = true,
                    Some(Sample::Cold) => {}
                    Some(Sample::Gone) | None => gone.push(weak.as_ptr()),
                }
            }
            if !gone.is_empty() {
                w.isolates
                    .lock()
                    .retain(|weak| !gone.contains(&weak.as_ptr()));
            }
            interval = if hot { HOT_INTERVAL } else { COLD_INTERVAL };
        }
    })
    .expect("spawn the watchdog thread");
    watch
});

pub(crate) fn reap(inner: Arc<Inner>) {
    let _ = REAPER.tx.send(inner);
}

/// Puts a new isolate under the watchdog for its whole life.
pub(crate) fn watch(inner: &Arc<Inner>) {
    let watch = &*WATCH;
    watch.isolates.lock().push(Arc::downgrade(inner));
    watch.wake.notify_one();
}

/// A call started: look at isolates often again if the watchdog is idling.
pub(crate) fn busy() {
    let watch = &*WATCH;
    if watch.cold.load(Ordering::Acquire) {
        watch.wake.notify_one();
    }
}

pub(crate) fn count_created() {
    CREATED.fetch_add(1, Ordering::Release);
}

/// Isolates created and not yet freed by the reaper.
pub fn live_isolates() -> usize {
    CREATED
        .load(Ordering::Acquire)
        .saturating_sub(FREED.load(Ordering::Acquire))
}
