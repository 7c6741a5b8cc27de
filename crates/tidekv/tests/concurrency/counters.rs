//! (b) Concurrent counters.

use std::collections::BTreeSet;
use std::sync::Barrier;

use super::Opened;

/// (b) Threads `incr_by` one counter with various deltas: the final value is exactly the sum, and
/// (with positive deltas) every increment returned a distinct value, so none was lost or doubled.
pub fn concurrent_counters(open: impl Fn() -> Opened) {
    const THREADS: usize = 4;
    const PER_THREAD: usize = 5_000;
    let up = |t: usize, i: usize| 1 + ((t * 31 + i * 7) % 13) as i64;
    let mixed = |t: usize, i: usize| ((i % 9) as i64 - 4) * (t as i64 + 1) * 1_000_003;

    let store = open();
    let start = Barrier::new(THREADS);
    let returned: Vec<Vec<i64>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (store, start) = (&store, &start);
                s.spawn(move || {
                    start.wait();
                    let mut seen = Vec::with_capacity(PER_THREAD);
                    let mut last = i64::MIN;
                    for i in 0..PER_THREAD {
                        let now = store.incr_by("counter:up", up(t, i)).expect("incr_by");
                        assert!(
                            now > last,
                            "counter went from {last} to {now} in one thread"
                        );
                        last = now;
                        seen.push(now);
                        store
                            .incr_by("counter:mixed", mixed(t, i))
                            .expect("incr_by");
                    }
                    seen
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });

    let sum_up: i64 = (0..THREADS)
        .flat_map(|t| (0..PER_THREAD).map(move |i| up(t, i)))
        .sum();
    let sum_mixed: i64 = (0..THREADS)
        .flat_map(|t| (0..PER_THREAD).map(move |i| mixed(t, i)))
        .sum();
    assert_ne!(sum_mixed, 0, "test bug: the mixed deltas cancel out");
    assert_eq!(
        store.get_as::<i64>("counter:up").expect("get"),
        Some(sum_up)
    );
    assert_eq!(
        store.get_as::<i64>("counter:mixed").expect("get"),
        Some(sum_mixed)
    );
    let all: Vec<i64> = returned.into_iter().flatten().collect();
    let distinct: BTreeSet<i64> = all.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        all.len(),
        "two increments returned the same value: an update was lost"
    );
    assert_eq!(distinct.last().copied(), Some(sum_up));
    assert_eq!(store.incr_by("counter:up", 0).expect("incr_by"), sum_up);
    store.close().expect("close");
}
