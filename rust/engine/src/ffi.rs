//! The C interface of `libmini_racer.so` (mini-racer 0.14.1, see
//! `shared/notes/mini-racer-abi.md`), loaded at run time.

use std::ffi::{c_char, CStr};
use std::path::{Path, PathBuf};

use libloading::Library;

use crate::error::EngineError;

/// The V8 version the value layout and threading rules were checked against.
pub const EXPECTED_V8_VERSION: &str = "14.4.258.23";

/// `ValueHandle` of value.h: an 8-byte union, the length, the type tag.
#[repr(C, packed)]
pub struct ValueHandle {
    pub payload: u64,
    pub len: usize,
    pub kind: u8,
}

impl ValueHandle {
    pub fn kind(&self) -> u8 {
        self.kind
    }
    pub fn int_val(&self) -> i64 {
        self.payload as i64
    }
    pub fn double_val(&self) -> f64 {
        f64::from_bits(self.payload)
    }
    pub fn bytes_ptr(&self) -> *mut u8 {
        self.payload as usize as *mut u8
    }
    /// # Safety
    /// Only for kinds whose payload is a byte pointer valid for `len` bytes.
    pub unsafe fn bytes(&self) -> &[u8] {
        let len = self.len;
        if len == 0 {
            return &[];
        }
        std::slice::from_raw_parts(self.bytes_ptr(), len)
    }
}

/// Type tags of value.h.
pub mod kind {
    pub const NULL: u8 = 1;
    pub const BOOL: u8 = 2;
    pub const INTEGER: u8 = 3;
    pub const DOUBLE: u8 = 4;
    pub const STR_UTF8: u8 = 5;
    pub const ARRAY: u8 = 6;
    pub const UNDEFINED: u8 = 11;
    pub const FUNCTION: u8 = 100;
    pub const SHARED_ARRAY_BUFFER: u8 = 101;
    pub const ARRAY_BUFFER: u8 = 102;
    pub const EXECUTE_EXCEPTION: u8 = 200;
    pub const PARSE_EXCEPTION: u8 = 201;
    pub const OOM_EXCEPTION: u8 = 202;
    pub const TERMINATED: u8 = 204;
    pub const VALUE_EXCEPTION: u8 = 205;
    pub const KEY_EXCEPTION: u8 = 206;
}

pub type RawCallback = extern "C" fn(callback_id: u64, handle: *mut ValueHandle);

/// Function pointers resolved from the library; the `Library` is kept alive with them.
pub struct MiniRacerApi {
    _lib: Library,
    pub dir: PathBuf,
    pub init_v8: unsafe extern "C" fn(*const c_char, *const c_char),
    pub init_context: unsafe extern "C" fn(RawCallback) -> u64,
    pub free_context: unsafe extern "C" fn(u64),
    pub context_count: unsafe extern "C" fn() -> usize,
    pub eval: unsafe extern "C" fn(u64, *mut ValueHandle, u64) -> u64,
    pub call_function:
        unsafe extern "C" fn(u64, *mut ValueHandle, *mut ValueHandle, *mut ValueHandle, u64) -> u64,
    pub cancel_task: unsafe extern "C" fn(u64, u64),
    pub alloc_int_val: unsafe extern "C" fn(u64, i64, u8) -> *mut ValueHandle,
    pub alloc_string_val: unsafe extern "C" fn(u64, *const c_char, u64, u8) -> *mut ValueHandle,
    pub free_value: unsafe extern "C" fn(u64, *mut ValueHandle),
    pub value_count: unsafe extern "C" fn(u64) -> usize,
    pub make_js_callback: unsafe extern "C" fn(u64, u64) -> *mut ValueHandle,
    pub array_push:
        unsafe extern "C" fn(u64, *mut ValueHandle, *mut ValueHandle) -> *mut ValueHandle,
    pub heap_stats: unsafe extern "C" fn(u64) -> *mut ValueHandle,
    pub set_hard_memory_limit: unsafe extern "C" fn(u64, usize),
    pub set_soft_memory_limit: unsafe extern "C" fn(u64, usize),
    pub hard_memory_limit_reached: unsafe extern "C" fn(u64) -> bool,
    pub v8_version: unsafe extern "C" fn() -> *const c_char,
}

macro_rules! sym {
    ($lib:expr, $name:literal) => {{
        // SAFETY: the symbol's type is the one declared in exports.h of the pinned version.
        let s = unsafe { $lib.get::<*const ()>(concat!($name, "\0").as_bytes()) }.map_err(|e| {
            EngineError::Library(format!("libmini_racer has no symbol {}: {e}", $name))
        })?;
        unsafe { std::mem::transmute_copy(&*s) }
    }};
}

impl MiniRacerApi {
    /// Opens `dir/libmini_racer.so` (the folder of the installed `py_mini_racer` package).
    pub fn open(dir: &Path) -> Result<Self, EngineError> {
        let path = dir.join(library_file_name());
        if !path.exists() {
            return Err(EngineError::Library(format!(
                "{} not found: install the pinned wheel with `pip install mini-racer==0.14.1`",
                path.display()
            )));
        }
        // SAFETY: loading a shared library runs its initialisers; libmini_racer's are V8's.
        let lib = unsafe { Library::new(&path) }
            .map_err(|e| EngineError::Library(format!("cannot load {}: {e}", path.display())))?;
        Ok(Self {
            init_v8: sym!(lib, "mr_init_v8"),
            init_context: sym!(lib, "mr_init_context"),
            free_context: sym!(lib, "mr_free_context"),
            context_count: sym!(lib, "mr_context_count"),
            eval: sym!(lib, "mr_eval"),
            call_function: sym!(lib, "mr_call_function"),
            cancel_task: sym!(lib, "mr_cancel_task"),
            alloc_int_val: sym!(lib, "mr_alloc_int_val"),
            alloc_string_val: sym!(lib, "mr_alloc_string_val"),
            free_value: sym!(lib, "mr_free_value"),
            value_count: sym!(lib, "mr_value_count"),
            make_js_callback: sym!(lib, "mr_make_js_callback"),
            array_push: sym!(lib, "mr_array_push"),
            heap_stats: sym!(lib, "mr_heap_stats"),
            set_hard_memory_limit: sym!(lib, "mr_set_hard_memory_limit"),
            set_soft_memory_limit: sym!(lib, "mr_set_soft_memory_limit"),
            hard_memory_limit_reached: sym!(lib, "mr_hard_memory_limit_reached"),
            v8_version: sym!(lib, "mr_v8_version"),
            dir: dir.to_path_buf(),
            _lib: lib,
        })
    }

    pub fn version(&self) -> String {
        // SAFETY: returns a static NUL-terminated string.
        unsafe { CStr::from_ptr((self.v8_version)()) }
            .to_string_lossy()
            .into_owned()
    }
}

fn library_file_name() -> &'static str {
    if cfg!(target_os = "macos") {
        "libmini_racer.dylib"
    } else if cfg!(windows) {
        "mini_racer.dll"
    } else {
        "libmini_racer.so"
    }
}
