//! Tests of the table reader (and the tables `builder.rs` writes): round trips, snapshot reads,
//! the bloom filter, seeks and the block cache. Damage is tested in `damage_tests.rs`.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::test_support::*;
use super::*;
use crate::config::Compression;
use crate::disk::fs::{Fs, MemFs};
use crate::disk::table::builder::{TableBuilder, TableOptions};
use crate::disk::table::metadata_budget::MetadataBudget;

#[test]
fn thousands_of_entries_round_trip_across_many_blocks_with_every_compression() {
    let entries = many(5_000);
    for compression in ALL {
        let fs = MemFs::new();
        let options = TableOptions {
            compression,
            ..TableOptions::default()
        };
        let info = write(&fs, &entries, options);
        let table = open(&fs).unwrap();
        assert_eq!(table.info(), &info);
        assert_eq!(info.entries, 5_000);
        assert_eq!(info.size, fs.read_all(&path()).unwrap().len() as u64);
        assert_eq!((info.min_seq, info.max_seq), (1, 5_000));
        assert_eq!(info.smallest, entries[0].0);
        assert_eq!(info.largest, entries[4_999].0);
        assert!(table.inner.blocks().unwrap().len() > 50, "{compression:?}");
        assert_eq!(collect(table.iter()).unwrap(), entries, "{compression:?}");
        for (i, (_, v)) in entries.iter().enumerate() {
            let got = table
                .get_at(&prefix(&format!("user:{i:06}")), u64::MAX)
                .unwrap();
            assert_eq!(got, Some((i as u64 + 1, v.clone())));
        }
    }
}

#[test]
fn compression_shrinks_the_table() {
    let entries = many(2_000);
    let size = |compression| {
        let options = TableOptions {
            compression,
            ..TableOptions::default()
        };
        write(&MemFs::new(), &entries, options).size
    };
    let plain = size(Compression::None);
    assert!(size(Compression::Lz4) < plain / 2);
    assert!(size(Compression::Snappy) < plain / 2);
    assert!(size(Compression::Zstd(3)) < plain / 2);
}

#[test]
fn get_returns_the_newest_version_at_or_below_the_snapshot() {
    let fs = MemFs::new();
    let mut entries = vec![
        (key("a", 3), Bytes::from("a3")),
        (key("k", 9), Bytes::from("v9")),
        (key("k", 5), Bytes::from("v5")),
        (key("k", 2), Bytes::from("v2")),
        (key("k\0", 7), Bytes::from("other key")),
        (key("z", 20), Bytes::from("only new")),
    ];
    // Many versions of one key, spanning several small blocks.
    for seq in (100..400).rev() {
        entries.push((key("zz", seq), Bytes::from(format!("zz{seq}"))));
    }
    let options = TableOptions {
        block_size: 256,
        ..TableOptions::default()
    };
    write(&fs, &entries, options);
    let table = open(&fs).unwrap();
    assert!(table.inner.blocks().unwrap().len() > 5);
    let get = |user: &str, snap| table.get_at(&prefix(user), snap).unwrap();
    assert_eq!(get("k", 1), None);
    assert_eq!(get("k", 2), Some((2, Bytes::from("v2"))));
    assert_eq!(get("k", 4), Some((2, Bytes::from("v2"))));
    assert_eq!(get("k", 5), Some((5, Bytes::from("v5"))));
    assert_eq!(get("k", 8), Some((5, Bytes::from("v5"))));
    assert_eq!(get("k", u64::MAX), Some((9, Bytes::from("v9"))));
    assert_eq!(get("k\0", 6), None);
    assert_eq!(get("k\0", 7), Some((7, Bytes::from("other key"))));
    // Only a version newer than the snapshot exists.
    assert_eq!(get("z", 19), None);
    assert_eq!(get("a", 0), None);
    for snap in [100, 101, 250, 399, 400, u64::MAX] {
        let seq = snap.min(399);
        assert_eq!(
            get("zz", snap),
            Some((seq, Bytes::from(format!("zz{seq}"))))
        );
    }
    assert_eq!(get("zz", 99), None);
    // Absent keys: before, between and after every stored key.
    for absent in ["", "0", "b", "kk", "y", "zzz"] {
        assert_eq!(get(absent, u64::MAX), None, "{absent}");
    }
}

/// A point read of `key` at `snapshot` through `table`, counting filter skips in `skips`.
fn counted_get(
    table: &TableReader,
    key: &str,
    snapshot: u64,
    skips: &std::sync::atomic::AtomicU64,
) -> Option<(u64, Bytes)> {
    let lookup = crate::disk::lookup::LookupKey::new(prefix(key).to_vec(), snapshot);
    table.get(&lookup, skips).unwrap()
}

fn skips_of(skips: &std::sync::atomic::AtomicU64) -> u64 {
    skips.load(std::sync::atomic::Ordering::Relaxed)
}

#[test]
fn the_bloom_filter_skips_absent_keys_and_never_a_present_one() {
    let fs = MemFs::new();
    let entries = many(2_000);
    write(&fs, &entries, TableOptions::default());
    let table = open(&fs).unwrap();
    let skips = std::sync::atomic::AtomicU64::new(0);
    for i in 0..2_000 {
        let key = format!("user:{i:06}");
        // Every entry's sequence number is at least 1: none is visible at snapshot 0.
        assert_eq!(counted_get(&table, &key, 0, &skips), None);
        assert!(counted_get(&table, &key, u64::MAX, &skips).is_some());
    }
    assert_eq!(skips_of(&skips), 0, "a present key was skipped");
    for i in 0..1_000 {
        let key = format!("absent:{i}");
        assert_eq!(counted_get(&table, &key, u64::MAX, &skips), None);
    }
    // 10 bits per key: about 1% of absent keys get through.
    assert!(skips_of(&skips) > 950, "{}", skips_of(&skips));
}

#[test]
fn without_a_filter_every_get_reads_a_block() {
    let fs = MemFs::new();
    let options = TableOptions {
        bloom_bits_per_key: 0,
        ..TableOptions::default()
    };
    write(&fs, &many(100), options);
    let table = open(&fs).unwrap();
    let skips = std::sync::atomic::AtomicU64::new(0);
    for i in 0..100 {
        let key = format!("absent:{i}");
        assert_eq!(counted_get(&table, &key, u64::MAX, &skips), None);
    }
    assert_eq!(skips_of(&skips), 0);
    assert!(counted_get(&table, "user:000042", u64::MAX, &skips).is_some());
}

#[test]
fn seek_lands_on_the_first_key_at_or_after_the_target() {
    let fs = MemFs::new();
    let entries = many(1_000);
    let options = TableOptions {
        block_size: 512,
        restart_interval: 4,
        ..TableOptions::default()
    };
    write(&fs, &entries, options);
    let table = open(&fs).unwrap();
    let from = |target: &[u8]| collect(table.seek(target)).unwrap();
    assert_eq!(from(b""), entries);
    assert_eq!(from(&entries[0].0), entries);
    for i in [1, 17, 499, 500, 998, 999] {
        // Exactly a key, and just after the previous one.
        assert_eq!(from(&entries[i].0), &entries[i..]);
        let mut after_prev = entries[i - 1].0.to_vec();
        after_prev.push(0);
        assert_eq!(from(&after_prev), &entries[i..]);
    }
    // The last key of every block, and just past it (the next block's first key).
    for (last_key, _) in table.inner.blocks().unwrap() {
        let at = entries.iter().position(|(k, _)| *k == last_key).unwrap();
        assert_eq!(from(&last_key), &entries[at..]);
        let mut past = last_key.to_vec();
        past.push(0);
        assert_eq!(from(&past), &entries[at + 1..]);
    }
    assert_eq!(from(b"\xff"), []);
    // An iterator can seek again, backwards or forwards.
    let mut iter = table.seek(&entries[900].0);
    assert_eq!(iter.next().unwrap().unwrap(), entries[900]);
    iter.seek(&entries[3].0);
    assert_eq!(iter.next().unwrap().unwrap(), entries[3]);
    iter.seek(b"\xff");
    assert!(iter.next().is_none());
    iter.seek(b"");
    assert_eq!(iter.count(), 1_000);
}

#[test]
fn a_table_with_one_entry() {
    for compression in ALL {
        let fs = MemFs::new();
        let entry = (key("only", 7), Bytes::from("value"));
        let options = TableOptions {
            compression,
            ..TableOptions::default()
        };
        let info = write(&fs, std::slice::from_ref(&entry), options);
        assert_eq!(info.smallest, info.largest);
        let table = open(&fs).unwrap();
        assert_eq!(table.info().entries, 1);
        assert_eq!((table.info().min_seq, table.info().max_seq), (7, 7));
        assert_eq!(collect(table.iter()).unwrap(), std::slice::from_ref(&entry));
        assert_eq!(
            collect(table.seek(&entry.0)).unwrap(),
            std::slice::from_ref(&entry)
        );
        assert_eq!(collect(table.seek(&key("only", 6))).unwrap(), []);
        assert_eq!(
            table.get_at(&prefix("only"), 7).unwrap(),
            Some((7, Bytes::from("value")))
        );
        assert_eq!(table.get_at(&prefix("only"), 6).unwrap(), None);
        assert_eq!(table.get_at(&prefix("other"), u64::MAX).unwrap(), None);
    }
}

#[test]
fn a_second_get_of_the_same_key_is_a_cache_hit() {
    let fs = MemFs::new();
    write(&fs, &many(1_000), TableOptions::default());
    let cache = BlockCache::new(1 << 20);
    let table = open_with(&fs, Arc::clone(&cache)).unwrap();
    assert_eq!(table.number(), NUMBER);
    let get = || table.get_at(&prefix("user:000500"), u64::MAX).unwrap();
    let first = get();
    let stats = cache.stats();
    assert_eq!((stats.hits, stats.misses, stats.entries), (0, 1, 1));
    assert_eq!(get(), first);
    let stats = cache.stats();
    assert_eq!((stats.hits, stats.misses, stats.entries), (1, 1, 1));
    // Opening the table did not touch the cache: metadata is pinned in the reader instead.
    let again = open_with(&fs, Arc::clone(&cache)).unwrap();
    assert_eq!(cache.stats().hits, 1);
    assert_eq!(
        again.get_at(&prefix("user:000500"), u64::MAX).unwrap(),
        first
    );
    assert_eq!(
        cache.stats().hits,
        2,
        "a reopened table shares cached blocks"
    );
}

#[test]
fn tables_sharing_a_cache_never_see_each_others_blocks() {
    let fs = MemFs::new();
    let cache = BlockCache::new(1 << 20);
    let mut tables = Vec::new();
    for number in [7, 8] {
        let value = format!("in table {number}");
        let path = PathBuf::from(format!("/db/{number:06}.sst"));
        let mut b = TableBuilder::new(fs.create(&path).unwrap(), TableOptions::default());
        b.add(&key("k", 1), value.as_bytes()).unwrap();
        b.finish().unwrap();
        tables.push(
            TableReader::open(
                &fs,
                &path,
                number,
                MetadataBudget::new(Arc::clone(&cache), usize::MAX),
            )
            .unwrap(),
        );
    }
    for _ in 0..2 {
        for table in &tables {
            let value = format!("in table {}", table.number());
            assert_eq!(
                table.get_at(&prefix("k"), u64::MAX).unwrap(),
                Some((1, Bytes::from(value)))
            );
        }
    }
    let stats = cache.stats();
    assert_eq!((stats.entries, stats.hits, stats.misses), (2, 2, 2));
}

#[test]
fn a_cache_smaller_than_one_block_still_reads_everything() {
    let fs = MemFs::new();
    let entries = many(1_000);
    write(&fs, &entries, TableOptions::default());
    let cache = BlockCache::new(100);
    let table = open_with(&fs, Arc::clone(&cache)).unwrap();
    assert_eq!(collect(table.iter()).unwrap(), entries);
    assert_eq!(
        collect(table.seek(&entries[700].0)).unwrap(),
        &entries[700..]
    );
    for (i, (_, v)) in entries.iter().enumerate() {
        let got = table.get_at(&prefix(&format!("user:{i:06}")), u64::MAX);
        assert_eq!(got.unwrap(), Some((i as u64 + 1, v.clone())));
    }
    let stats = cache.stats();
    assert_eq!((stats.usage, stats.entries, stats.hits), (0, 0, 0));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random tables (keys with several versions) read back like a sorted map: iteration, seeks,
    /// and `get` at random snapshots.
    #[test]
    fn tables_read_back_like_a_sorted_map(
        writes in prop::collection::vec((0u8..40, 1u64..50, prop::collection::vec(any::<u8>(), 0..40)), 1..300),
        block_size in prop::sample::select(vec![64usize, 300, 4096]),
        restart_interval in 1usize..20,
        compression in prop::sample::select(ALL.to_vec()),
        probes in prop::collection::vec((0u8..42, 0u64..52), 1..40),
    ) {
        let mut model = BTreeMap::new();
        for (user, seq, value) in writes {
            model.insert(key(&format!("u{user}"), seq), Bytes::from(value));
        }
        let entries: Vec<_> = model.clone().into_iter().collect();
        let fs = MemFs::new();
        let options = TableOptions { block_size, restart_interval, compression, bloom_bits_per_key: 10 };
        write(&fs, &entries, options);
        let table = open(&fs).unwrap();
        prop_assert_eq!(collect(table.iter()).unwrap(), entries.clone());
        for (user, snap) in probes {
            let target = key(&format!("u{user}"), snap);
            let expected: Vec<_> = model.range(target.clone()..).map(|(k, v)| (k.clone(), v.clone())).collect();
            prop_assert_eq!(collect(table.seek(&target)).unwrap(), expected);
            let p = prefix(&format!("u{user}"));
            let newest = model
                .range(target..)
                .next()
                .and_then(|(k, v)| split_seq(k).filter(|(f, _)| *f == p.as_slice()).map(|(_, s)| (s, v.clone())));
            prop_assert_eq!(table.get_at(&p, snap).unwrap(), newest);
        }
    }
}
