//! Checkpoints of the disk engine: exactly the writes before the call, in a directory that opens
//! as a store; no checkpoint or a whole one after a power cut anywhere in it; the source store
//! untouched; bad targets refused before anything is written.

use std::path::{Path, PathBuf};

use bytes::Bytes;

use super::test_support::{contents, open_bound, Contents};
use super::DiskEngine;
use crate::config::DiskOptions;
use crate::disk::file_name::{parse_table, parse_wal};
use crate::disk::fs::{Damage, FileKind, Fs, MemFs, Trigger};
use crate::engine::{End, Engine};
use crate::error::Error;

const NOW: u64 = super::test_support::TEST_NOW;
const TARGET: &str = "/backups/ckpt";

fn options(path: &str) -> DiskOptions {
    let mut options = DiskOptions::new(PathBuf::from(path));
    options.memtable_size = 16 << 10;
    options.table_size = 8 << 10;
    options.level_base_size = 32 << 10;
    options
}

/// Writes that leave data in tables of several levels, in frozen memtables and in the active
/// log: strings in two keyspaces, overwrites, deletes, a list, expiry times.
fn fill(engine: &DiskEngine, round: u32) {
    for i in 0..600u32 {
        let key = format!("key{:05}", (i * 7) % 500);
        let value = Bytes::from(format!("{round}-{i:0>90}"));
        engine.put(i % 2, key.as_bytes(), value, None).unwrap();
        if i % 50 == 0 {
            engine
                .remove(i % 2, format!("key{:05}", i / 2).as_bytes())
                .unwrap();
        }
    }
    let jobs: Vec<Bytes> = (0..40)
        .map(|i| Bytes::from(format!("job{round}-{i}")))
        .collect();
    engine.push(0, b"queue", End::Back, &jobs).unwrap();
    engine
        .put(1, b"ttl", Bytes::from_static(b"later"), Some(NOW + 60_000))
        .unwrap();
}

/// A store on `fs` holding `fill`'s data, with tables on disk and writes only in its logs.
fn source(fs: &MemFs) -> DiskEngine {
    let engine = open_bound(fs, &options("/db")).unwrap();
    fill(&engine, 1);
    engine.compact().unwrap();
    fill(&engine, 2);
    engine
}

/// `source`, with its background work done (so that a checkpoint's file-system operations are
/// the same from run to run) and a few writes in its active log.
fn settled_source(fs: &MemFs) -> DiskEngine {
    let engine = source(fs);
    engine.compact().unwrap();
    for i in 0..20u32 {
        let value = Bytes::from(format!("late-{i}"));
        engine
            .put(0, format!("late{i:02}").as_bytes(), value, None)
            .unwrap();
    }
    // What a power cut may take is not the checkpoint's to keep.
    engine.flush().unwrap();
    engine
}

/// Fails with the first difference, not two whole stores.
fn assert_same(found: &Contents, expected: &Contents, what: &str) {
    let differs = expected
        .iter()
        .find(|(k, v)| found.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .or_else(|| found.keys().find(|k| !expected.contains_key(*k)).cloned());
    assert!(
        differs.is_none(),
        "{what}: {} keys, expected {}; first difference at {differs:?}",
        found.len(),
        expected.len()
    );
}

fn file_numbers(fs: &MemFs, dir: &str) -> (Vec<u64>, Vec<u64>) {
    let files = fs.list(Path::new(dir)).unwrap();
    let tables = files.iter().filter_map(|p| parse_table(p)).collect();
    let logs = files.iter().filter_map(|p| parse_wal(p)).collect();
    (tables, logs)
}

#[test]
fn a_checkpoint_holds_exactly_the_writes_before_it_and_opens_as_a_store() {
    let fs = MemFs::new();
    let engine = source(&fs);
    let before = contents(&engine);
    let (tables, logs) = file_numbers(&fs, "/db");
    assert!(tables.len() > 2 && !logs.is_empty(), "{tables:?} {logs:?}");

    let report = engine.checkpoint(Path::new(TARGET)).unwrap().unwrap();
    assert_eq!(report.dir, PathBuf::from(TARGET));
    assert!(report.files_linked > 0, "{report:?}");
    assert!(
        report.bytes_copied > 0,
        "the active log's writes: {report:?}"
    );
    // Writes after the call are the source's alone, and compaction may now remove every table
    // the checkpoint links to.
    engine
        .put(0, b"after", Bytes::from_static(b"x"), None)
        .unwrap();
    engine.remove(0, b"queue").unwrap();
    engine.compact().unwrap();
    assert_eq!(
        fs.kind(Path::new("/backups/ckpt.checkpoint-tmp")).unwrap(),
        None
    );

    let copy = open_bound(&fs, &options(TARGET)).unwrap();
    assert_same(&contents(&copy), &before, "the checkpoint");
    // It is a store: it takes writes and keeps them.
    copy.put(0, b"own", Bytes::from_static(b"y"), None).unwrap();
    copy.close().unwrap();
    drop(copy);
    let copy = open_bound(&fs, &options(TARGET)).unwrap();
    assert_eq!(copy.get(0, b"own").unwrap(), Some(Bytes::from_static(b"y")));
    assert_eq!(copy.get(0, b"after").unwrap(), None);
    // And the source lost nothing to it.
    assert_eq!(
        engine.get(0, b"after").unwrap(),
        Some(Bytes::from_static(b"x"))
    );
    assert_eq!(engine.list_len(0, b"queue").unwrap(), 0);
}

#[test]
fn a_power_cut_anywhere_in_a_checkpoint_leaves_none_or_a_whole_one_and_the_source_intact() {
    // A fault-free run counts the checkpoint's file-system operations.
    let fs = MemFs::new();
    let engine = settled_source(&fs);
    let expected = contents(&engine);
    let before = fs.counts().0;
    engine.checkpoint(Path::new(TARGET)).unwrap().unwrap();
    let ops = fs.counts().0 - before;
    drop(engine);

    let (mut saw_none, mut saw_whole) = (0, 0);
    for at in (1..ops + 3).chain([ops * 3]) {
        let fs = MemFs::new();
        let engine = settled_source(&fs);
        let damage = if at % 2 == 0 {
            Damage::LoseUnsynced
        } else {
            Damage::Garbage { seed: at }
        };
        fs.set_trigger(Some(Trigger::CutAtOp(at, damage)));
        let done = engine.checkpoint(Path::new(TARGET)).is_ok();
        fs.set_trigger(None);
        if done {
            // What the checkpoint returned must already be durable.
            fs.power_cut(damage);
        }
        drop(engine);
        let source = open_bound(&fs, &options("/db"))
            .unwrap_or_else(|e| panic!("cut at op {at}: the source does not open: {e}"));
        assert_same(
            &contents(&source),
            &expected,
            &format!("cut at op {at}: the source"),
        );
        drop(source);
        match fs.kind(Path::new(TARGET)).unwrap() {
            None => {
                assert!(
                    !done,
                    "cut at op {at}: the checkpoint returned Ok but is gone"
                );
                saw_none += 1;
                // The next checkpoint to the same place clears what the cut left.
                let engine = open_bound(&fs, &options("/db")).unwrap();
                engine.checkpoint(Path::new(TARGET)).unwrap().unwrap();
            }
            Some(_) => saw_whole += 1,
        }
        let copy = open_bound(&fs, &options(TARGET))
            .unwrap_or_else(|e| panic!("cut at op {at}: the checkpoint does not open: {e}"));
        assert_same(
            &contents(&copy),
            &expected,
            &format!("cut at op {at}: the checkpoint"),
        );
    }
    println!("{ops} operations; cuts left no checkpoint {saw_none} times, a whole one {saw_whole}");
    assert!(
        saw_none > 0 && saw_whole > 0,
        "none {saw_none}, whole {saw_whole}"
    );
}

#[test]
fn a_checkpoint_that_fails_midway_leaves_nothing_behind_and_the_store_working() {
    let fs = MemFs::new();
    let engine = source(&fs);
    let expected = contents(&engine);
    // Fails the fourth file-system operation of the checkpoint: past the directory checks, in
    // the middle of placing the files.
    fs.set_trigger(Some(Trigger::FailOp(4)));
    let err = engine.checkpoint(Path::new(TARGET)).unwrap_err();
    fs.set_trigger(None);
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert_eq!(fs.kind(Path::new(TARGET)).unwrap(), None);
    assert_eq!(
        fs.kind(Path::new("/backups/ckpt.checkpoint-tmp")).unwrap(),
        None
    );
    assert_eq!(contents(&engine), expected);
    engine
        .put(0, b"more", Bytes::from_static(b"z"), None)
        .unwrap();
    engine.checkpoint(Path::new(TARGET)).unwrap().unwrap();
}

#[test]
fn bad_targets_are_refused_before_anything_is_written() {
    let fs = MemFs::new();
    let engine = source(&fs);
    fs.create_dir_all(Path::new("/backups/taken")).unwrap();
    let taken = engine.checkpoint(Path::new("/backups/taken")).unwrap_err();
    assert!(taken.to_string().contains("already exists"), "{taken}");
    let inside = engine.checkpoint(Path::new("/db/backup")).unwrap_err();
    assert!(
        inside
            .to_string()
            .contains("inside the store's own directory"),
        "{inside}"
    );
    assert_eq!(fs.kind(Path::new("/db/backup")).unwrap(), None);
    assert_eq!(
        fs.kind(Path::new("/db/backup.checkpoint-tmp")).unwrap(),
        None
    );
    assert_eq!(
        fs.kind(Path::new("/backups/taken")).unwrap(),
        Some(FileKind::Dir)
    );
    engine.close().unwrap();
    let closed = engine.checkpoint(Path::new(TARGET)).unwrap_err();
    assert!(matches!(closed, Error::Closed), "{closed}");
    assert_eq!(fs.kind(Path::new(TARGET)).unwrap(), None);
}
