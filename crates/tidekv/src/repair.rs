//! [`repair_store`]: salvaging what a damaged disk store's checksums still vouch for into a new
//! store (RocksDB's `RepairDB`, but into a new directory, leaving the damaged one as it was).

use std::path::{Path, PathBuf};

use crate::error::Result;

/// What was left behind, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Dropped {
    /// The file.
    pub path: PathBuf,
    /// What of it was dropped and why: a damaged table whole (with the entries it held, if its
    /// properties say), a log from a damaged record on, a log after one that was cut.
    pub what: String,
}

/// What [`repair_store`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct RepairReport {
    /// The damaged store (unchanged).
    pub from: PathBuf,
    /// The new store.
    pub into: PathBuf,
    /// The manifest was damaged: the tables were gathered from the directory instead, so a key
    /// deleted long ago may be back (a table a compaction replaced, whose removal a crash
    /// interrupted, may still be there).
    pub manifest_rebuilt: bool,
    /// Tables whose every entry was kept.
    pub tables_kept: u64,
    /// Logs kept whole.
    pub logs_kept: u64,
    /// What was dropped.
    pub dropped: Vec<Dropped>,
    /// Keys written into the new store.
    pub keys: u64,
}

/// Copies what can be trusted of the disk store in `from` into a new store in `into` (a
/// directory that does not exist or is empty): every table that verifies, and the logs up to
/// their first damaged record, replayed over them as an open would; what is dropped, and why, is
/// in the report. `from` is not changed (not even its torn tail: everything runs over a
/// copy-on-write view of it, as a read-only open does) and must not be in use.
///
/// Where a damaged table is dropped, older versions of its keys in lower levels may show through
/// in the new store; keys written after a damaged log record are dropped with it, so the new
/// store holds a prefix of the logged writes. Run [`crate::verify_store`] first: it says what
/// repair would drop. `progress` is called with the bytes checked so far and the total.
pub fn repair_store(
    from: impl AsRef<Path>,
    into: impl AsRef<Path>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<RepairReport> {
    crate::disk::repair::repair(from.as_ref(), into.as_ref(), progress)
}
