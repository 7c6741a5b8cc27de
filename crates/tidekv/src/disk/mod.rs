//! The disk backend: a log-structured merge tree. `docs/disk.md` is the design; the formats are in
//! `docs/format/`.
//!
//! Layers, bottom up: the file-system seam every disk I/O goes through ([`fs`]), file names
//! ([`file_name`]), framed logs ([`log_frame`], [`log_file`]) used by the write-ahead log ([`wal`])
//! and the manifest ([`version`]), internal keys ([`key`]) and cells ([`cell`]), the memtable
//! ([`memtable`]), SSTables and the block cache ([`table`]), and the engine that ties them
//! together ([`engine`]).

pub(crate) mod cell;
pub(crate) mod engine;
pub(crate) mod file_name;
pub(crate) mod fs;
pub(crate) mod key;
pub(crate) mod log_file;
pub(crate) mod log_frame;
pub(crate) mod lookup;
pub(crate) mod memtable;
pub(crate) mod table;
pub(crate) mod version;
pub(crate) mod wal;
