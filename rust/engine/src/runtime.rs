//! The process-wide V8: loaded and initialised once, lazily, on first use (after
//! the server has forked its workers).

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::error::EngineError;
use crate::ffi::{MiniRacerApi, EXPECTED_V8_VERSION};

static API: OnceLock<MiniRacerApi> = OnceLock::new();
static INIT: parking_lot::Mutex<()> = parking_lot::Mutex::new(());

/// V8 flags: one thread per isolate (no V8 worker threads: fork-safe until first
/// use, and no threads that outlive their isolate); a dying isolate returns its
/// heap pages to the OS instead of pooling them for other isolates (pooled, the
/// peak of one burst of big isolates stayed resident for the life of the process).
pub const DEFAULT_FLAGS: &str = "--single-threaded --no-memory-pool-share-memory-on-teardown";

/// Loads `libmini_racer` from `dir` (the installed `py_mini_racer` package; the
/// `HOODY_MINI_RACER_DIR` environment variable when `dir` is None), checks its V8
/// version and initialises V8. Later calls return the same library.
pub fn start(dir: Option<&Path>) -> Result<&'static MiniRacerApi, EngineError> {
    if let Some(api) = API.get() {
        return Ok(api);
    }
    let _guard = INIT.lock();
    if let Some(api) = API.get() {
        return Ok(api);
    }
    let dir: PathBuf = match dir {
        Some(d) => d.to_path_buf(),
        None => std::env::var_os("HOODY_MINI_RACER_DIR")
            .map(PathBuf::from)
            .ok_or_else(|| {
                EngineError::Library(
                    "the folder of libmini_racer is unknown: set HOODY_MINI_RACER_DIR".into(),
                )
            })?,
    };
    let api = MiniRacerApi::open(&dir)?;
    let found = api.version();
    if found != EXPECTED_V8_VERSION {
        return Err(EngineError::Version {
            found,
            expected: EXPECTED_V8_VERSION.into(),
        });
    }
    let icu = dir.join("icudtl.dat");
    let flags = CString::new(DEFAULT_FLAGS).expect("flags have no NUL");
    let icu = CString::new(icu.to_string_lossy().as_bytes())
        .map_err(|_| EngineError::Library("the library path contains a NUL byte".into()))?;
    let init = api.init_v8;
    // NOTE: V8 takes its memory protection key on the thread that initialises it;
    // only that thread's descendants may touch isolates (see threads.rs).
    crate::threads::start_root(move || {
        // SAFETY: both strings are valid for the call; later calls are ignored by V8.
        unsafe { init(flags.as_ptr(), icu.as_ptr()) };
        Ok(())
    })?;
    let _ = API.set(api);
    Ok(API.get().expect("just set"))
}

/// The started library. Only called where an isolate exists, so V8 is started.
pub fn api() -> &'static MiniRacerApi {
    API.get().expect("V8 is started before any isolate exists")
}

pub fn is_started() -> bool {
    API.get().is_some()
}
