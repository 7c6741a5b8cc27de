//! The concurrency scenarios (`tests/concurrency/`) against the memory backend.

use tidekv::{Config, Store};

mod concurrency;

fn open() -> Store {
    Store::open(Config::memory()).expect("open a memory store")
}

#[test]
fn producers_and_consumers() {
    concurrency::producers_and_consumers(open);
}

#[test]
fn concurrent_counters() {
    concurrency::concurrent_counters(open);
}

#[test]
fn batches_are_never_seen_half_done() {
    concurrency::batches_are_never_seen_half_done(open);
}

#[test]
fn disjoint_writers_leave_an_exact_count() {
    concurrency::disjoint_writers_leave_an_exact_count(open);
}
