//! Loading snapshots into a disk store: any size (far past the log's record limit), all or
//! nothing when the snapshot fails midway, and all or nothing across a power cut at any point.

use std::path::PathBuf;

use bytes::Bytes;

use super::test_support::{contents, open_bound, Contents};
use super::DiskEngine;
use crate::config::DiskOptions;
use crate::disk::fs::{Damage, Fs, MemFs, Trigger};
use crate::engine::{End, Engine, Record, StoredValue};
use crate::error::{Error, Result};

const NOW: u64 = 1_700_000_000_000;
/// The log's record limit in these tests: the snapshots below are many times larger.
const RECORD_LIMIT: u32 = 4096;

fn options() -> DiskOptions {
    let mut options = DiskOptions::new(PathBuf::from("/db"));
    options.max_record_bytes = RECORD_LIMIT;
    options.memtable_size = 16 << 10;
    options.table_size = 8 << 10;
    options.level_base_size = 32 << 10;
    options
}

fn open(fs: &MemFs) -> Result<DiskEngine> {
    open_bound(fs, &options())
}

fn string(ks: u32, key: String, value: String, expires_at: Option<u64>) -> Record {
    Record {
        keyspace: ks,
        key: Bytes::from(key),
        value: StoredValue::String(Bytes::from(value)),
        expires_at,
    }
}

/// A snapshot of ~400 KB, out of key order, with duplicates, lists, TTLs and two keyspaces; and
/// what a store holds once it is loaded.
fn snapshot() -> (Vec<Record>, Contents) {
    let mut records = Vec::new();
    for i in (0..2000u32).rev() {
        let ks = i % 2;
        records.push(string(ks, format!("key{i:05}"), format!("{i:0>100}"), None));
    }
    // A later record for the same key wins, as in a store.
    records.push(string(0, "key00000".into(), "second".into(), None));
    records.push(string(1, "ttl".into(), "later".into(), Some(NOW + 60_000)));
    records.push(string(1, "gone".into(), "expired".into(), Some(NOW - 1)));
    let items: Vec<Bytes> = (0..800)
        .map(|i| Bytes::from(format!("job-{i:04}")))
        .collect();
    records.push(Record {
        keyspace: 0,
        key: Bytes::from_static(b"queue"),
        value: StoredValue::List(items),
        expires_at: Some(NOW + 90_000),
    });
    let mut expected = Contents::new();
    for r in &records {
        if r.expires_at.is_none_or(|at| at > NOW) {
            expected.insert((r.keyspace, r.key.clone()), (r.value.clone(), r.expires_at));
        }
    }
    (records, expected)
}

/// A store that already holds data the load must replace, in tables and in the memtable.
fn store_with_old_data(fs: &MemFs) -> (DiskEngine, Contents) {
    let engine = open(fs).unwrap();
    for i in 0..400u32 {
        let key = Bytes::from(format!("old{i:04}"));
        engine
            .put(i % 3, &key, Bytes::from(vec![b'o'; 50]), None)
            .unwrap();
    }
    engine
        .push(
            0,
            &Bytes::from_static(b"queue"),
            End::Back,
            &[Bytes::from_static(b"old-job")],
        )
        .unwrap();
    let old = contents(&engine);
    (engine, old)
}

#[test]
fn a_snapshot_many_times_the_record_limit_loads_whole_and_replaces_everything() {
    let fs = MemFs::new();
    let (engine, _) = store_with_old_data(&fs);
    let (records, expected) = snapshot();
    let total: usize = records.iter().map(|r| r.key.len() + 100).sum();
    assert!(
        total > 40 * RECORD_LIMIT as usize,
        "the snapshot must dwarf the limit"
    );
    engine.load(&mut records.into_iter().map(Ok)).unwrap();
    assert_eq!(contents(&engine), expected);
    // The store goes on working, and the load survives a reopen.
    engine
        .push(
            0,
            &Bytes::from_static(b"queue"),
            End::Back,
            &[Bytes::from_static(b"new")],
        )
        .unwrap();
    assert_eq!(
        engine.pop(0, b"queue", End::Front).unwrap(),
        Some(Bytes::from_static(b"job-0000"))
    );
    engine.close().unwrap();
    drop(engine);
    let engine = open(&fs).unwrap();
    assert_eq!(engine.list_len(0, b"queue").unwrap(), 800);
    assert_eq!(
        engine.get(0, b"key00000").unwrap(),
        Some(Bytes::from_static(b"second"))
    );
    let scratch = fs
        .list(std::path::Path::new("/db"))
        .unwrap()
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".load"))
        .count();
    assert_eq!(scratch, 0, "the scratch directory was left behind");
}

#[test]
fn a_snapshot_that_fails_midway_changes_nothing() {
    let fs = MemFs::new();
    let (engine, old) = store_with_old_data(&fs);
    let (records, _) = snapshot();
    let mut failing = records
        .into_iter()
        .map(Ok)
        .take(2000)
        .chain(std::iter::once(Err(Error::corruption(
            "snap.tkv",
            4096,
            "bad chunk",
        ))));
    let err = engine.load(&mut failing).unwrap_err();
    assert!(matches!(err, Error::Corruption { .. }), "{err}");
    assert_eq!(contents(&engine), old);
    engine.close().unwrap();
    drop(engine);
    assert_eq!(contents(&open(&fs).unwrap()), old);
}

#[test]
fn a_power_cut_anywhere_in_a_load_leaves_the_old_store_or_the_new_one() {
    let (records, expected) = snapshot();
    // A fault-free run counts the load's file-system operations.
    let fs = MemFs::new();
    let (engine, old) = store_with_old_data(&fs);
    engine.flush().unwrap();
    let before = fs.counts().0;
    engine
        .load(&mut records.clone().into_iter().map(Ok))
        .unwrap();
    let ops = fs.counts().0 - before;
    drop(engine);
    let (mut saw_old, mut saw_new) = (0, 0);
    // About 60 points spread over the load, then its last operations (the commit point and what
    // follows it) more densely, then past its end: background work makes the count vary a little
    // from run to run, and a cut that comes too late must find the load done.
    let points = (1..ops.saturating_sub(30))
        .step_by((ops / 40).max(1) as usize)
        .chain(ops.saturating_sub(30)..ops + 30)
        .chain([ops * 2]);
    for (i, at) in points.enumerate() {
        let fs = MemFs::new();
        let (engine, _) = store_with_old_data(&fs);
        engine.flush().unwrap();
        let damage = if i % 2 == 0 {
            Damage::LoseUnsynced
        } else {
            Damage::Garbage { seed: at }
        };
        fs.set_trigger(Some(Trigger::CutAtOp(at, damage)));
        let loaded = engine
            .load(&mut records.clone().into_iter().map(Ok))
            .is_ok();
        fs.set_trigger(None);
        drop(engine);
        let engine = open(&fs).unwrap_or_else(|e| panic!("cut at op {at}: reopen: {e}"));
        let now = contents(&engine);
        if now == expected {
            saw_new += 1;
        } else {
            assert!(
                !loaded,
                "cut at op {at}: the load returned Ok but is not there"
            );
            assert_eq!(
                now, old,
                "cut at op {at}: neither the old store nor the new one"
            );
            saw_old += 1;
        }
    }
    println!("{ops} operations; cuts left the old store {saw_old} times, the new one {saw_new}");
    assert!(saw_old > 0 && saw_new > 0, "old {saw_old}, new {saw_new}");
}
