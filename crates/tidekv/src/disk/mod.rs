//! The disk backend: a log-structured merge tree. `docs/disk.md` is the design; the formats are in
//! `docs/format/`.
//!
//! Layers, bottom up: the file-system seam every disk I/O goes through ([`fs`]), file names
//! ([`file_name`]), framed logs ([`log_frame`], [`log_file`]) used by the write-ahead log ([`wal`])
//! and the manifest ([`version`]), internal keys ([`key`]) and cells ([`cell`]), the memtable
//! ([`memtable`]), SSTables and the block cache ([`table`]), and the engine that ties them
//! together ([`engine`]).

pub(crate) mod blocked_bloom;
pub(crate) mod cell;
pub(crate) mod engine;
pub(crate) mod file_name;
pub(crate) mod fs;
pub(crate) mod head_key;
pub(crate) mod key;
pub(crate) mod log_file;
pub(crate) mod log_frame;
pub(crate) mod lookup;
pub(crate) mod memtable;
pub(crate) mod repair;
pub(crate) mod table;
pub(crate) mod verify;
pub(crate) mod version;
pub(crate) mod wal;

/// Opens a disk store as `options` say, on the real file system (or, in tests, the simulated
/// disk the options name).
pub(crate) fn open(
    options: &crate::config::DiskOptions,
    clock: std::sync::Arc<dyn crate::clock::Clock>,
) -> crate::error::Result<engine::DiskEngine> {
    let base: std::sync::Arc<dyn fs::Fs> = std::sync::Arc::new(fs::StdFs);
    // Bound to the machine as it is at open: a later power cut kills this store.
    #[cfg(any(test, feature = "test-util"))]
    let base = match &options.simulated {
        Some(disk) => std::sync::Arc::new(disk.bound()),
        None => base,
    };
    if options.read_only {
        return engine::open_read_only(base, options, clock);
    }
    engine::open_with_fs(base, options, clock)
}
