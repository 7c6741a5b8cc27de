//! Failures injected through the file-system seam: a failed sync, a short write, a failed rename.
//! Each must be reported to the caller, must stop further writes rather than risk acknowledging a
//! write that is not durable, and must leave a directory that reopens with every write that was
//! acknowledged before the failure.

use std::path::PathBuf;

use bytes::Bytes;

use super::test_support::{open_bound, open_on};
use crate::config::{DiskOptions, Durability};
use crate::disk::fs::{Fault, MemFs};
use crate::engine::Engine;
use crate::error::Error;

fn options() -> DiskOptions {
    let mut options = DiskOptions::new(PathBuf::from("/db"));
    options.durability = Durability::Sync;
    options.memtable_size = 1024;
    options.table_size = 1024;
    options.level_base_size = 2048;
    options.l0_compaction_trigger = 2;
    options
}

fn open(fs: &MemFs) -> crate::error::Result<super::DiskEngine> {
    open_on(fs, &options())
}

fn key(i: usize) -> Bytes {
    Bytes::from(format!("key{i:05}"))
}

fn value(i: usize) -> Bytes {
    Bytes::from(format!("value-{i}-{}", "x".repeat(i % 40)))
}

/// Writes until one fails (at most `limit`); returns the indexes of the acknowledged writes.
fn write_until_failure(
    engine: &super::DiskEngine,
    from: usize,
    limit: usize,
) -> (Vec<usize>, Option<Error>) {
    let mut acked = Vec::new();
    for i in from..from + limit {
        match engine.put(0, &key(i), value(i), None) {
            Ok(()) => acked.push(i),
            Err(e) => return (acked, Some(e)),
        }
    }
    (acked, None)
}

/// Makes 30 writes through `engine`, an engine bound to `fs`, then crashes its process (what
/// the OS holds survives, the engine is gone); returns the indexes of the writes.
fn write_then_crash(fs: &MemFs, engine: super::DiskEngine) -> Vec<usize> {
    let (acked, failure) = write_until_failure(&engine, 0, 30);
    assert!(failure.is_none());
    fs.power_cut(crate::disk::fs::Damage::ProcessCrash);
    drop(engine);
    acked
}

fn assert_all_there(engine: &super::DiskEngine, acked: &[usize]) {
    for &i in acked {
        assert_eq!(
            engine.get(0, &key(i)).unwrap(),
            Some(value(i)),
            "acknowledged write {i} lost"
        );
    }
}

#[test]
fn a_failed_sync_anywhere_is_reported_stops_writes_and_loses_no_acknowledged_write() {
    // The fault lands on whatever syncs next after `before` writes: a group commit, a log switch,
    // a table being flushed, or a manifest edit.
    for before in [0, 1, 3, 8, 20, 45] {
        let fs = MemFs::new();
        let engine = open(&fs).unwrap();
        let (mut acked, failure) = write_until_failure(&engine, 0, before);
        assert!(failure.is_none());
        fs.inject(Fault::Sync);
        let (more, failure) = write_until_failure(&engine, before, 400);
        acked.extend(more);
        let failure = failure.unwrap_or_else(|| panic!("before={before}: no write ever failed"));
        assert!(
            matches!(failure, Error::Io { .. }),
            "before={before}: {failure}"
        );
        assert!(
            engine.put(0, &key(99_999), value(1), None).is_err(),
            "before={before}: a write was accepted after a failed sync"
        );
        assert_all_there(&engine, &acked);
        drop(engine);
        fs.crash();
        let engine = open(&fs).unwrap_or_else(|e| panic!("before={before}: reopen: {e}"));
        assert_all_there(&engine, &acked);
        engine.put(0, &key(0), value(7), None).unwrap();
        engine.close().unwrap();
    }
}

#[test]
fn a_short_write_to_the_log_fails_that_write_and_recovery_cuts_it() {
    let fs = MemFs::new();
    // A memtable that never fills: no flush or compaction appends to a table meanwhile, so the
    // injected fault hits the log append of the write below, not a background thread's.
    let mut options = options();
    options.memtable_size = 1 << 20;
    let engine = open_on(&fs, &options).unwrap();
    let (acked, _) = write_until_failure(&engine, 0, 10);
    fs.inject(Fault::Append { after: 7 });
    let failed = engine.put(0, &key(500), value(500), None);
    assert!(matches!(failed, Err(Error::Io { .. })), "{failed:?}");
    assert_eq!(
        engine.get(0, &key(500)).unwrap(),
        None,
        "a failed write became visible"
    );
    assert!(engine.put(0, &key(501), value(501), None).is_err());
    drop(engine);
    fs.crash();
    let engine = open_on(&fs, &options).unwrap();
    assert_all_there(&engine, &acked);
    assert_eq!(engine.get(0, &key(500)).unwrap(), None);
    engine.put(0, &key(502), value(502), None).unwrap();
}

#[test]
fn a_failed_rename_of_current_fails_the_open_and_changes_nothing() {
    let fs = MemFs::new();
    let engine = open(&fs).unwrap();
    let (acked, _) = write_until_failure(&engine, 0, 30);
    engine.close().unwrap();
    drop(engine);
    fs.inject(Fault::Rename);
    assert!(matches!(open(&fs), Err(Error::Io { .. })));
    fs.crash();
    let engine = open(&fs).unwrap();
    assert_all_there(&engine, &acked);
}

/// Found by the power-cut sweep: after a process crash the newest log holds bytes the OS never
/// synced. Reopening replayed them and created a newer log; a power cut then garbled the old log's
/// tail, and as it was no longer the newest, the next open refused it as corruption. Recovery now
/// syncs what it keeps. Checked at every operation of the reopen: the next open always succeeds
/// and holds a prefix of the writes.
#[test]
fn a_power_cut_while_reopening_after_a_process_crash_loses_nothing() {
    use crate::disk::fs::{Damage, Trigger};
    let machine = |fs: &MemFs| {
        let mut options = options();
        options.durability = Durability::Buffered;
        open_bound(fs, &options)
    };
    let write = |fs: &MemFs| write_then_crash(fs, machine(fs).unwrap());
    // How many operations a clean reopen takes.
    let fs = MemFs::new();
    write(&fs);
    let before = fs.counts().0;
    drop(machine(&fs).unwrap());
    let reopen_ops = fs.counts().0 - before;
    for at in 1..=reopen_ops {
        let fs = MemFs::new();
        let acked = write(&fs);
        fs.set_trigger(Some(Trigger::CutAtOp(at, Damage::Garbage { seed: at })));
        drop(machine(&fs));
        fs.set_trigger(None);
        let engine = machine(&fs).unwrap_or_else(|e| panic!("cut at op {at} of the reopen: {e}"));
        // Unflushed `Buffered` writes may be lost to the cut, but what is left is a prefix.
        let kept = acked
            .iter()
            .take_while(|&&i| engine.get(0, &key(i)).unwrap() == Some(value(i)))
            .count();
        for &i in &acked[kept..] {
            assert_eq!(engine.get(0, &key(i)).unwrap(), None, "cut at op {at}: {i}");
        }
    }
}

/// A reopen leaves its replayed writes a frozen memtable, which the flush thread writes to a
/// table after the open returns; the logs they came from must outlive that flush. A power cut at
/// every operation of such a reopen — the open itself, then its flush, then the close — loses no
/// write acknowledged with `Sync`.
#[test]
fn a_power_cut_before_the_flush_of_a_replayed_memtable_loses_no_synced_write() {
    use crate::disk::file_name::{parse_wal, wal_path};
    use crate::disk::fs::{Damage, Fs, Trigger};
    use crate::disk::wal::recovery::recover;
    let write = |fs: &MemFs| write_then_crash(fs, open_bound(fs, &options()).unwrap());
    // The crash leaves writes to replay: the newest log holds records.
    let probe = MemFs::new();
    write(&probe);
    let dir = PathBuf::from("/db");
    let newest = probe
        .list(&dir)
        .unwrap()
        .into_iter()
        .filter_map(|p| parse_wal(&p))
        .max();
    let newest = newest.expect("a log");
    let log = recover(&probe, &wal_path(&dir, newest), newest, true).unwrap();
    assert!(!log.records.is_empty(), "nothing to replay");
    // How many operations a reopen, its flush and a close take.
    let fs = MemFs::new();
    write(&fs);
    let before = fs.counts().0;
    open_bound(&fs, &options()).unwrap().close().unwrap();
    let reopen_ops = fs.counts().0 - before;
    for at in 1..=reopen_ops {
        let fs = MemFs::new();
        let acked = write(&fs);
        fs.set_trigger(Some(Trigger::CutAtOp(at, Damage::Garbage { seed: at })));
        if let Ok(engine) = open_bound(&fs, &options()) {
            let _ = engine.close();
        }
        fs.set_trigger(None);
        let engine = open(&fs).unwrap_or_else(|e| panic!("cut at op {at} of the reopen: {e}"));
        assert_all_there(&engine, &acked);
    }
}
