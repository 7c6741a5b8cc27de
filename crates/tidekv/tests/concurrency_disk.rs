//! The concurrency tests on the disk backend, with small memtables so flushes and compactions run
//! while the threads write, and with `Durability::Sync` so group commit is exercised.

use tidekv::{Config, Durability, Store};

mod concurrency;

fn open() -> Store {
    // Each store keeps its directory until the process ends: the tests open several stores and
    // the directories are small.
    let dir = tempfile::tempdir().expect("a temporary directory").keep();
    Store::open(
        Config::disk(dir)
            .durability(Durability::Sync)
            .memtable_size(16 * 1024)
            .table_size(16 * 1024)
            .level_base_size(64 * 1024),
    )
    .expect("open a disk store")
}

concurrency_suite!(open);
