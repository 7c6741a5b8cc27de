//! What a reader of a table of the format written now (version 4) keeps in memory, and when:
//! nothing but its footer's worth at open, the index's top level on first use, and the whole
//! index and the whole filter only if the metadata budget has room; otherwise each lookup reads
//! one partition of each.

use std::sync::atomic::AtomicU64;

use super::test_support::*;
use super::*;
use crate::disk::fs::MemFs;
use crate::disk::table::bloom::bloom_hash;
use crate::disk::table::builder::TableOptions;

const KEYS: u64 = 5_000;

fn open_under(fs: &MemFs, budget: &Arc<MetadataBudget>) -> TableReader {
    TableReader::open(fs, &path(), NUMBER, Arc::clone(budget)).unwrap()
}

fn filter_kept(table: &TableReader) -> bool {
    match &table.inner.filter {
        TableFilter::Partitioned { whole, .. } => whole.get().is_some(),
        TableFilter::Whole(_) => panic!("a version 4 table has a partitioned filter"),
    }
}

/// Bytes of the filter's partitions, from the footer's filter handle.
fn partitions_len(table: &TableReader) -> usize {
    let (_, filter, properties, ..) = layout(table);
    (properties - filter) as usize - crate::disk::table::bloom_partitioned::DESCRIPTOR_LEN
}

#[test]
fn an_open_reads_no_index_or_filter_and_the_first_lookup_pins_both_while_there_is_room() {
    let fs = MemFs::new();
    write(&fs, &many(KEYS), TableOptions::default());
    let blocks = BlockCache::new(1 << 20);
    let budget = MetadataBudget::new(Arc::clone(&blocks), usize::MAX);
    let table = open_under(&fs, &budget);
    let at_open = table.metadata_bytes();
    assert!(table.inner.index_held() == (false, false) && !filter_kept(&table));
    assert!(at_open < 1024, "{at_open} bytes pinned at open");
    assert_eq!(budget.used(), at_open);

    let found = table.get_at(&prefix("user:000042"), u64::MAX).unwrap();
    assert_eq!(found.map(|(seq, _)| seq), Some(43));
    assert!(table.inner.index_held() == (true, true) && filter_kept(&table));
    let index = table.inner.index_bytes();
    let pinned = at_open + index + partitions_len(&table);
    assert_eq!(table.metadata_bytes(), pinned);
    assert_eq!((budget.used(), blocks.stats().reserved), (pinned, pinned));

    drop(table);
    assert_eq!(
        (budget.used(), blocks.stats().reserved),
        (0, 0),
        "a dropped reader gives back all it charged"
    );
}

#[test]
fn without_room_lookups_read_one_partition_each_and_keep_no_filter() {
    let fs = MemFs::new();
    let entries = many(KEYS);
    write(&fs, &entries, TableOptions::default());
    let budget = MetadataBudget::new(BlockCache::new(1 << 20), 0);
    let table = open_under(&fs, &budget);

    // Filter probes alone never need the index.
    let mut let_through = 0;
    for i in 0..2_000 {
        let hash = bloom_hash(&prefix(&format!("absent:{i}")));
        let_through += u32::from(table.may_contain_hash(hash).unwrap());
    }
    assert!(
        let_through < 100,
        "{let_through} of 2,000 absent keys let through"
    );
    assert!(table.inner.index_held() == (false, false) && !filter_kept(&table));

    let skips = AtomicU64::new(0);
    for (i, (_, value)) in entries.iter().enumerate() {
        let lookup = LookupKey::new(prefix(&format!("user:{i:06}")), u64::MAX);
        let got = table.get(&lookup, &skips).unwrap();
        assert_eq!(got, Some((i as u64 + 1, value.clone())), "key {i}");
    }
    assert_eq!(
        skips.load(Ordering::Relaxed),
        0,
        "a present key was filtered out"
    );
    assert!(!filter_kept(&table), "the filter was kept past the budget");
    assert_eq!(
        table.inner.index_held(),
        (true, false),
        "the whole index was kept past the budget"
    );
    let top = table.inner.index_bytes();
    assert_eq!(budget.used(), table.metadata_bytes());
    assert!(budget.used() >= top && budget.used() < top + 1024);
    // The top level is a small part of the whole index.
    let blocks = table.inner.blocks().unwrap().len();
    assert!(
        top * 20 < blocks * 24,
        "top level of {top} bytes for {blocks} blocks"
    );
}

/// Without room for the whole index, a lookup reads the one partition it needs through the block
/// cache: a second pass over the same keys reads no partition again.
#[test]
fn without_room_index_partitions_are_read_through_the_block_cache() {
    let fs = MemFs::new();
    let entries = many(KEYS);
    let options = TableOptions {
        block_size: 1024,
        ..TableOptions::default()
    };
    write(&fs, &entries, options);
    // Counted through a reader of its own, so that the one tested starts with an empty cache.
    let counter = open_under(&fs, &MetadataBudget::new(BlockCache::new(0), 0));
    let partitions = counter.inner.partitions().unwrap().len();
    let data_blocks = counter.inner.blocks().unwrap().len();
    assert!(partitions > 3, "{partitions} partitions");
    let blocks = BlockCache::new(64 << 20);
    let budget = MetadataBudget::new(Arc::clone(&blocks), 0);
    let table = open_under(&fs, &budget);
    let before = blocks.stats();
    let skips = AtomicU64::new(0);
    let lookup = |i: usize| {
        let lookup = LookupKey::new(prefix(&format!("user:{i:06}")), u64::MAX);
        table.get(&lookup, &skips).unwrap().map(|(seq, _)| seq)
    };
    for i in 0..entries.len() {
        assert_eq!(lookup(i), Some(i as u64 + 1));
    }
    let first = blocks.stats();
    assert_eq!(
        first.misses - before.misses,
        (partitions + data_blocks) as u64,
        "each partition and data block read once"
    );
    for i in (0..entries.len()).rev() {
        assert_eq!(lookup(i), Some(i as u64 + 1));
    }
    assert_eq!(
        blocks.stats().misses,
        first.misses,
        "a second pass read again"
    );
    assert_eq!(table.inner.index_held(), (true, false));
}

/// Iteration, seeks and the random block pick see the same table whether the whole index is
/// kept or each partition is read on its own, across many partitions.
#[test]
fn scans_agree_with_and_without_the_whole_index() {
    let fs = MemFs::new();
    let entries = many(3_000);
    let options = TableOptions {
        block_size: 256,
        ..TableOptions::default()
    };
    write(&fs, &entries, options);
    let whole = open_under(
        &fs,
        &MetadataBudget::new(BlockCache::new(1 << 20), usize::MAX),
    );
    let parts = open_under(&fs, &MetadataBudget::new(BlockCache::new(1 << 20), 0));
    assert_eq!(collect(whole.iter()).unwrap(), entries);
    assert_eq!(whole.inner.index_held(), (true, true));
    assert_eq!(collect(parts.iter()).unwrap(), entries);
    assert_eq!(parts.inner.index_held(), (true, false));
    let named = parts.inner.partitions().unwrap();
    assert!(named.len() > 20, "{} partitions", named.len());
    // Seek to every partition's last key, just past it, and to keys inside partitions.
    let mut targets: Vec<Vec<u8>> = Vec::new();
    for (_, last) in &named {
        targets.push(last.to_vec());
        let mut past = last.to_vec();
        past.push(0);
        targets.push(past);
    }
    targets.extend(
        (0..entries.len())
            .step_by(97)
            .map(|i| entries[i].0.to_vec()),
    );
    targets.push(b"\xff".to_vec());
    for target in &targets {
        let expected: Vec<_> = entries
            .iter()
            .filter(|(k, _)| k.as_ref() >= target.as_slice())
            .cloned()
            .collect();
        assert_eq!(collect(whole.seek(target)).unwrap(), expected);
        assert_eq!(collect(parts.seek(target)).unwrap(), expected);
    }
    // Every pick names a real block boundary, and the picks spread over the partitions.
    let boundaries: Vec<Bytes> = whole
        .inner
        .blocks()
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    let mut seen = std::collections::HashSet::new();
    for pick in 0..2_000u64 {
        let pick = pick.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        for table in [&whole, &parts] {
            let (prev, count) = table.pick_block(pick).unwrap();
            assert!(
                count * 2 > boundaries.len() && count < boundaries.len() * 2,
                "{count}"
            );
            if let Some(prev) = prev {
                assert!(boundaries.contains(&prev));
                seen.insert(prev);
            }
        }
    }
    assert!(
        seen.len() * 2 > boundaries.len(),
        "{} of {} blocks picked",
        seen.len(),
        boundaries.len()
    );
}
