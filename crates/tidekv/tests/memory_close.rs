//! Memory backend, closing: an acknowledged write is always in the snapshot `close` saves, and a
//! close whose save fails leaves the store open with nothing lost.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use tidekv::{Config, Error, Store};

/// A write held between its open-check and its shard lock (inside the shard hasher) while the
/// store closes must not be acknowledged unless the close snapshot has it.
#[test]
fn a_write_racing_close_is_refused_or_saved() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.tkv");
    let (entered_tx, entered_rx) = mpsc::channel::<()>();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let gate = Arc::new(Mutex::new((entered_tx, release_rx)));
    let hasher = Arc::new(move |key: &[u8]| {
        if key == b"late" {
            let gate = gate.lock().unwrap();
            gate.0.send(()).unwrap();
            gate.1.recv().unwrap();
        }
        xxhash_rust_free_hash(key)
    });
    let store = Store::open(Config::memory().shard_hasher(hasher).snapshot_path(&path)).unwrap();
    store.insert("early", "1").unwrap();
    let writer = {
        let store = store.clone();
        thread::spawn(move || store.insert("late", "2"))
    };
    entered_rx.recv().unwrap(); // the writer passed the open check and is about to lock
    store.close().unwrap();
    release_tx.send(()).unwrap();
    let late = writer.join().unwrap();
    let reopened = Store::open(Config::memory().snapshot_path(&path)).unwrap();
    assert_eq!(reopened.get("early").unwrap().as_deref(), Some(&b"1"[..]));
    match late {
        Err(Error::Closed) => assert_eq!(reopened.get("late").unwrap(), None),
        Ok(()) => assert_eq!(
            reopened.get("late").unwrap().as_deref(),
            Some(&b"2"[..]),
            "an acknowledged write is missing from the close snapshot"
        ),
        Err(other) => panic!("unexpected error {other}"),
    }
}

/// A simple deterministic hash for the test hasher (FNV-1a).
fn xxhash_rust_free_hash(key: &[u8]) -> u64 {
    key.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

#[test]
fn a_close_whose_save_fails_keeps_the_store_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing-dir").join("s.tkv");
    let store = Store::open(Config::memory().snapshot_path(&path)).unwrap();
    store.insert("precious", "data").unwrap();
    let err = store.close().unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    // Still open, nothing lost; writes work again.
    assert_eq!(
        store.get("precious").unwrap().as_deref(),
        Some(&b"data"[..])
    );
    store.insert("more", "x").unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    store.close().unwrap();
    assert!(matches!(store.get("precious"), Err(Error::Closed)));
    let reopened = Store::open(Config::memory().snapshot_path(&path)).unwrap();
    assert_eq!(reopened.len().unwrap(), 2);
}

#[test]
fn concurrent_saves_to_one_path_never_leave_a_corrupt_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.tkv");
    let store = Store::open(Config::memory()).unwrap();
    store
        .insert_many((0..2_000).map(|i| (format!("k{i}"), vec![b'v'; 200])))
        .unwrap();
    for _ in 0..5 {
        thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| store.save_snapshot(&path).unwrap());
            }
        });
        let check = Store::open(Config::memory()).unwrap();
        check.load_snapshot(&path).unwrap();
        assert_eq!(check.len().unwrap(), 2_000);
    }
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temporary files left: {names:?}");
}

#[test]
fn a_snapshot_over_this_stores_limits_is_refused_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.tkv");
    let big = Store::open(Config::memory()).unwrap();
    big.insert("short", "ok").unwrap();
    big.insert("a-long-key", "ok").unwrap();
    big.save_snapshot(&path).unwrap();
    let small = Store::open(Config::memory().max_key_size(5)).unwrap();
    small.insert("mine", "kept").unwrap();
    let err = small.load_snapshot(&path).unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidArgument {
                what: "snapshot",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("10 bytes"), "{err}");
    assert_eq!(small.len().unwrap(), 1);
    assert_eq!(small.get("mine").unwrap().as_deref(), Some(&b"kept"[..]));
}

#[test]
fn blocked_pops_end_with_closed_even_with_an_unbounded_timeout() {
    for _ in 0..50 {
        let store = Store::open(Config::memory()).unwrap();
        let waiter = {
            let store = store.clone();
            thread::spawn(move || store.blocking_pop_front(&["q"], None))
        };
        thread::sleep(Duration::from_millis(1));
        store.close().unwrap();
        assert!(matches!(waiter.join().unwrap(), Err(Error::Closed)));
    }
}
