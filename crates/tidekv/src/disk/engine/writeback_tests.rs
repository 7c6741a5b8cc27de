//! Background fsyncs of the log as it grows (`Config::wal_sync_bytes`): outside `Sync` mode they
//! make what they cover survive a power cut, and writers do not wait for them.
//!
//! They exist for the freeze of a memtable, which fsyncs its log under the writer lock: with
//! them, that fsync has at most about `wal_sync_bytes` left to write instead of the whole log.

use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::test_support::{open_bound, open_on};
use super::DiskEngine;
use crate::config::{DiskOptions, Durability};
use crate::disk::fs::MemFs;
use crate::engine::Engine;
use crate::error::Result;

/// A value size that takes the log past 4 KiB of records on the fifth write, not the fourth
/// (a record is the value plus a few dozen bytes).
const VALUE: usize = 900;

fn options(durability: Durability, wal_sync_bytes: u64) -> DiskOptions {
    let mut options = DiskOptions::new(PathBuf::from("/db"));
    options.durability = durability;
    options.wal_sync_bytes = wal_sync_bytes;
    options
}

fn key(i: u32) -> Bytes {
    Bytes::from(format!("key{i:04}"))
}

fn put(engine: &DiskEngine, i: u32) -> Result<()> {
    engine.put(0, &key(i), Bytes::from(vec![b'v'; VALUE]), None)
}

/// Five writes take the log past 4 KiB: the sync thread starts an fsync, which the test holds.
/// Three more writes must return while it is held. Once it has finished, a power cut must keep
/// the five.
fn check_background_sync(durability: Durability) {
    let fs = MemFs::new();
    let options = options(durability, 4096);
    let engine = Arc::new(open_bound(&fs, &options).unwrap());
    let syncs = fs.gate_syncs();
    for i in 0..5 {
        put(&engine, i).unwrap();
    }
    let covered = engine.inner.writer.lock().last_seq;
    assert!(
        syncs.wait_for_arrival(Duration::from_secs(60)),
        "{durability:?}: 4.5 KB of log and no background fsync started"
    );
    let (done, written) = mpsc::channel();
    std::thread::scope(|s| {
        let engine = Arc::clone(&engine);
        s.spawn(move || done.send((5..8).try_for_each(|i| put(&engine, i))));
        let result = written.recv_timeout(Duration::from_secs(10));
        syncs.open();
        assert!(
            matches!(result, Ok(Ok(()))),
            "{durability:?}: writes waited for the background fsync: {result:?}"
        );
    });
    // Waiting for the fsync the test released (the precondition of the cut), not polling for the
    // behaviour under test: it was shown to start above.
    let deadline = Instant::now() + Duration::from_secs(60);
    while engine.inner.group.synced() < covered {
        assert!(
            Instant::now() < deadline,
            "{durability:?}: the fsync never finished"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    fs.crash();
    drop(engine);
    let engine = open_on(&fs, &options).unwrap();
    for i in 0..5 {
        assert!(
            engine.get(0, &key(i)).unwrap().is_some(),
            "{durability:?}: write {i}, covered by a finished background fsync, lost to a power cut"
        );
    }
}

#[test]
fn in_buffered_mode_the_log_is_fsynced_in_the_background_as_it_grows() {
    check_background_sync(Durability::Buffered);
}

#[test]
fn in_periodic_mode_the_log_is_also_fsynced_when_it_grows_before_the_interval_ends() {
    check_background_sync(Durability::Periodic(Duration::from_secs(3600)));
}

/// With `wal_sync_bytes` 0, `Buffered` mode has no sync thread: a power cut right after writes,
/// with no flush, keeps none of them.
#[test]
fn with_wal_sync_bytes_zero_buffered_mode_never_fsyncs_on_its_own() {
    let fs = MemFs::new();
    let options = options(Durability::Buffered, 0);
    let engine = open_bound(&fs, &options).unwrap();
    let (_, syncs_before) = fs.counts();
    for i in 0..50 {
        put(&engine, i).unwrap();
    }
    let sync_threads = engine
        .threads
        .lock()
        .iter()
        .filter(|thread| thread.thread().name() == Some("tidekv-sync"))
        .count();
    assert_eq!(sync_threads, 0, "a sync thread runs");
    assert_eq!(fs.counts().1, syncs_before, "something fsynced the log");
    fs.crash();
    drop(engine);
    let engine = open_on(&fs, &options).unwrap();
    assert_eq!(engine.get(0, &key(0)).unwrap(), None);
}
