//! The model test on the disk backend: with tiny memtables and tables (so flushes and compactions
//! run between the ops), and with a reopen after every op (so recovery — log replay after a drop,
//! a clean reopen after a close — is checked against the model after every kind of operation).

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tidekv::{Config, Durability, ManualClock, Store};

mod model;

fn tiny(path: &Path, clock: ManualClock) -> Config {
    Config::disk(path)
        .durability(Durability::Buffered)
        .memtable_size(1024)
        .block_size(128)
        .block_cache_size(4096)
        .table_size(512)
        .l0_compaction_trigger(2)
        .l0_stall_trigger(8)
        .level_base_size(1024)
        .level_size_ratio(2)
        .clock(Arc::new(clock))
}

/// A fresh store directory for every sequence, all under one temporary root.
struct FreshDirs {
    root: tempfile::TempDir,
    next: AtomicUsize,
}

impl FreshDirs {
    fn new() -> Self {
        FreshDirs {
            root: tempfile::tempdir().expect("a temporary directory"),
            next: AtomicUsize::new(0),
        }
    }

    fn open(&self, clock: ManualClock) -> Store {
        let dir = self
            .root
            .path()
            .join(self.next.fetch_add(1, Ordering::Relaxed).to_string());
        Store::open(tiny(&dir, clock)).expect("open a disk store")
    }
}

#[test]
fn disk_store_matches_the_model() {
    let dirs = FreshDirs::new();
    model::run(|clock| dirs.open(clock));
}

#[test]
fn disk_store_passes_the_model_regressions() {
    let dirs = FreshDirs::new();
    model::run_regressions(|clock| dirs.open(clock));
}

#[test]
fn disk_store_matches_the_model_across_reopens() {
    model::run_reopening(
        |clock, dir| Store::open(tiny(dir, clock)).expect("reopen a disk store"),
        48,
    );
}
