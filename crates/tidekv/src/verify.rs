//! [`verify_store`]: every checksum of every file of a disk store, without opening it as a store
//! and without changing it (RocksDB's `ldb checkconsistency` and `sst_dump --command=verify`).

use std::path::{Path, PathBuf};

use crate::error::Result;

/// What kind of file of a store a [`FileReport`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum StoreFile {
    /// `CURRENT`, naming the live manifest.
    Current,
    /// The live manifest (`MANIFEST-NNNNNN`).
    Manifest,
    /// A table (`NNNNNN.sst`).
    Table,
    /// A write-ahead log still needed (`NNNNNN.wal`).
    Log,
}

/// What verification found in one file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "finding")]
#[non_exhaustive]
pub enum Finding {
    /// Every check passed.
    Sound,
    /// A check failed at `offset`: the file is damaged from there (a table: that block).
    Damaged {
        /// The byte offset of the damaged unit (block, record, footer).
        offset: u64,
        /// What failed.
        reason: String,
    },
    /// The newest log ends in part of a record: a write the process was making when it stopped,
    /// never acknowledged. Not damage: the next read-write open cuts it off.
    TornTail {
        /// Where the unfinished record starts.
        offset: u64,
    },
    /// The manifest names the file, but it is not there.
    Missing,
    /// A table no version names, left by a crash between writing it and recording it; the next
    /// read-write open removes it. Its checksums were checked too.
    Orphan,
}

/// One file's verification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct FileReport {
    /// The file.
    pub path: PathBuf,
    /// What it is.
    pub kind: StoreFile,
    /// Its size in bytes (0 if missing).
    pub bytes: u64,
    /// Entries read (a table's entries, a log's records, the manifest's edits).
    pub entries: u64,
    /// What was found.
    #[serde(flatten)]
    pub finding: Finding,
}

/// Every file [`verify_store`] checked, and what it found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct VerifyReport {
    /// The store's directory.
    pub dir: PathBuf,
    /// One report per file, in the order checked.
    pub files: Vec<FileReport>,
}

impl VerifyReport {
    /// Whether nothing is damaged or missing (a torn log tail and orphan tables are not damage).
    pub fn is_sound(&self) -> bool {
        self.problems().next().is_none()
    }

    /// The files that are damaged or missing.
    pub fn problems(&self) -> impl Iterator<Item = &FileReport> {
        self.files
            .iter()
            .filter(|f| matches!(f.finding, Finding::Damaged { .. } | Finding::Missing))
    }
}

/// Reads every file of the disk store in `dir` and checks every checksum: `CURRENT`, the
/// manifest (and that every table it names is there, with its size), every block of every table
/// (that its keys are in order, that its filter admits every key, that its entry count and key
/// range match its properties), and every record of every log still needed.
///
/// The store is not opened and nothing is written. The directory lock is taken shared, as by a
/// read-only open: a store a server holds is [`crate::Error::Locked`] (verify a checkpoint of it
/// instead). `progress` is called with the bytes checked so far and the total, after each file.
///
/// Damage is reported, not returned as an error: an `Err` means verification itself could not
/// run (no such store, the lock, an I/O error).
pub fn verify_store(
    dir: impl AsRef<Path>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<VerifyReport> {
    crate::disk::verify::verify(dir.as_ref(), progress)
}
