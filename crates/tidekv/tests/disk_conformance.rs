//! The conformance suite on the disk backend, with tiny memtables, blocks, tables and levels so
//! that flushes, cache evictions and compactions happen inside the scenarios.

mod conformance;

use conformance::Backend;
use tidekv::{Config, Durability};

struct Disk;

/// A disk config that flushes every few KiB and compacts every couple of flushes.
pub fn tiny_disk(path: &std::path::Path) -> Config {
    Config::disk(path)
        .durability(Durability::Buffered)
        .memtable_size(4096)
        .block_size(256)
        .block_cache_size(16 * 1024)
        .table_size(8 * 1024)
        .l0_compaction_trigger(2)
        .l0_stall_trigger(6)
        .level_base_size(16 * 1024)
        .level_size_ratio(4)
}

impl Backend for Disk {
    fn config(&self) -> (Config, Box<dyn std::any::Any>) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        (tiny_disk(dir.path()), Box::new(dir))
    }
}

conformance_suite!(Disk);
