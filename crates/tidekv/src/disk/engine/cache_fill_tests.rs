//! A flush puts the data blocks it writes into the block cache (`Config::cache_flushed_blocks`),
//! under the right table and offsets, only when asked and when a memtable fits in half the
//! cache.

use std::ops::Bound;
use std::path::PathBuf;

use bytes::Bytes;

use super::test_support::open_on;
use super::DiskEngine;
use crate::config::DiskOptions;
use crate::disk::fs::MemFs;
use crate::engine::{Engine, ScanValue};

const KEYS: usize = 3_000;

fn key(i: usize) -> Bytes {
    Bytes::from(format!("key{i:06}"))
}

fn value(i: usize) -> Bytes {
    Bytes::from(format!("value {i} {}", "x".repeat(i % 97)))
}

/// A store with a 1 MiB memtable and a cache of `cache` bytes, `KEYS` keys written and flushed
/// into one level-0 table.
fn flushed(cache: usize, fill: bool) -> DiskEngine {
    let mut options = DiskOptions::new(PathBuf::from("/db"));
    options.memtable_size = 1 << 20;
    options.block_cache_size = cache;
    options.cache_flushed_blocks = fill;
    let engine = open_on(&MemFs::new(), &options).unwrap();
    for i in 0..KEYS {
        engine.put(0, &key(i), value(i), None).unwrap();
    }
    engine.inner.flush_memtables().unwrap();
    assert_eq!(engine.inner.current().version.levels[0].len(), 1);
    engine
}

/// Reads every key back, checking its value, and returns the block-cache misses it took.
fn misses_reading_everything(engine: &DiskEngine) -> u64 {
    let before = engine.inner.cache.stats().misses;
    for i in 0..KEYS {
        assert_eq!(engine.get(0, &key(i)).unwrap(), Some(value(i)), "key {i}");
    }
    engine.inner.cache.stats().misses - before
}

#[test]
fn a_flush_caches_its_data_blocks_and_reads_find_them_there() {
    let filled = flushed(8 << 20, true);
    let held = filled.inner.cache.stats();
    let table_bytes = filled.inner.current().version.levels[0][0].meta.size as usize;
    // Every data block is in the cache before anything is read (raw blocks are larger than the
    // compressed table, so at least the table's size is charged).
    assert!(held.entries > 10, "{held:?}");
    assert!(
        held.usage >= table_bytes / 2,
        "{held:?}, table {table_bytes}"
    );
    let with_fill = misses_reading_everything(&filled);

    let plain = flushed(8 << 20, false);
    assert_eq!(plain.inner.cache.stats().entries, 0);
    let without_fill = misses_reading_everything(&plain);
    // Without the fill every data block misses once; with it only the index partitions the
    // reader loads on demand may.
    assert!(without_fill >= held.entries as u64, "{without_fill} misses");
    assert!(
        with_fill * 10 < without_fill,
        "{with_fill} vs {without_fill}"
    );
}

#[test]
fn a_cache_smaller_than_two_memtables_is_not_filled() {
    let engine = flushed(2 << 20, true);
    assert!(engine.inner.fills_cache_on_flush());
    let engine = flushed((2 << 20) - 1, true);
    assert!(!engine.inner.fills_cache_on_flush());
    assert_eq!(engine.inner.cache.stats().entries, 0);
}

/// Blocks cached by a flush are the blocks of that table at their offsets: a scan through every
/// key (which reads blocks in order, from the cache) returns exactly what was written.
#[test]
fn a_scan_of_a_filled_table_returns_what_was_written() {
    let engine = flushed(8 << 20, true);
    let before = engine.inner.cache.stats().misses;
    let got: Vec<(Bytes, ScanValue)> = engine
        .scan(0, (Bound::Unbounded, Bound::Unbounded))
        .unwrap()
        .collect::<crate::error::Result<_>>()
        .unwrap();
    let want: Vec<(Bytes, ScanValue)> = (0..KEYS)
        .map(|i| (key(i), ScanValue::String(value(i))))
        .collect();
    assert_eq!(got, want);
    assert!(engine.inner.cache.stats().misses - before < 10);
}
