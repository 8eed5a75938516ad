//! `hoody_exec._native`: the native core of hoody-exec.
//!
//! - `transpile`: TypeScript → JavaScript with source maps (swc)
//! - `bundle`: an entry file and its imports → one classic script (swc)
//! - `engine`: V8 isolates, the pool, and completion delivery to asyncio
//! - `errors`: the exception tree

mod bundle;
mod engine;
mod errors;
mod transpile;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::init_pymodule(m)?;
    transpile::init_pymodule(m)?;
    bundle::init_pymodule(m)?;

    engine::init_pymodule(m)?;
    Ok(())
}
