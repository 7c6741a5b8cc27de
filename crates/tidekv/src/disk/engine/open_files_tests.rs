//! A store of hundreds of tables under a small `max_open_files`: every key reads back, the table
//! cache never holds more tables open than allowed between reads, and the metadata of open tables
//! stays within its share of the block cache.

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;

use super::test_support::open_on;
use super::DiskEngine;
use crate::config::DiskOptions;
use crate::disk::fs::MemFs;
use crate::engine::Engine;
use crate::stats::BackendStats;

const KEYS: u32 = 8_000;

fn options(max_open_files: usize) -> DiskOptions {
    let mut options = DiskOptions::new(PathBuf::from("/db"));
    options.memtable_size = 32 << 10;
    options.table_size = 2 << 10;
    options.block_size = 512;
    options.level_base_size = 64 << 10;
    options.max_open_files = max_open_files;
    options.block_cache_size = 256 << 10;
    // Uncompressed, so the test's few keys make hundreds of tables.
    options.compression = crate::config::Compression::None;
    options
}

fn open(fs: &MemFs, max_open_files: usize) -> DiskEngine {
    open_on(fs, &options(max_open_files)).unwrap()
}

fn key(i: u32) -> Bytes {
    Bytes::from(format!("key{i:06}"))
}

fn value(i: u32) -> Bytes {
    Bytes::from(format!("value-{i}-{}", "v".repeat((i % 50) as usize)))
}

fn tables(engine: &DiskEngine) -> usize {
    engine.inner.current().version.tables().count()
}

#[test]
fn hundreds_of_tables_read_back_through_sixteen_open_files() {
    let fs = MemFs::new();
    let engine = open(&fs, 16);
    for i in 0..KEYS {
        engine.put(0, &key(i), value(i), None).unwrap();
    }
    engine.compact().unwrap();
    assert!(tables(&engine) >= 200, "only {} tables", tables(&engine));
    engine.close().unwrap();
    drop(engine);

    let engine = open(&fs, 16);
    let bound = |engine: &DiskEngine, when: &str| {
        let stats = engine.inner.disk_stats();
        assert!(
            stats.open_tables <= 16,
            "{when}: {} tables open",
            stats.open_tables
        );
        assert!(
            stats.table_metadata_bytes <= (1 << 20),
            "{when}: {} bytes of metadata",
            stats.table_metadata_bytes
        );
        stats
    };
    for i in (0..KEYS).rev() {
        assert_eq!(engine.get(0, &key(i)).unwrap(), Some(value(i)), "key {i}");
    }
    bound(&engine, "after point reads");
    let scanned = engine
        .scan(0, (std::ops::Bound::Unbounded, std::ops::Bound::Unbounded))
        .unwrap()
        .count();
    assert_eq!(scanned, KEYS as usize);
    let stats = bound(&engine, "after a full scan");
    assert!(
        stats.table_opens as usize > tables(&engine),
        "tables were never closed and reopened: {} opens of {} tables",
        stats.table_opens,
        tables(&engine)
    );
    // Writes, flushes and compactions go on under the bound.
    for i in 0..KEYS / 2 {
        engine
            .put(0, &key(i), Bytes::from_static(b"rewritten"), None)
            .unwrap();
    }
    engine.compact().unwrap();
    for i in 0..KEYS {
        let expected = if i < KEYS / 2 {
            Bytes::from_static(b"rewritten")
        } else {
            value(i)
        };
        assert_eq!(engine.get(0, &key(i)).unwrap(), Some(expected), "key {i}");
    }
    bound(&engine, "after compaction");
    match engine.stats().unwrap() {
        BackendStats::Disk(d) => assert_eq!(d.max_open_files, 16),
        other => panic!("{other:?}"),
    }
}

#[test]
fn metadata_of_open_tables_is_charged_to_the_block_cache() {
    let fs = MemFs::new();
    let engine = open(&fs, 1_000);
    for i in 0..KEYS {
        engine.put(0, &key(i), value(i), None).unwrap();
    }
    engine.compact().unwrap();
    for i in 0..KEYS {
        engine.get(0, &key(i)).unwrap();
    }
    let stats = engine.inner.disk_stats();
    let cache = engine.inner.cache.stats();
    let cache_handle = Arc::clone(&engine.inner.cache);
    assert!(stats.table_metadata_bytes > 0);
    // What the open tables hold is set aside: data blocks only get what metadata leaves.
    assert!(
        cache.usage as u64 <= (cache.capacity as u64).saturating_sub(stats.table_metadata_bytes),
        "blocks {} + metadata {} over the capacity {}",
        cache.usage,
        stats.table_metadata_bytes,
        cache.capacity
    );
    assert_eq!(cache.reserved as u64, stats.table_metadata_bytes);
    // Closing the store gives it all back.
    engine.close().unwrap();
    drop(engine);
    assert_eq!(cache_handle.stats().reserved, 0);
}
