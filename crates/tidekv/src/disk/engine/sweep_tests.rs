//! Expiry sweeps that race: the background sweeper and a manual compaction's sweep must not
//! take turns deleting the same batch, or the manual one gives up with due keys left, and the
//! background sweeper's late batch lands in a memtable the compaction has already flushed. And a
//! sweep that waits for the resolver must not hold up writers meanwhile.

use std::path::PathBuf;
use std::sync::{mpsc, Arc, Mutex, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;

use super::key_count::SWEEP_BATCH;
use super::{DiskEngine, Inner};
use crate::clock::ManualClock;
use crate::config::DiskOptions;
use crate::disk::fs::MemFs;
use crate::engine::Engine;

const START: u64 = 1_700_000_000_000;

fn open(fs: &MemFs, clock: &ManualClock) -> DiskEngine {
    let mut options = DiskOptions::new(PathBuf::from("/db"));
    // The test plays the background sweeper itself, at the moment it chooses.
    options.expiry_sweep_interval = Duration::from_secs(3600);
    super::open_with_fs(Arc::new(fs.clone()), &options, Arc::new(clock.clone())).unwrap()
}

/// Before each write of a sweep on this thread, another thread runs a whole sweep of its own
/// (as the background sweeper may) and is given half a second to finish it first.
fn race_each_sweep_with_another(engine: &DiskEngine) -> Arc<Mutex<Vec<JoinHandle<()>>>> {
    let racers = Arc::new(Mutex::new(Vec::new()));
    let this_thread = std::thread::current().id();
    let inner: Weak<Inner> = Arc::downgrade(&engine.inner);
    let hook: super::Hook = {
        let racers = Arc::clone(&racers);
        Arc::new(move || {
            if std::thread::current().id() != this_thread {
                return;
            }
            let Some(inner) = inner.upgrade() else { return };
            let (done, finished) = mpsc::channel();
            let racer = std::thread::spawn(move || {
                inner.sweep_expired().unwrap();
                let _ = done.send(());
            });
            // Sweeps that exclude each other leave the racer waiting for this one: it times out.
            let _ = finished.recv_timeout(Duration::from_millis(500));
            racers.lock().unwrap().push(racer);
        })
    };
    engine
        .inner
        .hooks
        .lock()
        .push(("sweep_expired:before_write", hook));
    racers
}

#[test]
fn a_sweep_of_everything_due_leaves_nothing_due_while_another_sweep_races_it() {
    let fs = MemFs::new();
    let clock = ManualClock::new(START);
    let engine = open(&fs, &clock);
    let keys = 5 * SWEEP_BATCH;
    for i in 0..keys {
        let key = Bytes::from(format!("ttl{i:05}"));
        engine
            .put(0, &key, Bytes::from_static(b"v"), Some(START + 1_000))
            .unwrap();
    }
    clock.advance(Duration::from_secs(2));
    let racers = race_each_sweep_with_another(&engine);

    engine.inner.sweep_all_expired().unwrap();
    engine.inner.hooks.lock().clear();
    let still_due = engine.inner.sweep_expired().unwrap().0;
    for racer in racers.lock().unwrap().drain(..) {
        racer.join().unwrap();
    }
    assert_eq!(
        still_due, 0,
        "sweep_all_expired returned with due keys left (of {keys}) for a racing sweep to delete"
    );
    assert_eq!(engine.len(0).unwrap(), 0);
}

/// The sweeper runs ten times a second and needs the index entries of deferred writes, which the
/// resolver makes; a batch of overwrites of keys in uncached tables takes it tens of
/// milliseconds. Waiting for it under the writer lock stalled every writer that long, ten times a
/// second (a write p99 of 15 ms in the harness's `latency` run). Here the resolver is held in the
/// middle of a batch while a sweep waits for it: a write must still go through.
#[test]
fn a_sweep_waiting_for_the_resolver_does_not_hold_up_writers() {
    let fs = MemFs::new();
    let clock = ManualClock::new(START);
    let engine = open(&fs, &clock);
    let (release, held) = mpsc::channel::<()>();
    let held = Mutex::new(held);
    let (resolving, resolver_held) = mpsc::channel::<()>();
    let resolving = Mutex::new(resolving);
    let resolve_hook: super::Hook = Arc::new(move || {
        let _ = resolving.lock().unwrap().send(());
        let _ = held.lock().unwrap().recv_timeout(Duration::from_secs(30));
    });
    let (waiting, sweep_waits) = mpsc::channel::<()>();
    let waiting = Mutex::new(waiting);
    let wait_hook: super::Hook = Arc::new(move || {
        let _ = waiting.lock().unwrap().send(());
    });
    {
        let mut hooks = engine.inner.hooks.lock();
        hooks.push(("resolve:batch", resolve_hook));
        hooks.push(("drain_resolver:wait", wait_hook));
    }
    // A full batch of blind writes goes to the resolver, which stops in the middle of it.
    for i in 0..super::resolver::RESOLVE_BATCH {
        let key = Bytes::from(format!("key{i:05}"));
        engine.put(0, &key, Bytes::from_static(b"v"), None).unwrap();
    }
    resolver_held
        .recv_timeout(Duration::from_secs(10))
        .expect("the resolver took the batch");
    let inner = Arc::clone(&engine.inner);
    let sweeper = std::thread::spawn(move || inner.sweep_expired().map(|_| ()));
    sweep_waits
        .recv_timeout(Duration::from_secs(10))
        .expect("the sweep waits for the resolver");
    let (wrote, written) = mpsc::channel();
    let inner = Arc::clone(&engine.inner);
    let writer = std::thread::spawn(move || {
        let done = inner.put(0, &Bytes::from_static(b"during"), b"v", None);
        let _ = wrote.send(());
        done
    });
    let went_through = written.recv_timeout(Duration::from_secs(10)).is_ok();
    release.send(()).unwrap();
    writer.join().unwrap().unwrap();
    sweeper.join().unwrap().unwrap();
    assert!(
        went_through,
        "a write waited for the resolver's batch while a sweep waited for it"
    );
    engine.inner.hooks.lock().clear();
    assert_eq!(
        engine.len(0).unwrap(),
        super::resolver::RESOLVE_BATCH as u64 + 1
    );
}
