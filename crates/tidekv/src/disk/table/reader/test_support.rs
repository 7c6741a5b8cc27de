//! Helpers shared by the reader's test files: a table at a fixed path in a `MemFs`, written from
//! entries and opened, and the offsets of its parts.

use std::path::PathBuf;

use super::meta::parse_footer;
use super::*;
use crate::config::Compression;
use crate::disk::fs::{Fs, MemFs};
use crate::disk::key::{internal_key, put_prefix, Space};
use crate::disk::table::builder::{TableBuilder, TableOptions, FOOTER_LEN};
use crate::disk::table::metadata_budget::MetadataBudget;

pub(super) const ALL: [Compression; 4] = [
    Compression::None,
    Compression::Lz4,
    Compression::Snappy,
    Compression::Zstd(3),
];

pub(super) fn key(user: &str, seq: u64) -> Bytes {
    internal_key(0, Space::User, user.as_bytes(), b"", seq)
}

pub(super) fn prefix(user: &str) -> Vec<u8> {
    let mut out = Vec::new();
    put_prefix(&mut out, 0, Space::User, user.as_bytes(), b"");
    out
}

pub(super) fn path() -> PathBuf {
    PathBuf::from("/db/000007.sst")
}

/// Writes `entries` (in order) as a table at [`path`] and opens it.
pub(super) fn write(fs: &MemFs, entries: &[(Bytes, Bytes)], options: TableOptions) -> TableInfo {
    let mut b = TableBuilder::new(fs.create(&path()).unwrap(), options);
    for (k, v) in entries {
        b.add(k, v).unwrap();
    }
    b.finish().unwrap()
}

/// The number of the table at [`path`].
pub(super) const NUMBER: u64 = 7;

pub(super) fn open(fs: &MemFs) -> Result<TableReader> {
    open_with(fs, BlockCache::new(1 << 20))
}

/// Opens the table with room in its metadata budget for anything it may pin.
pub(super) fn open_with(fs: &MemFs, cache: Arc<BlockCache>) -> Result<TableReader> {
    open_with_budget(fs, cache, usize::MAX)
}

/// Opens the table with a metadata budget of `budget` bytes (with 0, a lookup reads one
/// partition of the filter and keeps nothing).
pub(super) fn open_with_budget(
    fs: &MemFs,
    cache: Arc<BlockCache>,
    budget: usize,
) -> Result<TableReader> {
    TableReader::open(fs, &path(), NUMBER, MetadataBudget::new(cache, budget))
}

/// `n` distinct keys, one version each, with values long enough to fill many blocks.
pub(super) fn many(n: u64) -> Vec<(Bytes, Bytes)> {
    (0..n)
        .map(|i| {
            let value = format!("value-{i}-{}", "x".repeat((i % 50) as usize));
            (key(&format!("user:{i:06}"), i + 1), Bytes::from(value))
        })
        .collect()
}

pub(super) fn collect(iter: TableIter) -> Result<Vec<(Bytes, Bytes)>> {
    iter.collect()
}

pub(super) fn assert_corruption(result: Result<impl std::fmt::Debug>, offset: u64) {
    match result {
        Err(Error::Corruption {
            file, offset: at, ..
        }) => {
            assert_eq!(file, path());
            assert_eq!(at, offset);
        }
        other => panic!("expected corruption at {offset}, got {other:?}"),
    }
}

/// Offsets of the table's parts: data blocks, filter, properties, index (from version 4: its top
/// level), footer.
pub(super) fn layout(table: &TableReader) -> (Vec<u64>, u64, u64, u64, u64) {
    let file = &table.inner.file;
    let footer_at = file.len() - FOOTER_LEN as u64;
    let footer = parse_footer(&file.read_at(footer_at, FOOTER_LEN).unwrap()).unwrap();
    let data = table
        .inner
        .blocks()
        .unwrap()
        .iter()
        .map(|(_, handle)| handle.offset)
        .collect();
    (
        data,
        footer.filter.offset,
        footer.properties.offset,
        footer.index.offset,
        footer_at,
    )
}

pub(super) fn flip(fs: &MemFs, offset: u64, bit: u8) {
    let data = fs.read_all(&path()).unwrap();
    fs.corrupt(&path(), offset as usize, data[offset as usize] ^ (1 << bit));
}
