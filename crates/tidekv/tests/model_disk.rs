//! The model test on the disk backend, with tiny memtables and tables so that flushes and
//! compactions run between the ops.
//!
//! The reopening variants restart the store after every op and check the reopened store against
//! the model, alternating a clean `close()` (everything flushed to tables, nothing to replay) with
//! a crash (`tidekv::test_util::crash`: no flush, background work stopped mid-way, nothing more
//! written), after which the open must rebuild the unflushed writes by replaying the write-ahead
//! log — after every kind of operation, lists, counters, removes, TTLs and batches included. One
//! variant runs on a real directory; the other on a simulated disk, where the crash is a power cut
//! that only kills the process (`PowerLoss::ProcessCrash`: the OS keeps every byte written).
//! `Durability::Buffered`, the weakest mode, still keeps every write across a process crash.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use tidekv::test_util::{crash, PowerLoss, SimulatedDisk};
use tidekv::{Config, Durability, ManualClock, Store};

mod model;

/// `config` with tiny sizes: a flush every few ops, a compaction every couple of flushes.
fn tiny(config: Config, clock: ManualClock) -> Config {
    model::tiny_disk(config.durability(Durability::Buffered), 1024, &clock)
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
        Store::open(tiny(Config::disk(dir), clock)).expect("open a disk store")
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

/// Real files: a close after even ops, a crash (log replay on the next open) after odd ones.
#[test]
fn disk_store_matches_the_model_across_closes_and_crashes() {
    model::run_reopening(
        || tempfile::tempdir().expect("a temporary directory"),
        |dir, clock| open_dir(dir.path(), clock),
        |_, store, i| model::close_or_crash(store, i),
        48,
    );
}

fn open_dir(dir: &Path, clock: ManualClock) -> Store {
    Store::open(tiny(Config::disk(dir), clock)).expect("reopen a disk store")
}

/// A simulated disk: a close after even ops; after odd ones the power is cut with only the
/// process lost (the OS keeps every byte), the dead store is crashed, and the next open replays
/// the log.
#[test]
fn disk_store_matches_the_model_across_closes_and_process_crashes_on_a_simulated_disk() {
    model::run_reopening(
        SimulatedDisk::new,
        |disk, clock| {
            Store::open(tiny(disk.config("/db"), clock)).expect("reopen a simulated disk store")
        },
        |disk, store, i| {
            if i.is_multiple_of(2) {
                store.close().map_err(|e| format!("close(): {e}"))?;
                Ok("a close")
            } else {
                disk.cut_power(PowerLoss::ProcessCrash);
                crash(store);
                Ok("a process crash (power cut keeping every byte written)")
            }
        },
        96,
    );
}
