//! Checkpoints of a disk store on real files, taken while writers run: each one opens as a store
//! and holds a prefix of the writes — every write acknowledged before the call, and of the rest
//! only ones that came before some write it holds. A memory store's checkpoint is its snapshot.
//! (A remote store refuses: `remote_shared.rs`.)
//!
//! Each writer thread inserts its keys in order (`w1-0000000`, `w1-0000001`, …), each followed by
//! an update of its `w1-last` to the same number, and counts a key acknowledged once both calls
//! have returned. A checkpoint that holds key `n` of a writer must then hold keys `0..n` with
//! their values, and its `last` must be `n` or, if the cut fell between the two calls, `n - 1`.
//! Memtables and tables of 16 KiB make flushes, log switches and compactions run during the
//! checkpoints, which are taken one after another while the load goes on.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;

use tidekv::{Config, Error, Store};

const WRITERS: usize = 3;
const CHECKPOINTS: usize = 6;

fn config(path: &std::path::Path) -> Config {
    Config::disk(path)
        .memtable_size(16 << 10)
        .table_size(16 << 10)
        .level_base_size(64 << 10)
}

fn value(writer: usize, i: u64) -> String {
    format!("writer {writer} write {i} {}", "x".repeat(40))
}

/// How many keys of `writer` the store holds, checked to be a prefix with the right values and a
/// `last` that agrees.
fn held_prefix(store: &Store, writer: usize, what: &str) -> u64 {
    let prefix = format!("w{writer}-0");
    let mut held = 0u64;
    for entry in store.scan_prefix(prefix.as_bytes()).unwrap() {
        let (key, stored) = entry.unwrap();
        let expected_key = format!("w{writer}-{held:07}");
        assert_eq!(
            key.as_ref(),
            expected_key.as_bytes(),
            "{what}: writer {writer} has a gap: key {expected_key} is missing"
        );
        assert_eq!(
            stored.as_ref(),
            value(writer, held).as_bytes(),
            "{what}: {expected_key}"
        );
        held += 1;
    }
    let last: Option<u64> = store.get_as(format!("w{writer}-last")).unwrap();
    match (held, last) {
        (0, None) => {}
        (n, Some(last)) if last + 1 == n || last + 2 == n => {}
        (n, last) => panic!("{what}: writer {writer} holds {n} keys but its last is {last:?}"),
    }
    held
}

#[test]
fn checkpoints_under_a_write_load_open_and_hold_a_prefix_of_the_acknowledged_writes() {
    let root = tempfile::tempdir().unwrap();
    let source = Store::open(config(&root.path().join("live"))).unwrap();
    let acked: Arc<Vec<AtomicU64>> = Arc::new((0..WRITERS).map(|_| AtomicU64::new(0)).collect());
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (store, acked, stop) = (source.clone(), Arc::clone(&acked), Arc::clone(&stop));
            thread::spawn(move || {
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    store.insert(format!("w{w}-{i:07}"), value(w, i)).unwrap();
                    store.insert(format!("w{w}-last"), i).unwrap();
                    i += 1;
                    acked[w].store(i, Ordering::Release);
                }
            })
        })
        .collect();

    let mut taken = Vec::new();
    for c in 0..CHECKPOINTS {
        // Let the load run on between checkpoints (the tables change under each one).
        let goal = acked[0].load(Ordering::Acquire) + 1500;
        while acked[0].load(Ordering::Acquire) < goal {
            thread::yield_now();
        }
        let before: Vec<u64> = acked.iter().map(|a| a.load(Ordering::Acquire)).collect();
        let dir = root.path().join(format!("checkpoint-{c}"));
        let report = source.checkpoint(&dir).unwrap();
        let after: Vec<u64> = acked.iter().map(|a| a.load(Ordering::Acquire)).collect();
        assert!(report.files_linked > 0, "checkpoint {c}: {report:?}");
        taken.push((dir, before, after));
    }
    stop.store(true, Ordering::Relaxed);
    writers.into_iter().for_each(|w| w.join().unwrap());
    let total: Vec<u64> = acked.iter().map(|a| a.load(Ordering::Acquire)).collect();
    source.close().unwrap();

    for (c, (dir, before, after)) in taken.iter().enumerate() {
        let copy = Store::open(config(dir)).unwrap();
        for w in 0..WRITERS {
            let held = held_prefix(&copy, w, &format!("checkpoint {c}"));
            assert!(
                held >= before[w],
                "checkpoint {c}: writer {w} had {} writes acknowledged before the call, the \
                 checkpoint holds {held}",
                before[w]
            );
            // At most the write in flight when the call returned.
            assert!(
                held <= after[w] + 1,
                "checkpoint {c}: writer {w}: {held} > {}",
                after[w]
            );
        }
        copy.close().unwrap();
    }
    // The source lost nothing to the checkpoints.
    let source = Store::open(config(&root.path().join("live"))).unwrap();
    for (w, &total) in total.iter().enumerate() {
        assert_eq!(held_prefix(&source, w, "the source"), total);
    }
}

#[test]
fn a_memory_store_checkpoints_to_a_snapshot_that_opens_as_a_store() {
    let root = tempfile::tempdir().unwrap();
    let store = Store::open(Config::memory()).unwrap();
    store.insert("greeting", "hello").unwrap();
    store.push_back("jobs", "a").unwrap();
    let report = store.checkpoint(root.path().join("mem")).unwrap();
    assert_eq!(report.files_copied, 1);
    assert!(report.bytes_copied > 0);
    store.insert("later", "not in it").unwrap();
    let copy =
        Store::open(Config::memory().snapshot_path(root.path().join("mem/dump.tkv"))).unwrap();
    assert_eq!(
        copy.get_as::<String>("greeting").unwrap().as_deref(),
        Some("hello")
    );
    assert_eq!(copy.list_len("jobs").unwrap(), 1);
    assert_eq!(copy.get("later").unwrap(), None);
    // A second checkpoint to the same place is refused; nothing there changes.
    let again = store.checkpoint(root.path().join("mem")).unwrap_err();
    assert!(matches!(again, Error::InvalidArgument { .. }), "{again}");
}
