//! The disk backend's statistics.

use std::sync::atomic::Ordering;

use super::Inner;
use crate::error::Result;
use crate::stats::{DiskStats, KeyspaceStats, LevelStats};

impl Inner {
    /// Keys and keys with an expiry of each non-empty keyspace among the first `keyspaces`,
    /// from their tallies (`key_count.rs`): no walk of the keys. Bytes are not counted (0).
    pub(crate) fn keyspace_usage(&self, keyspaces: u32) -> Result<Vec<KeyspaceStats>> {
        self.drain_resolver();
        let mut usage = Vec::new();
        for ks in 0..keyspaces {
            let (keys, expires) = self.live_tally(ks)?;
            if keys > 0 {
                usage.push(KeyspaceStats {
                    id: ks,
                    keys,
                    expires,
                    bytes: 0,
                });
            }
        }
        Ok(usage)
    }

    pub(crate) fn disk_stats(&self) -> DiskStats {
        let sources = self.current();
        let c = &self.counters;
        let load = |n: &std::sync::atomic::AtomicU64| n.load(Ordering::Relaxed);
        let levels = sources
            .version
            .levels
            .iter()
            .enumerate()
            .map(|(level, tables)| LevelStats {
                level: level as u32,
                tables: tables.len() as u64,
                bytes: tables.iter().map(|t| t.meta.size).sum(),
                entries: tables.iter().map(|t| t.meta.entries).sum(),
            })
            .collect();
        let cache = self.cache.stats();
        let tables = self.tables.stats();
        let user = load(&c.user_bytes);
        let written = load(&c.wal_bytes) + load(&c.flush_bytes) + load(&c.compaction_bytes_written);
        DiskStats {
            path: self.dir.clone(),
            durability: self.options.durability,
            memtable_bytes: sources.mem.approximate_size() as u64,
            memtable_entries: sources.mem.len() as u64,
            immutable_memtables: sources.imms.len() as u64,
            immutable_memtable_bytes: sources
                .imms
                .iter()
                .map(|(mem, _)| mem.approximate_size() as u64)
                .sum(),
            levels,
            block_cache_capacity: cache.capacity as u64,
            block_cache_usage: cache.usage as u64,
            block_cache_hits: cache.hits,
            block_cache_misses: cache.misses,
            bloom_filter_skips: sources.version.tables().map(|t| t.filter_skips()).sum(),
            open_tables: tables.open as u64,
            max_open_files: tables.max_open as u64,
            table_opens: tables.opens,
            table_metadata_bytes: tables.metadata_bytes as u64,
            wal_bytes: load(&c.wal_size),
            user_bytes_written: user,
            wal_bytes_written: load(&c.wal_bytes),
            flush_bytes_written: load(&c.flush_bytes),
            compaction_bytes_read: load(&c.compaction_bytes_read),
            compaction_bytes_written: load(&c.compaction_bytes_written),
            write_amplification: if user == 0 {
                0.0
            } else {
                written as f64 / user as f64
            },
            flushes: load(&c.flushes),
            compactions: load(&c.compactions),
            trivial_moves: load(&c.trivial_moves),
            write_stalls: load(&c.stalls),
            write_stall_micros: load(&c.stall_micros),
            log_syncs: load(&c.syncs),
            torn_log_tail_cut_on_open: load(&c.torn_tails_cut) > 0,
            visible_sequence: self.visible(),
            background_error: self.background.state.lock().error.clone(),
        }
    }
}
