//! Tests of `cache.rs`: the byte bound, CLOCK eviction order, exact counters, the disabled cache, and the
//! bound under concurrent use.

use bytes::Bytes;
use proptest::prelude::*;

use super::*;
use crate::disk::table::block_builder::BlockBuilder;

/// A block holding one entry whose key is `label`, so a test can tell blocks apart.
fn block(label: u64) -> Block {
    let mut builder = BlockBuilder::new(16);
    builder.add(&label.to_be_bytes(), b"").unwrap();
    Block::new(Bytes::from(builder.finish())).unwrap()
}

/// The label of a block made by [`block`].
fn label(block: &Block) -> u64 {
    let (key, _) = block.iter().next().unwrap().unwrap();
    u64::from_be_bytes(key.as_ref().try_into().unwrap())
}

/// Room for exactly `n` blocks of `bytes` bytes each.
fn room(n: usize, bytes: usize) -> usize {
    n * (bytes + ENTRY_OVERHEAD)
}

#[test]
fn a_lookup_finds_what_was_inserted_and_counts_hits_and_misses_exactly() {
    let cache = BlockCache::new(1 << 20);
    assert!(cache.get(1, 0).is_none());
    cache.insert(1, 0, block(10), 100);
    cache.insert(1, 4096, block(11), 200);
    cache.insert(2, 0, block(20), 300);
    assert_eq!(label(&cache.get(1, 0).unwrap()), 10);
    assert_eq!(label(&cache.get(1, 4096).unwrap()), 11);
    assert_eq!(label(&cache.get(2, 0).unwrap()), 20);
    assert_eq!(label(&cache.get(1, 0).unwrap()), 10);
    assert!(cache.get(2, 4096).is_none());
    assert_eq!(
        cache.stats(),
        CacheStats {
            capacity: 1 << 20,
            usage: 600 + 3 * ENTRY_OVERHEAD,
            reserved: 0,
            entries: 3,
            hits: 4,
            misses: 2,
            evictions: 0,
        }
    );
}

#[test]
fn a_block_used_since_the_hand_last_passed_gets_a_second_chance() {
    let cache = BlockCache::with_shards(room(3, 100), 1);
    for i in 0..3 {
        cache.insert(7, i, block(i), 100);
    }
    // Use block 0: the hand spares it and takes block 1, the oldest unused one.
    assert!(cache.get(7, 0).is_some());
    cache.insert(7, 3, block(3), 100);
    assert!(cache.get(7, 1).is_none());
    // 0 lost its mark when it was spared; 2 was never used and is next in line.
    cache.insert(7, 4, block(4), 100);
    assert!(cache.get(7, 2).is_none());
    for i in [0, 3, 4] {
        assert_eq!(label(&cache.get(7, i).unwrap()), i);
    }
    let stats = cache.stats();
    assert_eq!((stats.entries, stats.evictions), (3, 2));
    assert_eq!(stats.usage, room(3, 100));
    // All three are marked: one pass clears the marks, the next evicts in ring order (0 then 3)
    // as many as the bigger block needs.
    cache.insert(7, 5, block(5), 200);
    assert!(cache.get(7, 0).is_none() && cache.get(7, 3).is_none());
    assert_eq!(cache.stats().evictions, 4);
}

#[test]
fn a_block_read_once_goes_before_blocks_that_are_hit() {
    // A scan passing through must not push out the blocks point reads keep hitting (here: hit
    // once per lap of the hand). Fails if new blocks start marked, or if eviction is FIFO.
    let cache = BlockCache::with_shards(room(4, 100), 1);
    for hot in 0..2 {
        cache.insert(1, hot, block(hot), 100);
    }
    for round in 0..5 {
        for hot in 0..2 {
            assert!(
                cache.get(1, hot).is_some(),
                "hot block {hot} lost in round {round}"
            );
        }
        for scanned in 0..2 {
            let offset = 100 + round * 10 + scanned;
            cache.insert(1, offset, block(offset), 100);
        }
    }
    assert!(cache.get(1, 0).is_some() && cache.get(1, 1).is_some());
}

#[test]
fn replacing_a_block_while_the_shard_is_full_keeps_every_invariant() {
    let cache = BlockCache::with_shards(room(2, 100), 1);
    cache.insert(1, 0, block(0), 100);
    cache.insert(1, 1, block(1), 100);
    // Grow block 0 so that it needs block 1's room too.
    cache.insert(1, 0, block(5), 2 * 100 + ENTRY_OVERHEAD);
    assert_eq!(label(&cache.get(1, 0).unwrap()), 5);
    assert!(cache.get(1, 1).is_none());
    let shard = cache.shards[0].read();
    assert_eq!(shard.ring.len(), shard.entries.len());
    assert_eq!(shard.usage, room(2, 100));
}

#[test]
fn reinserting_a_key_replaces_it_without_double_charging() {
    let cache = BlockCache::with_shards(room(2, 100), 1);
    cache.insert(1, 0, block(1), 100);
    cache.insert(1, 0, block(2), 100);
    assert_eq!(label(&cache.get(1, 0).unwrap()), 2);
    let stats = cache.stats();
    assert_eq!(
        (stats.entries, stats.usage, stats.evictions),
        (1, room(1, 100), 0)
    );
}

#[test]
fn a_block_larger_than_its_shard_is_not_cached() {
    let cache = BlockCache::with_shards(room(1, 100), 1);
    cache.insert(1, 0, block(1), 100);
    cache.insert(1, 1, block(2), 101);
    assert!(cache.get(1, 1).is_none());
    assert!(cache.get(1, 0).is_some(), "a refused block evicts nothing");
    // With 16 shards each holds a sixteenth of the capacity.
    let cache = BlockCache::new(room(16, 100));
    cache.insert(1, 0, block(1), 200);
    assert_eq!(cache.stats().entries, 0);
}

#[test]
fn a_disabled_cache_never_stores() {
    let cache = BlockCache::new(0);
    for i in 0..10 {
        cache.insert(1, i, block(i), 1);
        assert!(cache.get(1, i).is_none());
    }
    let stats = cache.stats();
    assert_eq!((stats.capacity, stats.usage, stats.entries), (0, 0, 0));
    assert_eq!((stats.hits, stats.misses, stats.evictions), (0, 10, 0));
}

#[test]
fn shard_counts_are_powers_of_two_and_share_the_capacity_exactly() {
    for (asked, made) in [(0, 1), (1, 1), (3, 4), (16, 16), (17, 32)] {
        let cache = BlockCache::with_shards(1_000, asked);
        assert_eq!(cache.shards.len(), made);
        let total: usize = cache.shards.iter().map(|s| s.read().capacity).sum();
        assert_eq!(total, 1_000);
    }
}

#[test]
fn four_threads_sharing_a_cache_keep_it_within_its_bound() {
    let capacity = room(40, 1_000);
    let cache = BlockCache::with_shards(capacity, 4);
    std::thread::scope(|s| {
        for t in 0..4u64 {
            let cache = &cache;
            s.spawn(move || {
                for i in 0..2_000u64 {
                    let offset = (i * 7 + t) % 300;
                    match cache.get(t % 2, offset) {
                        Some(found) => assert_eq!(label(&found), offset),
                        None => {
                            cache.insert(t % 2, offset, block(offset), 500 + (i % 5) as usize * 100)
                        }
                    }
                    if i % 100 == 0 {
                        assert!(cache.stats().usage <= capacity);
                    }
                }
            });
        }
    });
    let stats = cache.stats();
    assert!(stats.usage <= capacity);
    assert_eq!(stats.hits + stats.misses, 8_000);
    assert!(stats.evictions > 0 && stats.entries > 0);
}

#[derive(Debug, Clone)]
enum Op {
    Insert {
        table: u64,
        offset: u64,
        bytes: usize,
    },
    Get {
        table: u64,
        offset: u64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u64..3, 0u64..20, 0usize..3_000).prop_map(|(table, offset, bytes)| Op::Insert {
            table,
            offset,
            bytes
        }),
        (0u64..3, 0u64..20).prop_map(|(table, offset)| Op::Get { table, offset }),
    ]
}

proptest! {
    /// After any sequence of inserts and lookups the usage is within the capacity, matches the
    /// entries held, and every lookup is counted once.
    #[test]
    fn usage_never_exceeds_capacity(
        capacity in 0usize..20_000,
        shards in 1usize..9,
        ops in prop::collection::vec(op(), 0..200),
    ) {
        let cache = BlockCache::with_shards(capacity, shards);
        let mut lookups = 0;
        for op in ops {
            match op {
                Op::Insert { table, offset, bytes } => {
                    cache.insert(table, offset, block(offset), bytes);
                }
                Op::Get { table, offset } => {
                    lookups += 1;
                    if let Some(found) = cache.get(table, offset) {
                        prop_assert_eq!(label(&found), offset);
                    }
                }
            }
            let stats = cache.stats();
            prop_assert!(stats.usage <= capacity, "{stats:?}");
            prop_assert!(stats.usage >= stats.entries * ENTRY_OVERHEAD);
            for shard in cache.shards.iter() {
                let shard = shard.read();
                prop_assert!(shard.usage <= shard.capacity);
                prop_assert_eq!(shard.ring.len(), shard.entries.len());
                let distinct: std::collections::HashSet<&Key> = shard.ring.iter().collect();
                prop_assert_eq!(distinct.len(), shard.ring.len());
                prop_assert!(shard.ring.iter().all(|k| shard.entries.contains_key(k)));
                let charged: usize = shard.entries.values().map(|e| e.charge).sum();
                prop_assert_eq!(charged, shard.usage);
            }
        }
        let stats = cache.stats();
        prop_assert_eq!(stats.hits + stats.misses, lookups);
    }
}

#[test]
fn a_reservation_evicts_blocks_to_make_room_and_a_release_gives_it_back() {
    let cache = BlockCache::with_shards(4 * (1000 + ENTRY_OVERHEAD), 1);
    for offset in 0..4 {
        cache.insert(1, offset, block(offset), 1000);
    }
    assert_eq!(cache.stats().entries, 4);
    // Half the capacity set aside: two blocks must go.
    cache.reserve(2 * (1000 + ENTRY_OVERHEAD));
    let stats = cache.stats();
    assert_eq!(
        (stats.entries, stats.reserved),
        (2, 2 * (1000 + ENTRY_OVERHEAD))
    );
    assert!(stats.usage + stats.reserved <= stats.capacity);
    // New blocks only get what the reservation leaves.
    for offset in 10..14 {
        cache.insert(1, offset, block(offset), 1000);
    }
    assert_eq!(cache.stats().entries, 2);
    cache.release(2 * (1000 + ENTRY_OVERHEAD));
    for offset in 20..24 {
        cache.insert(1, offset, block(offset), 1000);
    }
    let stats = cache.stats();
    assert_eq!((stats.entries, stats.reserved), (4, 0));
    // A reservation larger than the cache leaves no room for any block.
    cache.reserve(10 * (1000 + ENTRY_OVERHEAD));
    cache.insert(1, 99, block(99), 10);
    assert_eq!(cache.stats().entries, 0);
}
