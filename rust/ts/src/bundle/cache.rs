//! Compiled modules shared by every bundle of the process. A module's factory
//! depends only on its id, its source, whether it is the entry (and then the
//! injected names) and the ids its specifiers resolve to; the first four make
//! the key, the last is checked on every hit by resolving again (cheap: file
//! system lookups, no parsing). So a script that changes recompiles itself
//! only, and twenty scripts importing `zod` compile `zod` once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use swc_core::common::{BytePos, LineCol, SourceFile};

use super::Style;
use crate::resolve::ImportKind;

/// Above this many bytes of cached code and mappings the cache starts over.
const BUDGET: usize = 64 << 20;

/// One specifier of a compiled module (unique by value and kind, in source order).
#[derive(Debug, Clone)]
pub(crate) struct Import {
    pub value: String,
    pub kind: ImportKind,
    /// 1-based position of its first occurrence, for errors.
    pub position: (usize, usize),
    /// The module id it resolved to when the module was compiled.
    pub resolved: String,
}

#[derive(Debug)]
pub(crate) struct Compiled {
    pub code: String,
    /// Mappings with positions relative to the start of the module's file.
    pub mappings: Vec<(u32, LineCol)>,
    pub style: Style,
    pub imports: Vec<Import>,
}

impl Compiled {
    fn size(&self) -> usize {
        self.code.len() + self.mappings.len() * 12 + self.imports.len() * 64
    }

    /// Mappings relative to `fm` (positions outside the file are dropped).
    pub fn relative_mappings(
        fm: &SourceFile,
        mappings: &[(BytePos, LineCol)],
    ) -> Vec<(u32, LineCol)> {
        mappings
            .iter()
            .filter(|(pos, _)| *pos >= fm.start_pos && *pos <= fm.end_pos)
            .map(|(pos, lc)| (pos.0 - fm.start_pos.0, *lc))
            .collect()
    }

    /// The mappings placed on `fm`, the module's file in this bundle's source map.
    pub fn mappings_for(&self, fm: &SourceFile) -> Vec<(BytePos, LineCol)> {
        self.mappings
            .iter()
            .map(|(off, lc)| (BytePos(fm.start_pos.0 + off), *lc))
            .collect()
    }
}

#[derive(Default)]
struct Cache {
    entries: HashMap<String, Arc<Compiled>>,
    bytes: usize,
}

static CACHE: Mutex<Option<Cache>> = Mutex::new(None);

/// The key: id, source digest, and the entry's injected names.
pub(crate) fn key(id: &str, digest: &str, entry_injected: Option<&[String]>) -> String {
    match entry_injected {
        Some(names) => format!("{id}\0{digest}\0entry\0{}", names.join(",")),
        None => format!("{id}\0{digest}"),
    }
}

pub(crate) fn get(key: &str) -> Option<Arc<Compiled>> {
    let guard = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    guard.as_ref()?.entries.get(key).cloned()
}

pub(crate) fn put(key: String, compiled: Compiled) {
    let size = compiled.size();
    if size > BUDGET / 4 {
        return;
    }
    let mut guard = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    let cache = guard.get_or_insert_with(Cache::default);
    if cache.bytes + size > BUDGET {
        // NOTE: starting over is crude but bounded; the hot modules come back
        // on the next build.
        cache.entries.clear();
        cache.bytes = 0;
    }
    if let Some(old) = cache.entries.insert(key, Arc::new(compiled)) {
        cache.bytes -= old.size();
    }
    cache.bytes += size;
}
