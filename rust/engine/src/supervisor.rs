//! Two process-wide helper threads: the reaper frees dead isolates (freeing joins
//! the isolate's thread, which must never happen on that thread or on the event
//! loop), and the watchdog notices isolates that went over their memory cap while
//! a call waits on them (V8 then stops JavaScript without any callback).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Weak};
use std::time::Duration;

use crossbeam_channel::{unbounded, Sender};
use parking_lot::{Condvar, Mutex};

use crate::isolate::Inner;

const WATCH_INTERVAL: Duration = Duration::from_millis(5);

static CREATED: AtomicUsize = AtomicUsize::new(0);
static FREED: AtomicUsize = AtomicUsize::new(0);

struct Reaper {
    tx: Sender<Arc<Inner>>,
}

static REAPER: LazyLock<Reaper> = LazyLock::new(|| {
    let (tx, rx) = unbounded::<Arc<Inner>>();
    std::thread::Builder::new()
        .name("hoody-reaper".into())
        .spawn(move || {
            for inner in rx {
                inner.free();
                FREED.fetch_add(1, Ordering::Release);
            }
        })
        .expect("spawn the reaper thread");
    Reaper { tx }
});

struct Watch {
    isolates: Mutex<Vec<Weak<Inner>>>,
    wake: Condvar,
}

static WATCH: LazyLock<Arc<Watch>> = LazyLock::new(|| {
    let watch = Arc::new(Watch {
        isolates: Mutex::new(Vec::new()),
        wake: Condvar::new(),
    });
    let w = watch.clone();
    std::thread::Builder::new()
        .name("hoody-watchdog".into())
        .spawn(move || loop {
            {
                let mut list = w.isolates.lock();
                while list.is_empty() {
                    w.wake.wait(&mut list);
                }
            }
            std::thread::sleep(WATCH_INTERVAL);
            // NOTE: check_memory never takes this lock, so holding it is safe.
            w.isolates
                .lock()
                .retain(|weak| weak.upgrade().is_some_and(|inner| inner.check_memory()));
        })
        .expect("spawn the watchdog thread");
    watch
});

pub(crate) fn reap(inner: Arc<Inner>) {
    let _ = REAPER.tx.send(inner);
}

pub(crate) fn watch(inner: &Arc<Inner>) {
    let watch = &*WATCH;
    let mut list = watch.isolates.lock();
    if !list
        .iter()
        .any(|w| std::ptr::eq(w.as_ptr(), Arc::as_ptr(inner)))
    {
        list.push(Arc::downgrade(inner));
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
