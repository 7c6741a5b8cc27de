//! (a) Lists as job queues under concurrent producers and consumers.

use std::collections::{BTreeSet, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Barrier;
use std::time::Duration;

use tidekv::WriteBatch;

use super::*;

/// (a) Producers push unique items onto a few lists while consumers pop them with `pop_front` and
/// `blocking_pop_front` (short timeouts). Every item pushed is popped exactly once.
pub fn producers_and_consumers(open: impl Fn() -> Opened) {
    const PRODUCERS: usize = 3;
    const CONSUMERS: usize = 3;
    const PER_PRODUCER: usize = 3_000;
    const LISTS: [&str; 3] = ["queue:0", "queue:1", "queue:2"];

    let store = open();
    let producers_left = AtomicUsize::new(PRODUCERS);
    // Items popped by all consumers: with `producers_left`, what a waiting consumer watches.
    let popped_total = AtomicUsize::new(0);
    let start = Barrier::new(PRODUCERS + CONSUMERS);

    let (pushed, popped): (Vec<Vec<String>>, Vec<Vec<String>>) = std::thread::scope(|s| {
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let (store, producers_left, start) = (&store, &producers_left, &start);
                s.spawn(move || {
                    start.wait();
                    let mut mine = Vec::with_capacity(PER_PRODUCER);
                    let mut i = 0;
                    while i < PER_PRODUCER {
                        let list = LISTS[(p + i) % LISTS.len()];
                        let item = format!("p{p}-{i}");
                        match i % 10 {
                            // Two items in one atomic batch (its pushes must wake waiters too).
                            0 if i + 1 < PER_PRODUCER => {
                                let next = format!("p{p}-{}", i + 1);
                                let mut batch = WriteBatch::new();
                                batch.push_back(list, item.as_str());
                                batch.push_front(list, next.as_str());
                                store.apply_batch(batch).expect("apply_batch");
                                mine.push(item);
                                mine.push(next);
                                i += 2;
                                continue;
                            }
                            3 | 7 => {
                                store.push_front(list, item.as_str()).expect("push_front");
                            }
                            _ => {
                                store.push_back(list, item.as_str()).expect("push_back");
                            }
                        }
                        mine.push(item);
                        i += 1;
                        if i % 64 == 0 {
                            std::thread::yield_now();
                        }
                    }
                    producers_left.fetch_sub(1, Ordering::SeqCst);
                    mine
                })
            })
            .collect();
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|c| {
                let (store, producers_left, popped_total, start) =
                    (&store, &producers_left, &popped_total, &start);
                s.spawn(move || {
                    start.wait();
                    let mut got = Vec::new();
                    let mut turn = c;
                    let mut watchdog = Watchdog::new(format!("consumer {c}"));
                    loop {
                        let finished = PRODUCERS - producers_left.load(Ordering::SeqCst);
                        watchdog.observe((popped_total.load(Ordering::SeqCst) + finished) as u64);
                        turn += 1;
                        // Consumer 0 only blocks; the others alternate.
                        let item = if c == 0 || turn % 2 == 0 {
                            let item = store
                                .blocking_pop_front(&LISTS, Some(Duration::from_millis(2)))
                                .expect("blocking_pop_front");
                            item.map(|(key, v)| {
                                assert!(
                                    LISTS.iter().any(|l| l.as_bytes() == &key[..]),
                                    "blocking pop named a key it was not given: {:?}",
                                    text(&key)
                                );
                                v
                            })
                        } else {
                            store
                                .pop_front(LISTS[turn % LISTS.len()])
                                .expect("pop_front")
                        };
                        match item {
                            Some(v) => {
                                got.push(text(&v));
                                popped_total.fetch_add(1, Ordering::SeqCst);
                            }
                            None if producers_left.load(Ordering::SeqCst) == 0 => {
                                // Producers are done: stop once one pass finds every list empty.
                                let mut drained = true;
                                for list in LISTS {
                                    if let Some(v) = store.pop_front(list).expect("pop_front") {
                                        got.push(text(&v));
                                        popped_total.fetch_add(1, Ordering::SeqCst);
                                        drained = false;
                                    }
                                }
                                if drained {
                                    return got;
                                }
                            }
                            None => {}
                        }
                    }
                })
            })
            .collect();
        (
            producers
                .into_iter()
                .map(|h| h.join().expect("producer"))
                .collect(),
            consumers
                .into_iter()
                .map(|h| h.join().expect("consumer"))
                .collect(),
        )
    });

    let pushed: Vec<String> = pushed.into_iter().flatten().collect();
    let popped: Vec<String> = popped.into_iter().flatten().collect();
    assert_eq!(
        pushed.len(),
        PRODUCERS * PER_PRODUCER,
        "test bug: wrong push count"
    );
    let pushed_set: HashSet<&String> = pushed.iter().collect();
    let popped_set: HashSet<&String> = popped.iter().collect();
    assert_eq!(
        pushed_set.len(),
        pushed.len(),
        "test bug: pushed items are not unique"
    );
    assert_eq!(
        popped_set.len(),
        popped.len(),
        "an item was popped more than once ({} pops, {} distinct)",
        popped.len(),
        popped_set.len()
    );
    let lost: BTreeSet<&&String> = pushed_set.difference(&popped_set).collect();
    let invented: BTreeSet<&&String> = popped_set.difference(&pushed_set).collect();
    assert!(
        lost.is_empty(),
        "{} pushed items were never popped: {lost:?}",
        lost.len()
    );
    assert!(
        invented.is_empty(),
        "popped items nobody pushed: {invented:?}"
    );
    assert_eq!(popped.len(), pushed.len());
    for list in LISTS {
        assert_eq!(
            store.list_len(list).expect("list_len"),
            0,
            "{list} is not empty"
        );
        assert!(
            !store.contains_key(list).expect("contains_key"),
            "empty {list} still exists"
        );
    }
    assert_eq!(store.len().expect("len"), 0);
    store.close().expect("close");
}
