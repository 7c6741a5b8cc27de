//! The concurrency tests on the disk backend, with small memtables so flushes and compactions run
//! while the threads write, and with `Durability::Sync` so group commit is exercised.

use tidekv::{Config, Durability, Store};

mod concurrency;

use concurrency::Opened;

fn open() -> Opened {
    // The directory is removed when the scenario drops the returned store (after the store itself),
    // whether the scenario passes or fails.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = Store::open(
        Config::disk(dir.path())
            .durability(Durability::Sync)
            .memtable_size(16 * 1024)
            .table_size(16 * 1024)
            .level_base_size(64 * 1024),
    )
    .expect("open a disk store");
    Opened::disk(store, dir)
}

concurrency_suite!(open);
