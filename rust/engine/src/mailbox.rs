//! The layout of the SharedArrayBuffer mailbox shared with `bootstrap.js`.

/// Bytes of the mailbox; messages larger than the body are sent in chunks.
pub const MAILBOX_BYTES: usize = 256 * 1024;
pub const HEADER_BYTES: usize = 64;

pub const K_POST: i32 = 1;
pub const K_REQUEST: i32 = 2;
pub const K_RESULT: i32 = 3;
pub const K_ERROR: i32 = 4;
pub const K_TAKE: i32 = 5;
pub const K_RANDOM: i32 = 10;
pub const K_DIGEST: i32 = 11;
pub const K_HMAC: i32 = 12;
pub const K_SOURCE: i32 = 13;
pub const K_IDNA: i32 = 14;

pub const F_BINARY: i32 = 1;
pub const F_MORE: i32 = 2;

/// Header words (Int32 indexes).
pub const H_KIND: usize = 0;
pub const H_ID: usize = 1;
pub const H_OP_LEN: usize = 2;
pub const H_DATA_LEN: usize = 3;
pub const H_FLAGS: usize = 4;
pub const H_EXTRA: usize = 5;
pub const H_REPLY_LEN: usize = 6;
pub const H_REPLY_STATUS: usize = 7;

pub const STATUS_OK: i32 = 0;
pub const STATUS_TYPE_ERROR: i32 = 1;
pub const STATUS_RANGE_ERROR: i32 = 2;

/// A view of the mailbox bytes. Only valid while JavaScript is paused inside the
/// host callback (on the isolate's thread), which is the only time it is built.
pub struct Mailbox {
    base: *mut u8,
    len: usize,
}

impl Mailbox {
    /// # Safety
    /// `base` must point to `len` bytes of the SharedArrayBuffer kept alive by the
    /// isolate, and JavaScript must not run while the view is used.
    pub unsafe fn new(base: *mut u8, len: usize) -> Self {
        Self { base, len }
    }

    pub fn word(&self, index: usize) -> i32 {
        // SAFETY: index < HEADER_BYTES / 4 and the buffer is at least that long.
        unsafe { std::ptr::read_volatile((self.base as *const i32).add(index)) }
    }

    pub fn set_word(&self, index: usize, value: i32) {
        // SAFETY: as in `word`.
        unsafe { std::ptr::write_volatile((self.base as *mut i32).add(index), value) }
    }

    /// The op name and the data of the current message (chunk).
    pub fn message(&self) -> (&[u8], &[u8]) {
        let op_len = self.word(H_OP_LEN).max(0) as usize;
        let data_len = self.word(H_DATA_LEN).max(0) as usize;
        let body = self.body_capacity();
        let op_len = op_len.min(body);
        let data_len = data_len.min(body - op_len);
        // SAFETY: both ranges lie inside the body.
        unsafe {
            let start = self.base.add(HEADER_BYTES);
            (
                std::slice::from_raw_parts(start, op_len),
                std::slice::from_raw_parts(start.add(op_len), data_len),
            )
        }
    }

    pub fn body_capacity(&self) -> usize {
        self.len - HEADER_BYTES
    }

    /// Writes a synchronous reply (at most `body_capacity` bytes).
    pub fn reply(&self, status: i32, bytes: &[u8]) {
        let n = bytes.len().min(self.body_capacity());
        // SAFETY: n bytes fit in the body.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.base.add(HEADER_BYTES), n) };
        self.set_word(H_REPLY_LEN, n as i32);
        self.set_word(H_REPLY_STATUS, status);
    }
}
