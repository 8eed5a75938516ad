//! One source map for the whole bundle. All modules of a bundle are files of a
//! single swc `SourceMap`, so their byte positions never overlap; shifting each
//! module's generated lines by where it landed in the script is all it takes to
//! merge them, and swc builds `sources`/`sourcesContent` from the files.

use swc_core::common::{BytePos, LineCol};

/// `mappings` with their generated line moved down by `offset` lines.
pub(crate) fn shifted(
    mappings: &[(BytePos, LineCol)],
    offset: u32,
) -> impl Iterator<Item = (BytePos, LineCol)> + '_ {
    mappings.iter().map(move |(pos, lc)| {
        (
            *pos,
            LineCol {
                line: lc.line + offset,
                col: lc.col,
            },
        )
    })
}
