//! The write-ahead log: every write is appended here as one record before it reaches the memtable.
//! Format: `docs/format/wal.md`.

pub(crate) mod record;
pub(crate) mod recovery;
pub(crate) mod writer;
