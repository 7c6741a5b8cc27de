//! Memory backend: the background sweeper reclaims expired keys without any read touching them, and
//! stops when the store is closed or dropped.

use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use tidekv::{BackendStats, Config, ManualClock, MemoryStats, Store};

/// The tests of this file run one at a time: `sweeper_stops_on_close_and_on_drop` counts the
/// process's sweeper threads, which another test's store would change under it.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn memory_stats(store: &Store) -> MemoryStats {
    match store.stats().unwrap().backend {
        BackendStats::Memory(m) => m,
        other => panic!("not a memory store: {other:?}"),
    }
}

/// Polls `cond` for up to 5 s; the sweeper runs every few milliseconds in these tests.
fn eventually(mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    false
}

#[test]
fn sweeper_reclaims_expired_keys_without_reads() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let clock = ManualClock::new(1_000_000);
    let store = Store::open(
        Config::memory()
            .shards(8)
            .clock(Arc::new(clock.clone()))
            .expiry_sweep_interval(Duration::from_millis(2)),
    )
    .unwrap();
    for i in 0..1_000 {
        store
            .insert_with_ttl(format!("tmp{i}"), "x", Duration::from_secs(10))
            .unwrap();
    }
    store.insert("keep", "x").unwrap();
    assert_eq!(memory_stats(&store).keys_with_expiry, 1_000);
    let runs_before = memory_stats(&store).sweeper_runs;
    assert!(eventually(
        || memory_stats(&store).sweeper_runs > runs_before + 2
    ));
    assert_eq!(
        memory_stats(&store).expired_reclaimed,
        0,
        "nothing is due yet"
    );
    clock.advance(Duration::from_secs(10));
    // No read of the expired keys: only the sweeper can reclaim them.
    assert!(eventually(
        || memory_stats(&store).expired_reclaimed == 1_000
    ));
    let stats = memory_stats(&store);
    assert_eq!(stats.keys_with_expiry, 0);
    assert_eq!(store.len().unwrap(), 1);
}

#[test]
fn sweeper_stops_on_close_and_on_drop() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let store =
        Store::open(Config::memory().expiry_sweep_interval(Duration::from_millis(1))).unwrap();
    let runs = memory_stats(&store).sweeper_runs;
    assert!(eventually(|| memory_stats(&store).sweeper_runs > runs));
    // close joins the sweeper thread; it must not hang. It runs on its own thread so the wait for
    // it is bounded: a hang fails the test instead of hanging it.
    let (closed_tx, closed) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = closed_tx.send(store.close());
    });
    match closed.recv_timeout(Duration::from_secs(60)) {
        Ok(result) => result.expect("close"),
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("close hung"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("close panicked"),
    }

    // Tests here run one at a time, so no other sweeper is alive. A joined thread can linger in
    // /proc for a moment after `join` returns: wait until it is gone.
    assert!(
        eventually(|| sweeper_threads() == 0),
        "the closed store's sweeper thread ended"
    );
    // Dropping the last handle stops it too: count live sweeper threads by name.
    let before = sweeper_threads();
    let dropped =
        Store::open(Config::memory().expiry_sweep_interval(Duration::from_millis(1))).unwrap();
    assert!(
        eventually(|| sweeper_threads() > before),
        "sweeper thread started"
    );
    drop(dropped);
    assert!(
        eventually(|| sweeper_threads() == before),
        "sweeper thread ended on drop"
    );
}

/// Threads named `tidekv-expiry` in this process (Linux: /proc/self/task/*/comm).
fn sweeper_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|tasks| {
            tasks
                .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
                .filter(|name| name.trim() == "tidekv-expiry")
                .count()
        })
        .unwrap_or(0)
}
