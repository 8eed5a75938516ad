//! Scripts an isolate may evaluate on demand: the lazy Web runtime keeps each API
//! family's source here, process-wide, and JavaScript fetches one synchronously
//! (`__hoody.host.source(name)`) the first time a global of that family is read.
//! So a new isolate parses none of them, and no thread hop is needed to load one.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use parking_lot::RwLock;

use crate::mailbox::{HEADER_BYTES, MAILBOX_BYTES};

/// The largest source (UTF-16 code units) that fits one mailbox reply.
pub const MAX_SOURCE_UNITS: usize = (MAILBOX_BYTES - HEADER_BYTES) / 2;

/// Sources as UTF-16LE bytes: JavaScript turns them into a string without a decoder.
fn table() -> &'static RwLock<HashMap<String, Arc<[u8]>>> {
    static TABLE: OnceLock<RwLock<HashMap<String, Arc<[u8]>>>> = OnceLock::new();
    TABLE.get_or_init(Default::default)
}

/// Registers (or replaces) `name`; an error if it is too large for one reply.
pub fn register(name: &str, code: &str) -> Result<(), String> {
    let units: Vec<u16> = code.encode_utf16().collect();
    if units.len() > MAX_SOURCE_UNITS {
        return Err(format!(
            "source {name} is {} UTF-16 code units; at most {MAX_SOURCE_UNITS} fit",
            units.len()
        ));
    }
    let bytes: Vec<u8> = units.iter().flat_map(|u| u.to_le_bytes()).collect();
    table().write().insert(name.to_string(), bytes.into());
    Ok(())
}

pub fn get(name: &str) -> Option<Arc<[u8]>> {
    table().read().get(name).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_utf16_and_refuses_oversized() {
        register("t:a", "aé").unwrap();
        assert_eq!(&*get("t:a").unwrap(), &[b'a', 0, 0xe9, 0]);
        assert!(get("t:missing").is_none());
        let big = "x".repeat(MAX_SOURCE_UNITS + 1);
        assert!(register("t:big", &big).unwrap_err().contains("at most"));
    }
}
