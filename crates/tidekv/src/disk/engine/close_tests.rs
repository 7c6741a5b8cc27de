//! Long jobs and their neighbours: `close` must not return, and release the directory, while a
//! manual compaction can still change the store; a manual compaction must not shut out the
//! background one for its whole run.

use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use super::test_support::open_on;
use super::DiskEngine;
use crate::config::DiskOptions;
use crate::disk::fs::{Fs, MemFs};
use crate::engine::Engine;
use crate::error::Error;

const KEYS: usize = 600;

fn options() -> DiskOptions {
    let mut options = DiskOptions::new(PathBuf::from("/db"));
    options.memtable_size = 4096;
    options.table_size = 2048;
    // No background compaction: the manual one is the only job in the race.
    options.l0_compaction_trigger = 1000;
    options.l0_stall_trigger = 2000;
    options
}

fn open(fs: &MemFs) -> crate::error::Result<DiskEngine> {
    open_on(fs, &options())
}

fn key(i: usize) -> Bytes {
    Bytes::from(format!("key{i:05}"))
}

fn check_all_there(engine: &DiskEngine, when: &str) {
    for i in 0..KEYS {
        assert_eq!(
            engine.get(0, &key(i)).unwrap(),
            Some(Bytes::from(format!("v{i}"))),
            "{when}: key {i} lost"
        );
    }
}

/// The review's reproduction: a compaction still running when `close` returned installed its
/// result into a store another open had taken over, marking live tables obsolete.
#[test]
fn close_waits_for_a_manual_compaction_and_nothing_it_wrote_is_lost() {
    let fs = MemFs::new();
    let engine = Arc::new(open(&fs).unwrap());
    for i in 0..KEYS {
        engine
            .put(0, &key(i), Bytes::from(format!("v{i}")), None)
            .unwrap();
        if i % 100 == 99 {
            engine.inner.flush_memtables().unwrap();
        }
    }
    assert!(engine.inner.current().version.levels[0].len() >= 5);
    // The compaction stops when it creates its first output table.
    let gate = fs.gate_creates(".sst");
    let (closed_tx, closed) = mpsc::channel();
    std::thread::scope(|s| {
        let compacting = {
            let engine = Arc::clone(&engine);
            s.spawn(move || engine.compact())
        };
        assert!(
            gate.wait_for_arrival(Duration::from_secs(60)),
            "the compaction never wrote a table"
        );
        {
            let engine = Arc::clone(&engine);
            s.spawn(move || closed_tx.send(engine.close()).unwrap());
        }
        match closed.recv_timeout(Duration::from_secs(2)) {
            Ok(result) => {
                // `close` returned while the compaction is held: the store is released to the
                // next open with a job still running in it. Show the damage that follows.
                result.unwrap();
                let second = open(&fs).expect("a second open after close");
                gate.open();
                let _ = compacting.join().unwrap();
                drop(second);
                let third = open(&fs);
                panic!(
                    "close() returned while a compaction was running; after it finished, an open \
                     gave {:?}",
                    third.map(|e| e.get(0, &key(0)).map(|_| "a store"))
                );
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => panic!("close panicked"),
        }
        gate.open();
        match compacting.join().unwrap() {
            Ok(()) | Err(Error::Closed) => {}
            Err(other) => panic!("the interrupted compaction failed: {other}"),
        }
        closed
            .recv_timeout(Duration::from_secs(60))
            .expect("close returns once the compaction stopped")
            .unwrap();
    });
    drop(engine);
    for round in ["after close", "after another reopen"] {
        let engine = open(&fs).unwrap_or_else(|e| panic!("{round}: {e}"));
        check_all_there(&engine, round);
        engine.close().unwrap();
    }
}

/// A manual compaction asked for after `close` began does nothing and says so.
#[test]
fn a_compaction_after_close_is_refused() {
    let fs = MemFs::new();
    let engine = open(&fs).unwrap();
    engine.put(0, &key(1), Bytes::from("v1"), None).unwrap();
    engine.close().unwrap();
    assert!(matches!(engine.compact(), Err(Error::Closed)));
    drop(engine);
    let engine = open(&fs).unwrap();
    assert_eq!(engine.get(0, &key(1)).unwrap(), Some(Bytes::from("v1")));
}

/// A manual compaction takes the compaction lock one level at a time: between its steps another
/// compaction (the background one, keeping level 0 from filling up) gets its turn.
#[test]
fn a_manual_compaction_lets_others_run_between_its_levels() {
    let fs = MemFs::new();
    let engine = Arc::new(open(&fs).unwrap());
    for i in 0..KEYS {
        engine
            .put(0, &key(i), Bytes::from(format!("v{i}")), None)
            .unwrap();
    }
    let turns = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let hook: super::Hook = {
        let (inner, turns) = (Arc::clone(&engine.inner), Arc::clone(&turns));
        Arc::new(move || {
            // Another thread asks for the lock, as the background compaction would.
            let (got_tx, got) = mpsc::channel();
            let inner = Arc::clone(&inner);
            std::thread::spawn(move || {
                let _turn = inner.compaction.lock();
                let _ = got_tx.send(());
            });
            turns
                .lock()
                .push(got.recv_timeout(Duration::from_secs(10)).is_ok());
        })
    };
    engine
        .inner
        .hooks
        .lock()
        .push(("compact_all:before_step", hook));
    engine.compact().unwrap();
    let turns = turns.lock().clone();
    assert_eq!(turns.len(), crate::disk::version::set::LEVELS - 1);
    assert!(
        turns.iter().all(|&got| got),
        "another compaction could not run between the levels of a manual one: {turns:?}"
    );
    check_all_there(&engine, "after the compaction");
}

/// Found by the model test: a closed store's objects can outlive it, and when the last one that
/// held an obsolete table went, the table's file was removed — after another open had taken the
/// directory and reused that file number for a live table. A closed store removes nothing.
#[test]
fn a_closed_store_removes_no_file_when_its_last_iterator_goes() {
    let fs = MemFs::new();
    let engine = open(&fs).unwrap();
    for i in 0..KEYS {
        engine
            .put(0, &key(i), Bytes::from(format!("v{i}")), None)
            .unwrap();
    }
    engine.compact().unwrap();
    let before: Vec<_> = engine
        .inner
        .current()
        .version
        .tables()
        .map(|t| t.path().to_path_buf())
        .collect();
    assert!(!before.is_empty());
    // A scan holds the tables it has yet to read; the compaction below makes them obsolete.
    let range = (std::ops::Bound::Unbounded, std::ops::Bound::Unbounded);
    let scan = engine.scan(0, range).unwrap();
    for i in 0..KEYS {
        engine.put(0, &key(i), Bytes::from("new"), None).unwrap();
    }
    engine.compact().unwrap();
    engine.close().unwrap();
    // Another open owns the directory now, and has put its own files under those names.
    for path in &before {
        fs.put(path, b"another store's table".to_vec());
    }
    drop(scan);
    drop(engine);
    for path in &before {
        assert_eq!(
            fs.read_all(path).unwrap(),
            b"another store's table",
            "{} was removed by a closed store",
            path.display()
        );
    }
}
