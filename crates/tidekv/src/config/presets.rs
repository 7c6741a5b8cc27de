//! Presets: one call that sets several options for a kind of machine, on any backend.

use std::time::Duration;

use crate::config::{Backend, Config};

impl Config {
    /// Preset for small machines: memory use before speed.
    ///
    /// - memory: 8 shards, the expiry sweeper every 250 ms;
    /// - disk: 4 MiB memtables (at most 2 waiting), an 8 MiB block cache, 2 MiB tables, at most
    ///   64 open tables;
    /// - remote: 2 idle dedicated connections, sorted scans spill to disk past 10,000 keys.
    pub fn low_memory(mut self) -> Self {
        match &mut self.backend {
            Backend::Memory(m) => {
                m.shards = 8;
                m.sweep_interval = Duration::from_millis(250);
            }
            Backend::Disk(d) => {
                d.memtable_size = 4 << 20;
                d.max_immutable_memtables = 2;
                d.block_cache_size = 8 << 20;
                d.table_size = 2 << 20;
                d.max_open_files = d.max_open_files.min(64);
            }
            Backend::Remote(r) => {
                r.pool_size = 2;
                r.sort_buffer_keys = 10_000;
            }
        }
        self
    }

    /// Preset for many cores, much memory and heavy writes.
    ///
    /// - memory: 256 shards, the expiry sweeper every 50 ms;
    /// - disk: 128 MiB memtables (up to 6 waiting), a 1 GiB block cache, 128 MiB tables;
    /// - remote: 32 idle dedicated connections, sorted scans spill to disk past 1,000,000 keys.
    pub fn high_performance(mut self) -> Self {
        match &mut self.backend {
            Backend::Memory(m) => {
                m.shards = 256;
                m.sweep_interval = Duration::from_millis(50);
            }
            Backend::Disk(d) => {
                d.memtable_size = 128 << 20;
                d.max_immutable_memtables = 6;
                d.block_cache_size = 1 << 30;
                d.table_size = 128 << 20;
            }
            Backend::Remote(r) => {
                r.pool_size = 32;
                r.sort_buffer_keys = 1_000_000;
            }
        }
        self
    }
}
