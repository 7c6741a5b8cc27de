//! The model test (`tests/model/`) against the memory backend.

use std::sync::Arc;

use tidekv::{Config, Store};

mod model;

#[test]
fn memory_store_matches_the_model() {
    model::run(|clock| {
        Store::open(Config::memory().clock(Arc::new(clock))).expect("open a memory store")
    });
}

#[test]
fn memory_store_passes_the_model_regressions() {
    model::run_regressions(|clock| {
        Store::open(Config::memory().clock(Arc::new(clock))).expect("open a memory store")
    });
}

/// One shard: every key shares a shard, so batches, views and scans work on a single lock.
#[test]
fn single_shard_memory_store_matches_the_model() {
    model::run(|clock| {
        Store::open(Config::memory().shards(1).clock(Arc::new(clock))).expect("open a memory store")
    });
}
