//! Fuzz entry points: one function per decoder of a stored format, for the cargo-fuzz targets in
//! `fuzz/` (feature `fuzzing`; hidden, unstable, not an API). `docs/fuzzing.md` says what each
//! covers and how to run them.
//!
//! Each entry point takes arbitrary bytes and must never panic on them. It panics (through
//! `assert!`) only when an invariant breaks, which is what a fuzzer reports:
//!
//! 1. A decoder either returns a value or a typed error; a file error is `Error::Corruption` naming
//!    the file, at an offset inside it.
//! 2. What a decoder returns is never wrong: a point read agrees with a full scan, a seek lands on
//!    the first key at or after its target, a decoded record re-encodes to the bytes it came from.
//! 3. Recovery is stable: reading what recovery kept (a log cut at its torn tail, a manifest after
//!    its tail was cut) gives the same result again, and an older log is never read more leniently
//!    than the newest one.
//!
//! Every stored byte is under a checksum, so a mutated input mostly stops at the first checksum.
//! The entry points for checksummed files therefore decode each input twice: as given, and after
//! every checksum whose place the layout gives has been recomputed, so mutations reach the decoders
//! behind the checksums.
//!
//! - `log.rs`: the write-ahead log and framed records (`wal_log`, `log_frames`).
//! - `block.rs`: SSTable blocks, physical and raw (`block_trailer`, `sstable_block`).
//! - `table.rs`: a whole SSTable file (`sstable_table`).
//! - `manifest.rs`: a manifest record and a whole manifest (`manifest_edit`, `manifest_recover`).
//! - `snapshot.rs`: a snapshot file (`snapshot`).
//! - `shared.rs`: reporting a broken invariant or a file error; byte access that never panics.
//!
//! `table_blocks`, `raw_block` and `log_payloads` cut real files into seeds
//! (`fuzz/examples/seeds.rs`).

mod block;
mod log;
mod manifest;
mod shared;
mod snapshot;
mod table;
#[cfg(test)]
mod tests;

pub use block::{block_trailer, raw_block, sstable_block};
pub use log::{log_frames, log_payloads, wal_log};
pub use manifest::{manifest_edit, manifest_recover};
pub use snapshot::snapshot;
pub use table::{sstable_table, table_blocks};
