//! The portable snapshot format: one versioned, checksummed, streaming file that every backend saves
//! and loads. The byte layout is specified in `docs/format/snapshot.md`.

pub(crate) mod format;
mod reader;
mod writer;

pub(crate) use reader::SnapshotReader;
pub(crate) use writer::SnapshotWriter;
