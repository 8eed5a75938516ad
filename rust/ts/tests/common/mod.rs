//! Fixture folders and builds shared by the bundler's integration tests.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use hoody_ts::{bundle, Bundle, BundleOptions};

/// A fresh folder under the temp dir holding `files` (path, content).
pub fn tree(files: &[(&str, &str)]) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "hoody_ts_test_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (path, content) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    dir
}

/// Bundles `entry` with the default options, panicking with the error's message.
pub fn build(root: &Path, entry: &str) -> Bundle {
    bundle(root, entry, &BundleOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}
