//! What a reader of a format-version-3 table keeps in memory, and when: nothing but its footer's
//! worth at open, the index on first use, the whole filter only if the metadata budget has room.

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
        TableFilter::Whole(_) => panic!("a version 3 table has a partitioned filter"),
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
    assert!(table.inner.index.get().is_none() && !filter_kept(&table));
    assert!(at_open < 1024, "{at_open} bytes pinned at open");
    assert_eq!(budget.used(), at_open);

    let found = table.get_at(&prefix("user:000042"), u64::MAX).unwrap();
    assert_eq!(found.map(|(seq, _)| seq), Some(43));
    assert!(table.inner.index.get().is_some() && filter_kept(&table));
    let index = table.inner.index().unwrap().pinned_bytes();
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
    assert!(table.inner.index.get().is_none() && !filter_kept(&table));

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
    let index = table.inner.index().unwrap().pinned_bytes();
    assert_eq!(budget.used(), table.metadata_bytes());
    assert!(budget.used() >= index && budget.used() < index + 1024);
}
