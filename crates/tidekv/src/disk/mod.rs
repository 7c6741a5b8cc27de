//! The disk backend: a log-structured merge tree (issue #3, in progress).
//!
//! Built so far: the file-system seam every disk I/O goes through ([`fs`]), the store directory's
//! file names ([`file_name`]), the write-ahead log ([`wal`]) and the framing and log writer it
//! shares with the manifest ([`log_frame`], [`log_file`]), internal keys ([`key`]), the memtable
//! ([`memtable`]), version edits and the manifest ([`version`]) and the SSTable building blocks
//! ([`table`]). The engine that ties them together is not built yet, so `Config::disk` does not
//! exist yet.

pub(crate) mod file_name;
pub(crate) mod fs;
pub(crate) mod key;
pub(crate) mod log_file;
pub(crate) mod log_frame;
pub(crate) mod memtable;
pub(crate) mod table;
pub(crate) mod version;
pub(crate) mod wal;
