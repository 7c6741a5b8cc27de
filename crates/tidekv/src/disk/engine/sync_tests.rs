//! What a reply may rest on: in `Sync` mode nothing that is not yet durable; after a failed
//! fsync, nothing at all that the failed sync should have covered; and a stalled writer holds up
//! neither the fsyncs other writers wait for nor `stats`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use super::test_support::{open_bound, open_on};
use super::DiskEngine;
use crate::config::{DiskOptions, Durability};
use crate::disk::fs::{Fault, Gate, MemFs};
use crate::engine::{End, Engine};
use crate::error::Error;

fn options(durability: Durability) -> DiskOptions {
    let mut options = DiskOptions::new(PathBuf::from("/db"));
    options.durability = durability;
    options
}

fn open(fs: &MemFs, options: &DiskOptions) -> DiskEngine {
    open_on(fs, options).unwrap()
}

/// Holds the next group-commit leader just before its fsync, once armed.
fn hold_next_sync(engine: &DiskEngine) -> (Arc<Gate>, Arc<AtomicBool>) {
    let gate = Arc::new(Gate::default());
    let armed = Arc::new(AtomicBool::new(false));
    let hook: super::Hook = {
        let (gate, armed) = (Arc::clone(&gate), Arc::clone(&armed));
        Arc::new(move || {
            if armed.swap(false, Ordering::SeqCst) {
                gate.pass();
            }
        })
    };
    engine.inner.hooks.lock().push(("sync:leader", hook));
    (gate, armed)
}

type Call = fn(&DiskEngine) -> crate::error::Result<bool>;

/// Writer A changes the key and is held before its fsync; B's call, which sees A's change and
/// writes nothing, must not answer before A's change is durable.
fn check_no_reply_before_the_sync(setup: Call, a: Call, b: Call, what: &str) {
    let fs = MemFs::new();
    let engine = Arc::new(open(&fs, &options(Durability::Sync)));
    setup(&engine).unwrap();
    let (gate, armed) = hold_next_sync(&engine);
    armed.store(true, Ordering::SeqCst);
    let (b_tx, b_done) = mpsc::channel();
    std::thread::scope(|s| {
        let writer_a = {
            let engine = Arc::clone(&engine);
            s.spawn(move || a(&engine))
        };
        assert!(
            gate.wait_for_arrival(Duration::from_secs(60)),
            "{what}: A never synced"
        );
        {
            let engine = Arc::clone(&engine);
            s.spawn(move || b_tx.send(b(&engine)).unwrap());
        }
        if let Ok(answer) = b_done.recv_timeout(Duration::from_secs(1)) {
            gate.open();
            let _ = writer_a.join();
            panic!(
                "{what}: B answered {answer:?} while the change it saw was not durable: a power \
                 cut now would undo A's change and make B's answer wrong"
            );
        }
        gate.open();
        assert!(writer_a.join().unwrap().unwrap(), "{what}: A");
        let answer = b_done.recv_timeout(Duration::from_secs(60)).unwrap();
        assert!(!answer.unwrap(), "{what}: B");
    });
}

fn key() -> Bytes {
    Bytes::from_static(b"k")
}

/// GETDEL through the engine's transaction, as `Store::take` runs it.
fn take(e: &DiskEngine) -> crate::error::Result<bool> {
    let mut found = false;
    e.transact(&[(0, key())], &mut |tx| {
        found = crate::ops::strings::take(tx, 0, &key())?.is_some();
        Ok(())
    })?;
    Ok(found)
}

#[test]
fn in_sync_mode_a_call_that_writes_nothing_waits_for_the_write_it_saw() {
    check_no_reply_before_the_sync(
        |e| {
            e.put(0, &key(), Bytes::from_static(b"v"), None)
                .map(|()| true)
        },
        |e| e.remove(0, &key()),
        |e| e.remove(0, &key()),
        "remove of a key another writer just removed",
    );
    check_no_reply_before_the_sync(
        |e| {
            e.push(0, &key(), End::Back, &[Bytes::from_static(b"job")])
                .map(|_| true)
        },
        |e| e.pop(0, &key(), End::Front).map(|v| v.is_some()),
        |e| e.pop(0, &key(), End::Front).map(|v| v.is_some()),
        "pop of a list another worker just emptied",
    );
    check_no_reply_before_the_sync(
        |e| {
            e.put(0, &key(), Bytes::from_static(b"v"), None)
                .map(|()| true)
        },
        take,
        take,
        "take of a key another writer just took",
    );
}

/// The PostgreSQL fsync lesson: after an fsync fails, a later fsync of the same file may
/// "succeed" although the kernel dropped the pages. The failure poisons the log for every path
/// that syncs it (here: the log switch of a flush), so the failed write is never published.
#[test]
fn a_write_whose_sync_failed_never_becomes_visible_or_durable() {
    let fs = MemFs::new();
    let engine = open(&fs, &options(Durability::Sync));
    engine
        .put(
            0,
            &Bytes::from_static(b"before"),
            Bytes::from_static(b"1"),
            None,
        )
        .unwrap();
    fs.inject(Fault::Sync);
    let failed = engine.put(
        0,
        &Bytes::from_static(b"lost"),
        Bytes::from_static(b"2"),
        None,
    );
    assert!(matches!(failed, Err(Error::Io { .. })), "{failed:?}");
    // A flush switches logs, which syncs the old one: that must fail too, not publish the write.
    assert!(engine.inner.flush_memtables().is_err());
    assert!(engine.flush().is_err(), "Store::flush after a failed fsync");
    assert_eq!(
        engine.get(0, b"lost").unwrap(),
        None,
        "a failed write became visible"
    );
    assert!(engine
        .put(
            0,
            &Bytes::from_static(b"later"),
            Bytes::from_static(b"3"),
            None
        )
        .is_err());
    drop(engine);
    fs.crash();
    let engine = open(&fs, &options(Durability::Sync));
    assert_eq!(
        engine.get(0, b"before").unwrap(),
        Some(Bytes::from_static(b"1"))
    );
    assert_eq!(engine.get(0, b"later").unwrap(), None);
}

#[test]
fn a_stalled_writer_blocks_neither_the_sync_leader_nor_stats() {
    let fs = MemFs::new();
    let mut options = options(Durability::Sync);
    options.memtable_size = 1024;
    options.max_immutable_memtables = 1;
    let engine = Arc::new(open(&fs, &options));
    // Flushes cannot finish: the first frozen memtable stays, and the next full one stalls.
    let gate = fs.gate_creates(".sst");
    std::thread::scope(|s| {
        let writer = {
            let engine = Arc::clone(&engine);
            s.spawn(move || {
                for i in 0..200u32 {
                    let key = Bytes::from(format!("key{i:04}"));
                    engine.put(0, &key, Bytes::from(vec![b'v'; 64]), None)?;
                }
                Ok::<(), Error>(())
            })
        };
        // Waiting for the stall to begin (the precondition), not for the behaviour under test.
        let mut waited = 0;
        while engine.inner.counters.stalls.load(Ordering::Relaxed) == 0 {
            assert!(waited < 60_000, "the writer never stalled");
            std::thread::sleep(Duration::from_millis(1));
            waited += 1;
        }
        let (tx, done) = mpsc::channel();
        {
            let engine = Arc::clone(&engine);
            let tx = tx.clone();
            s.spawn(move || tx.send(("stats", engine.stats().map(|_| ()))).unwrap());
        }
        {
            let engine = Arc::clone(&engine);
            s.spawn(move || tx.send(("flush", engine.flush())).unwrap());
        }
        for _ in 0..2 {
            match done.recv_timeout(Duration::from_secs(10)) {
                Ok((what, result)) => assert!(result.is_ok(), "{what}: {result:?}"),
                Err(_) => {
                    gate.open();
                    panic!("stats() or flush() waited for a stalled writer");
                }
            }
        }
        // The frozen memtable the stall waits on is counted with its bytes: it was full.
        let disk = engine.inner.disk_stats();
        gate.open();
        assert_eq!(disk.immutable_memtables, 1);
        assert!(
            disk.immutable_memtable_bytes >= 1024,
            "a full frozen memtable of {} bytes",
            disk.immutable_memtable_bytes
        );
        writer.join().unwrap().unwrap();
    });
}

/// Found by the power-cut sweep (`tests/disk_power_loss.rs`): a compaction read list metadata at
/// the visible sequence number, which in `Buffered` mode includes a pop not yet synced, and
/// dropped the popped element; the power cut took the pop back, and the list had a hole
/// (`Corruption: element ... is missing`).
#[test]
fn a_compaction_never_drops_an_element_for_a_pop_that_is_not_durable() {
    let fs = MemFs::new();
    let mut options = options(Durability::Buffered);
    options.l0_compaction_trigger = 100;
    options.l0_stall_trigger = 200;
    let machine = |fs: &MemFs| open_bound(fs, &options).unwrap();
    let engine = machine(&fs);
    let items = [Bytes::from_static(b"first"), Bytes::from_static(b"second")];
    engine.push(0, &key(), End::Back, &items).unwrap();
    engine.inner.flush_memtables().unwrap();
    // A second level-0 table, so the compaction below merges (one table would just move down).
    let other = Bytes::from_static(b"other");
    engine.put(0, &other, other.clone(), None).unwrap();
    engine.inner.flush_memtables().unwrap();
    assert_eq!(
        engine.pop(0, &key(), End::Front).unwrap(),
        Some(items[0].clone())
    );
    engine.inner.compact_level(0).unwrap();
    fs.crash();
    drop(engine);
    let engine = machine(&fs);
    assert_eq!(engine.list_range(0, &key(), 0, -1).unwrap(), items.to_vec());
}

/// `Periodic(t)`: a write survives a power cut once the background sync after it has run.
#[test]
fn a_periodic_sync_makes_earlier_writes_survive_a_power_cut() {
    let fs = MemFs::new();
    let options = options(Durability::Periodic(Duration::from_millis(5)));
    let machine = |fs: &MemFs| open_bound(fs, &options).unwrap();
    let engine = machine(&fs);
    engine
        .put(0, &key(), Bytes::from_static(b"periodic"), None)
        .unwrap();
    // Wait (bounded) for the background sync to cover the write.
    let written = engine.inner.visible();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while engine.inner.group.synced() < written {
        assert!(
            std::time::Instant::now() < deadline,
            "no background sync in 30 s"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    fs.crash();
    drop(engine);
    let engine = machine(&fs);
    assert_eq!(
        engine.get(0, &key()).unwrap(),
        Some(Bytes::from_static(b"periodic"))
    );
}

/// In `Sync` mode `len` answers as of the visible (durable) writes: a blind insert of a new key,
/// counted late by the resolver (`pending_keys.rs`), is not in `len` while its fsync is pending,
/// though `len` resolves it to settle the counts.
#[test]
fn in_sync_mode_len_leaves_out_a_blind_insert_waiting_for_its_fsync() {
    let fs = MemFs::new();
    let engine = Arc::new(open(&fs, &options(Durability::Sync)));
    engine
        .put(0, &Bytes::from_static(b"old"), key(), None)
        .unwrap();
    let (gate, armed) = hold_next_sync(&engine);
    armed.store(true, Ordering::SeqCst);
    std::thread::scope(|s| {
        let writer = {
            let engine = Arc::clone(&engine);
            s.spawn(move || engine.put(0, &key(), Bytes::from_static(b"v"), None))
        };
        assert!(gate.wait_for_arrival(Duration::from_secs(60)));
        let waiting = engine.len(0);
        gate.open();
        writer.join().unwrap().unwrap();
        assert_eq!(waiting.unwrap(), 1, "len counted a write not yet durable");
    });
    assert_eq!(engine.len(0).unwrap(), 2, "once synced, it counts");
}
