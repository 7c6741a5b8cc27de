//! The block cache: decoded data blocks shared by every open table, bounded in bytes, evicting
//! with the CLOCK (second chance) approximation of least-recently-used. `docs/block-cache.md`
//! describes what is cached, how it is charged and why CLOCK.
//!
//! The cache is split into shards (16 by default), each with its own lock and an equal part of the
//! capacity; a key's shard is chosen by its xxh3 hash. A hit takes its shard's lock for reading
//! only and sets the entry's reference bit (an atomic), so concurrent hits never wait on each
//! other and a hit writes no shared structure. Eviction walks the shard's ring of keys from the
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
    hits: AtomicU64,
    misses: AtomicU64,
    evictions: AtomicU64,
}

/// A snapshot of a cache's size and counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CacheStats {
    /// Bytes the cache may hold (0: disabled).
    pub(crate) capacity: usize,
    /// Bytes charged for the entries held now.
    pub(crate) usage: usize,
    /// Blocks held now.
    pub(crate) entries: usize,
    /// Lookups that found their block.
    pub(crate) hits: u64,
    /// Lookups that did not.
    pub(crate) misses: u64,
    /// Entries removed to make room for others.
    pub(crate) evictions: u64,
}

/// One shard: a map from key to entry, and the ring the CLOCK hand walks.
///
/// Invariants:
/// 1. `ring` holds each key of `entries` exactly once, and nothing else.
/// 2. `usage` is the sum of the entries' charges, and `usage <= capacity`.
#[derive(Debug, Default)]
struct Shard {
    capacity: usize,
    usage: usize,
    entries: HashMap<Key, Entry>,
    /// Keys in the order the hand meets them: the front is examined next.
    ring: VecDeque<Key>,
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
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            evictions: AtomicU64::new(0),
        })
    }

    /// The block at `offset` of table `table`, if cached; a hit marks it used, so the next
    /// eviction pass spares it.
    pub(crate) fn get(&self, table: u64, offset: u64) -> Option<Block> {
        let found = match self.shard(table, offset) {
            Some(shard) => shard.read().get((table, offset)),
            None => None,
        };
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
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
        let evicted = shard.write().insert((table, offset), block, charge);
        if evicted > 0 {
            self.evictions.fetch_add(evicted, Ordering::Relaxed);
        }
    }

    /// The cache's capacity, current usage and counters.
    pub(crate) fn stats(&self) -> CacheStats {
        let (mut usage, mut entries) = (0, 0);
        for shard in self.shards.iter() {
            let shard = shard.read();
            usage += shard.usage;
            entries += shard.entries.len();
        }
        CacheStats {
            capacity: self.capacity,
            usage,
            entries,
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            evictions: self.evictions.load(Ordering::Relaxed),
        }
    }

    /// The shard of a key, or `None` when the cache is disabled.
    fn shard(&self, table: u64, offset: u64) -> Option<&RwLock<Shard>> {
        if self.capacity == 0 {
            return None;
        }
        let mut key = [0u8; 16];
        key[..8].copy_from_slice(&table.to_le_bytes());
        key[8..].copy_from_slice(&offset.to_le_bytes());
        // The mask keeps the index below the (power-of-two) shard count.
        let index = (xxh3_64(&key) as usize) & (self.shards.len() - 1);
        self.shards.get(index)
    }
}

impl fmt::Debug for BlockCache {
    /// The configuration and counters only: the blocks would be noise, and counting the entries
    /// would take every shard's lock.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockCache")
            .field("capacity", &self.capacity)
            .field("shards", &self.shards.len())
            .field("hits", &self.hits.load(Ordering::Relaxed))
            .field("misses", &self.misses.load(Ordering::Relaxed))
            .field("evictions", &self.evictions.load(Ordering::Relaxed))
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

    /// Inserts or replaces `key`; returns how many other entries were evicted.
    fn insert(&mut self, key: Key, block: Block, charge: usize) -> u64 {
        if charge > self.capacity {
            return 0;
        }
        // A replaced entry keeps its place on the ring (invariant 1); only its charge changes.
        let replaced = match self.entries.remove(&key) {
            Some(old) => {
                self.usage -= old.charge;
                true
            }
            None => false,
        };
        let mut evicted = 0;
        while self.usage + charge > self.capacity {
            let Some(victim) = self.ring.pop_front() else {
                break;
            };
            if victim == key {
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
                        evicted += 1;
                    }
                }
                None => {}
            }
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
        evicted
    }
}

#[cfg(test)]
#[path = "cache_tests.rs"]
mod tests;
