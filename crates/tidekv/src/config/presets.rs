//! Presets: one call that sets several options for a kind of machine, on either backend.

use std::time::Duration;

use crate::config::{Backend, Config};

impl Config {
    /// Preset for small machines: memory use before speed.
    ///
    /// - memory: 8 shards, the expiry sweeper every 250 ms;
    /// - disk: 4 MiB memtables (at most 2 waiting), an 8 MiB block cache, 2 MiB tables, at most
    ///   64 open tables.
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
        }
        self
    }

    /// Preset for many cores, much memory and heavy writes.
    ///
    /// - memory: 256 shards, the expiry sweeper every 50 ms;
    /// - disk: 128 MiB memtables (up to 6 waiting), a 1 GiB block cache, 128 MiB tables.
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
        }
        self
    }
}
