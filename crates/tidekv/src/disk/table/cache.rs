//! The block cache: decoded data blocks shared by every open table, bounded in bytes, evicting
//! with the CLOCK (second chance) approximation of least-recently-used. `docs/block-cache.md`
//! describes what is cached, how it is charged and why CLOCK.
//!
//! The cache is split into shards (16 by default), each with its own lock and an equal part of the
//! capacity; a key's shard is chosen by its xxh3 hash. A hit takes its shard's lock for reading
//! only, sets the entry's reference bit (an atomic) and counts itself in the shard's counter, so
//! concurrent hits never wait on each other and write nothing shared by the whole cache. Eviction walks the shard's ring of keys from the
//! front: an entry whose bit is set gets a second chance (bit cleared, moved to the back), the
//! first one whose bit is clear is evicted. Every entry is passed over at most once per eviction,
//! so an insert costs amortised `O(1)`.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::RwLock;
use xxhash_rust::xxh3::xxh3_64;

use crate::disk::table::block::Block;

/// Shards of a cache made by [`BlockCache::new`].
pub(crate) const DEFAULT_SHARDS: usize = 16;

/// Bytes charged for each entry on top of its block's bytes: an estimate of the bookkeeping (the
/// hash-map slot, the ring slot, the block's handles and its restart array's allocation).
pub(crate) const ENTRY_OVERHEAD: usize = 128;

/// A block's place: its table's file number and its offset in that file.
type Key = (u64, u64);

/// Decoded data blocks keyed by table number and block offset, bounded in bytes.
///
/// Invariants:
/// 1. `shards.len()` is a power of two, and the shards' capacities add up to `capacity`.
/// 2. Each shard's usage (the sum of its entries' charges) never exceeds its capacity, so the
///    cache's usage never exceeds `capacity`.
pub(crate) struct BlockCache {
    shards: Box<[RwLock<Shard>]>,
    capacity: usize,
}

/// A snapshot of a cache's size and counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CacheStats {
    /// Bytes the cache may hold (0: disabled).
    pub(crate) capacity: usize,
    /// Bytes charged for the entries held now.
    pub(crate) usage: usize,
    /// Bytes set aside for metadata charged to the cache (`reserve`).
    pub(crate) reserved: usize,
    /// Blocks held now.
    pub(crate) entries: usize,
    /// Lookups that found their block.
    pub(crate) hits: u64,
    /// Lookups that did not.
    pub(crate) misses: u64,
    /// Entries removed to make room for others.
    pub(crate) evictions: u64,
}

/// One shard: a map from key to entry, the ring the CLOCK hand walks, and the shard's counters.
///
/// Invariants:
/// 1. `ring` holds each key of `entries` exactly once, and nothing else.
/// 2. `usage` is the sum of the entries' charges, and `usage + reserved <= capacity` after every
///    insert or reservation (as far as evicting every entry allows).
#[derive(Debug, Default)]
struct Shard {
    capacity: usize,
    /// Part of the capacity set aside for metadata charged to the cache (`reserve`).
    reserved: usize,
    usage: usize,
    entries: HashMap<Key, Entry>,
    /// Keys in the order the hand meets them: the front is examined next.
    ring: VecDeque<Key>,
    /// Lookups that found their block, and that did not (counted under the read lock).
    hits: AtomicU64,
    misses: AtomicU64,
    /// Entries removed to make room for others (counted under the write lock).
    evictions: u64,
}

#[derive(Debug)]
struct Entry {
    block: Block,
    charge: usize,
    /// Set by a hit, cleared when the hand passes: whether the entry was used since.
    referenced: AtomicBool,
}

impl BlockCache {
    /// A cache of `capacity_bytes` with [`DEFAULT_SHARDS`] shards; 0 disables it (every lookup
    /// misses, nothing is kept).
    pub(crate) fn new(capacity_bytes: usize) -> Arc<BlockCache> {
        BlockCache::with_shards(capacity_bytes, DEFAULT_SHARDS)
    }

    /// A cache of `capacity_bytes` split into `shards` shards (rounded up to a power of two, at
    /// least 1). More shards mean less lock contention, but a smaller largest cacheable block
    /// and a coarser approximation of a global LRU.
    pub(crate) fn with_shards(capacity_bytes: usize, shards: usize) -> Arc<BlockCache> {
        let count = shards.max(1).checked_next_power_of_two().unwrap_or(1);
        let (each, extra) = (capacity_bytes / count, capacity_bytes % count);
        let shards = (0..count)
            .map(|i| {
                RwLock::new(Shard {
                    capacity: each + usize::from(i < extra),
                    ..Shard::default()
                })
            })
            .collect();
        Arc::new(BlockCache {
            shards,
            capacity: capacity_bytes,
        })
    }

    /// The block at `offset` of table `table`, if cached; a hit marks it used, so the next
    /// eviction pass spares it.
    pub(crate) fn get(&self, table: u64, offset: u64) -> Option<Block> {
        let shard = self.shard(table, offset)?.read();
        let found = shard.get((table, offset));
        let counter = if found.is_some() {
            &shard.hits
        } else {
            &shard.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Caches `block`, whose decoded size is `block_bytes`, as the block at `offset` of table
    /// `table`, evicting blocks of its shard not used lately to make room. A block whose
    /// charge (`block_bytes + ENTRY_OVERHEAD`) exceeds its shard's capacity is not cached.
    pub(crate) fn insert(&self, table: u64, offset: u64, block: Block, block_bytes: usize) {
        let Some(shard) = self.shard(table, offset) else {
            return;
        };
        let charge = block_bytes.saturating_add(ENTRY_OVERHEAD);
        shard.write().insert((table, offset), block, charge);
    }

    /// Sets aside `bytes` of the capacity for memory held elsewhere on the cache's behalf (the
    /// index and filter of open tables), evicting blocks to make room. Spread evenly over the
    /// shards; [`BlockCache::release`] of the same amount gives it back.
    pub(crate) fn reserve(&self, bytes: usize) {
        self.spread(bytes, |shard, share| {
            shard.reserved += share;
            shard.make_room(0);
        });
    }

    /// Gives back what [`BlockCache::reserve`] set aside.
    pub(crate) fn release(&self, bytes: usize) {
        self.spread(bytes, |shard, share| {
            shard.reserved = shard.reserved.saturating_sub(share);
        });
    }

    /// Calls `apply` on each shard with its share of `bytes` (the same shares for the same amount).
    fn spread(&self, bytes: usize, apply: impl Fn(&mut Shard, usize)) {
        let n = self.shards.len();
        let (each, extra) = (bytes / n, bytes % n);
        for (i, shard) in self.shards.iter().enumerate() {
            let share = each + usize::from(i < extra);
            if share > 0 {
                apply(&mut shard.write(), share);
            }
        }
    }

    /// The cache's capacity, current usage and counters.
    pub(crate) fn stats(&self) -> CacheStats {
        let mut stats = CacheStats {
            capacity: self.capacity,
            usage: 0,
            reserved: 0,
            entries: 0,
            hits: 0,
            misses: 0,
            evictions: 0,
        };
        for shard in self.shards.iter() {
            let shard = shard.read();
            stats.usage += shard.usage;
            stats.reserved += shard.reserved;
            stats.entries += shard.entries.len();
            stats.hits += shard.hits.load(Ordering::Relaxed);
            stats.misses += shard.misses.load(Ordering::Relaxed);
            stats.evictions += shard.evictions;
        }
        stats
    }

    /// The shard of a key (always `Some`: the index is masked below the shard count). A disabled
    /// cache has shards of capacity 0, which refuse every insert and count every lookup a miss.
    fn shard(&self, table: u64, offset: u64) -> Option<&RwLock<Shard>> {
        let mut key = [0u8; 16];
        key[..8].copy_from_slice(&table.to_le_bytes());
        key[8..].copy_from_slice(&offset.to_le_bytes());
        // The mask keeps the index below the (power-of-two) shard count.
        let index = (xxh3_64(&key) as usize) & (self.shards.len() - 1);
        self.shards.get(index)
    }
}

impl fmt::Debug for BlockCache {
    /// The configuration only: the blocks would be noise, and the counters live in the shards,
    /// behind their locks (see [`BlockCache::stats`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockCache")
            .field("capacity", &self.capacity)
            .field("shards", &self.shards.len())
            .finish_non_exhaustive()
    }
}

impl Shard {
    fn get(&self, key: Key) -> Option<Block> {
        let entry = self.entries.get(&key)?;
        // Only write the bit when it changes: a hot block's cache line then stays shared between
        // the cores reading it.
        if !entry.referenced.load(Ordering::Relaxed) {
            entry.referenced.store(true, Ordering::Relaxed);
        }
        Some(entry.block.clone())
    }

    /// The bytes entries may use: the capacity less what is reserved.
    fn room(&self) -> usize {
        self.capacity.saturating_sub(self.reserved)
    }

    /// Evicts entries until `incoming` more bytes fit, sparing `key`'s slot if given: CLOCK —
    /// an entry used since the hand last passed gets a second chance.
    fn make_room_for(&mut self, incoming: usize, key: Option<Key>) {
        // Each entry is passed at most twice (once to clear its bit, once to evict it).
        let mut budget = self.ring.len() * 2 + 1;
        while self.usage + incoming > self.room() && budget > 0 {
            budget -= 1;
            let Some(victim) = self.ring.pop_front() else {
                break;
            };
            if Some(victim) == key {
                // The replaced entry's slot: it is about to come back, keep it.
                self.ring.push_back(victim);
                continue;
            }
            match self.entries.get(&victim) {
                Some(entry) if entry.referenced.swap(false, Ordering::Relaxed) => {
                    self.ring.push_back(victim);
                }
                Some(_) => {
                    if let Some(old) = self.entries.remove(&victim) {
                        self.usage -= old.charge;
                        self.evictions += 1;
                    }
                }
                None => {}
            }
        }
    }

    /// Evicts until the reserved part is free (after a reservation).
    fn make_room(&mut self, incoming: usize) {
        self.make_room_for(incoming, None);
    }

    /// Inserts or replaces `key`, evicting others as needed (counted in `evictions`).
    fn insert(&mut self, key: Key, block: Block, charge: usize) {
        if charge > self.room() {
            return;
        }
        // A replaced entry keeps its place on the ring (invariant 1); only its charge changes.
        let replaced = match self.entries.remove(&key) {
            Some(old) => {
                self.usage -= old.charge;
                true
            }
            None => false,
        };
        self.make_room_for(charge, Some(key));
        if self.usage + charge > self.room() {
            // Everything else is pinned by references the hand has not cleared yet; not cached.
            if replaced {
                self.ring.retain(|k| *k != key);
            }
            return;
        }
        if !replaced {
            self.ring.push_back(key);
        }
        self.entries.insert(
            key,
            Entry {
                block,
                charge,
                // A new block has not been used yet: one read (a scan passing through) does not
                // earn it a second chance, so scans do not push out blocks that are hit.
                referenced: AtomicBool::new(false),
            },
        );
        self.usage += charge;
    }
}

#[cfg(test)]
#[path = "cache_tests.rs"]
mod tests;
