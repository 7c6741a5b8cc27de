//! The concurrency scenarios (`tests/concurrency/`) against the memory backend.

use tidekv::{Config, Store};

mod concurrency;

use concurrency::Opened;

fn open() -> Opened {
    Opened::memory(Store::open(Config::memory()).expect("open a memory store"))
}

concurrency_suite!(open);
