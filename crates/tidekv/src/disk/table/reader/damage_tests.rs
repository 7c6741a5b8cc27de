//! Damage to a table must be reported as `Error::Corruption` at the damaged block (or an I/O
//! error for a failed read), never a panic or a wrong value.

use super::test_support::*;
use super::*;
use crate::disk::fs::{Fault, Fs, MemFs};
use crate::disk::table::bloom_partitioned::DESCRIPTOR_LEN;
use crate::disk::table::builder::{TableOptions, FOOTER_LEN};

#[test]
fn a_flipped_bit_in_a_data_block_is_reported_by_the_get_and_iter_that_read_it() {
    for compression in ALL {
        let fs = MemFs::new();
        let entries = many(500);
        let options = TableOptions {
            compression,
            ..TableOptions::default()
        };
        write(&fs, &entries, options);
        let (data, ..) = layout(&open(&fs).unwrap());
        let victim = data[3];
        flip(&fs, victim + 10, 2);
        // Open reads no data block: it succeeds.
        let table = open(&fs).unwrap();
        let block_keys: Vec<usize> = (0..500)
            .filter(|&i| {
                let blocks = table.inner.blocks().unwrap();
                let at = blocks.partition_point(|(last, _)| *last < entries[i].0);
                blocks[at].1.offset == victim
            })
            .collect();
        assert!(!block_keys.is_empty());
        for (i, (_, value)) in entries.iter().enumerate() {
            let got = table.get_at(&prefix(&format!("user:{i:06}")), u64::MAX);
            if block_keys.contains(&i) {
                assert_corruption(got, victim);
            } else {
                assert_eq!(got.unwrap(), Some((i as u64 + 1, value.clone())));
            }
        }
        // Iteration yields the entries before the block, then the error, then nothing.
        let mut iter = table.iter();
        for entry in &entries[..block_keys[0]] {
            assert_eq!(&iter.next().unwrap().unwrap(), entry);
        }
        assert_corruption(iter.next().unwrap(), victim);
        assert!(iter.next().is_none());
        assert_corruption(collect(table.seek(&entries[block_keys[1]].0)), victim);
    }
}

/// The filter's descriptor, the properties and the footer are read at open: a flipped bit there
/// fails it. The index (its top level and its partitions) and the filter's partitions are read
/// later: a flipped bit there fails the first read that needs them, at the damaged block's
/// offset, whether the lookup keeps the whole index (the budget has room) or reads one partition.
#[test]
fn a_flipped_bit_in_the_metadata_fails_the_open_or_the_read_that_needs_it() {
    // Blocks of 1 KiB make an index of several partitions.
    let options = TableOptions {
        block_size: 1024,
        ..TableOptions::default()
    };
    let fs = MemFs::new();
    write(&fs, &many(5_000), options);
    let table = open(&fs).unwrap();
    let (_, filter, properties, top, footer) = layout(&table);
    let named = table.inner.partitions().unwrap();
    assert!(named.len() > 2, "{} index partitions", named.len());
    let partitions: Vec<_> = named.iter().map(|(handle, _)| *handle).collect();
    let size = fs.read_all(&path()).unwrap().len() as u64;
    let descriptor = properties - DESCRIPTOR_LEN as u64;
    // 5,000 keys × 10 bits: 98 blocks, so two partitions, the second 4,101 bytes in.
    let second = filter + 4096 + 5;
    assert!(second < descriptor);
    let at_open = [
        (descriptor, properties, descriptor),
        (properties, partitions[0].offset, properties),
        (footer, size, footer),
    ];
    let mut at_read = vec![
        (top, footer, top),
        (filter, second, filter),
        (second, descriptor, second),
    ];
    at_read.extend(partitions.iter().map(|p| (p.offset, p.end(), p.offset)));
    let damaged = |offset, bit| {
        let fs = MemFs::new();
        write(&fs, &many(5_000), options);
        flip(&fs, offset, bit);
        fs
    };
    for (start, end, reported) in at_open {
        for offset in [start, (start + end) / 2, end - 1] {
            for bit in [0, 7] {
                assert_corruption(open(&damaged(offset, bit)), reported);
            }
        }
    }
    for (start, end, reported) in at_read {
        let partition = named.iter().find(|(p, _)| p.offset == reported);
        let is_partition = partition.is_some();
        // With room, the first lookup reads the whole filter and the whole index; without, one
        // partition of each (index partitions and the top level are tested both ways).
        let budgets = match reported < properties {
            true => [usize::MAX, usize::MAX],
            false => [usize::MAX, 0],
        };
        for offset in [start, (start + end) / 2, end - 1] {
            for (bit, budget) in [0, 7].into_iter().zip(budgets) {
                let fs = damaged(offset, bit);
                let budget = MetadataBudget::new(BlockCache::new(1 << 20), budget);
                let table = TableReader::open(&fs, &path(), NUMBER, budget).unwrap();
                // Without room a lookup reads only its own index partition: ask for the last
                // key it names.
                let key = match partition {
                    Some((_, last)) => split_seq(last).unwrap().0.to_vec(),
                    None => prefix("user:000042"),
                };
                assert_corruption(table.get_at(&key, u64::MAX), reported);
                if is_partition {
                    assert_corruption(collect(table.iter()), reported);
                }
            }
        }
    }
}

#[test]
fn a_truncated_file_is_corruption() {
    let fs = MemFs::new();
    let info = write(&fs, &many(300), TableOptions::default());
    let full = fs.read_all(&path()).unwrap();
    for len in [
        0,
        1,
        63,
        64,
        65,
        info.size / 2,
        info.size - 8,
        info.size - 1,
    ] {
        fs.put(&path(), full[..len as usize].to_vec());
        let reported = len.saturating_sub(FOOTER_LEN as u64);
        assert_corruption(open(&fs), reported);
    }
    // Missing entirely: an I/O error, not corruption.
    fs.remove(&path()).unwrap();
    assert!(matches!(open(&fs), Err(Error::Io { .. })));
}

/// Every single-bit flip anywhere in a small table is caught: open fails, or every read either
/// fails or returns exactly what was written. With a cache, every read is done twice, so a damaged
/// block is never cached and later served as if it were good.
fn no_flipped_bit_ever_yields_a_wrong_value(cache_bytes: usize, metadata_budget: usize) {
    let entries: Vec<_> = (0..40)
        .map(|i| {
            (
                key(&format!("k{i:02}"), i + 1),
                Bytes::from(format!("v{i}")),
            )
        })
        .collect();
    let options = TableOptions {
        block_size: 128,
        ..TableOptions::default()
    };
    let fs = MemFs::new();
    write(&fs, &entries, options);
    let original = fs.read_all(&path()).unwrap();
    let (_, filter, properties, ..) = layout(&open(&fs).unwrap());
    let descriptor = properties - DESCRIPTOR_LEN as u64;
    let passes = if cache_bytes == 0 { 1 } else { 2 };
    for offset in 0..original.len() {
        for bit in 0..8 {
            let mut damaged = original.clone();
            damaged[offset] ^= 1 << bit;
            fs.put(&path(), damaged);
            // A fresh cache: the same table number now names different bytes.
            let opened = open_with_budget(&fs, BlockCache::new(cache_bytes), metadata_budget);
            let Ok(table) = opened else {
                continue;
            };
            for _ in 0..passes {
                match collect(table.iter()) {
                    // Iteration never reads the filter: damage there leaves it whole.
                    Ok(all) => assert!(
                        (filter..descriptor).contains(&(offset as u64)) && all == entries,
                        "byte {offset} bit {bit}: iteration read {} entries",
                        all.len()
                    ),
                    Err(e) => assert!(matches!(e, Error::Corruption { .. })),
                }
                for (i, (_, v)) in entries.iter().enumerate() {
                    match table.get_at(&prefix(&format!("k{i:02}")), u64::MAX) {
                        Ok(got) => assert_eq!(got, Some((i as u64 + 1, v.clone()))),
                        Err(e) => assert!(matches!(e, Error::Corruption { .. })),
                    }
                }
            }
        }
    }
}

#[test]
fn no_flipped_bit_ever_yields_a_wrong_value_without_a_cache() {
    no_flipped_bit_ever_yields_a_wrong_value(0, usize::MAX);
}

#[test]
fn no_flipped_bit_ever_yields_a_wrong_value_through_a_cache() {
    no_flipped_bit_ever_yields_a_wrong_value(1 << 20, usize::MAX);
}

/// With no room to keep the filter, each lookup reads and checks one partition of it.
#[test]
fn no_flipped_bit_ever_yields_a_wrong_value_reading_filter_partitions() {
    no_flipped_bit_ever_yields_a_wrong_value(0, 0);
}

#[test]
fn a_failed_read_of_a_data_block_is_an_io_error_and_a_later_read_succeeds() {
    let fs = MemFs::new();
    let entries = many(500);
    write(&fs, &entries, TableOptions::default());
    let cache = BlockCache::new(1 << 20);
    let table = open_with(&fs, Arc::clone(&cache)).unwrap();
    let io_naming_the_table = |result: Result<_>| match result {
        Err(Error::Io { context, .. }) => {
            assert!(context.contains("000007.sst"), "{context}");
        }
        other => panic!("expected an I/O error, got {other:?}"),
    };
    let want = Some((43, entries[42].1.clone()));
    fs.inject(Fault::Read);
    io_naming_the_table(table.get_at(&prefix("user:000042"), u64::MAX).map(|_| ()));
    assert_eq!(cache.stats().entries, 0, "nothing was cached");
    assert_eq!(
        table.get_at(&prefix("user:000042"), u64::MAX).unwrap(),
        want
    );
    // An iterator reports the error once and stops; a new one reads everything.
    fs.inject(Fault::Read);
    let mut iter = table.seek(&entries[300].0);
    io_naming_the_table(iter.next().unwrap().map(|_| ()));
    assert!(iter.next().is_none());
    assert_eq!(collect(table.iter()).unwrap(), entries);
    // Opening reads the footer and metadata the same way.
    fs.inject(Fault::Read);
    io_naming_the_table(open(&fs).map(|_| ()));
    assert!(open(&fs).is_ok());
}

#[test]
fn a_table_cut_short_after_it_was_opened_is_corruption_at_the_missing_block() {
    let fs = MemFs::new();
    let entries = many(500);
    write(&fs, &entries, TableOptions::default());
    let table = open_with(&fs, BlockCache::new(0)).unwrap();
    let (data, filter, ..) = layout(&table);
    let victim = data[data.len() / 2];
    fs.truncate(&path(), victim + 1).unwrap();
    let mut iter = table.iter();
    let read = iter.by_ref().take_while(Result::is_ok).count();
    assert!(read > 0 && read < entries.len());
    assert!(iter.next().is_none());
    assert_corruption(collect(table.iter()), victim);
    assert_corruption(collect(table.seek(&entries[499].0)), data[data.len() - 1]);
    // The filter, read on the first lookup, is gone too.
    assert_corruption(table.get_at(&prefix("user:000000"), u64::MAX), filter);
}
