//! Helpers shared by unit and integration tests. Not part of the product's API.

use std::path::{Path, PathBuf};

/// SeaTunnel's compat corpus: `$SEATUNNEL_CORPUS`, else `../shared/compat-corpus` beside the
/// checkout (where CI places it). `None` in a plain clone, where corpus tests skip and say so.
pub fn compat_corpus() -> Option<PathBuf> {
    [
        std::env::var_os("SEATUNNEL_CORPUS").map(PathBuf::from),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/compat-corpus")),
    ]
    .into_iter()
    .flatten()
    .find(|p| p.join("jobs/MANIFEST.tsv").is_file())
}
