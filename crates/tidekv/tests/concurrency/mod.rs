//! Threads hammering one store with mixed operations: nothing is lost, nothing is seen half-done.
//!
//! Generic over how a store is opened: each scenario takes `open: impl Fn() -> Store` and is called
//! from a backend's test file. Loop counts are bounded and there are no long sleeps. A thread that
//! waits on others fails through a [`Watchdog`] when the thing it waits for stops moving for
//! [`STALL_LIMIT`] — a stall, not a slow run: with `Durability::Sync` every write waits for an
//! fsync, and how long thousands of those take depends on the machine's disk.

#![allow(dead_code)]

use std::collections::{BTreeSet, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use tidekv::{Store, WriteBatch};

/// Declares one `#[test]` per scenario of this module, each opening its store with `$open`
/// (a `fn() -> Store`).
#[macro_export]
macro_rules! concurrency_suite {
    ($open:expr) => {
        $crate::concurrency_suite!(@cases $open;
            producers_and_consumers,
            concurrent_counters,
            batches_are_never_seen_half_done,
            disjoint_writers_leave_an_exact_count,
        );
    };
    (@cases $open:expr; $($scenario:ident),* $(,)?) => {
        $(
            #[test]
            fn $scenario() {
                concurrency::$scenario($open);
            }
        )*
    };
}

/// Longest a waiting thread may see no progress before the scenario is declared stuck.
const STALL_LIMIT: Duration = Duration::from_secs(30);

/// Fails a waiting thread when the progress it watches (a counter that only grows while the
/// scenario moves) has not changed for [`STALL_LIMIT`].
struct Watchdog {
    who: String,
    last: u64,
    since: Instant,
}

impl Watchdog {
    fn new(who: String) -> Self {
        Watchdog {
            who,
            last: 0,
            since: Instant::now(),
        }
    }

    fn observe(&mut self, progress: u64) {
        if progress != self.last {
            self.last = progress;
            self.since = Instant::now();
        }
        assert!(
            self.since.elapsed() < STALL_LIMIT,
            "{} is stuck: no progress in {STALL_LIMIT:?} (last seen {})",
            self.who,
            self.last
        );
    }
}

fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

/// (a) Producers push unique items onto a few lists while consumers pop them with `pop_front` and
/// `blocking_pop_front` (short timeouts). Every item pushed is popped exactly once.
pub fn producers_and_consumers(open: impl Fn() -> Store) {
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
                                batch.push_back(list, item.as_str()).expect("encode");
                                batch.push_front(list, next.as_str()).expect("encode");
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
                                .blocking_pop_front(&LISTS, Duration::from_millis(2))
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

/// (b) Threads `incr_by` one counter with various deltas: the final value is exactly the sum, and
/// (with positive deltas) every increment returned a distinct value, so none was lost or doubled.
pub fn concurrent_counters(open: impl Fn() -> Store) {
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

/// Checks one observation of keys a1..a5: all present, all the same generation, and not older than
/// an earlier observation of the same reader. Returns the generation.
fn one_generation(what: &str, values: &[Option<Vec<u8>>], last: u64) -> u64 {
    let gens: Vec<Option<u64>> = values
        .iter()
        .map(|v| {
            v.as_ref()
                .map(|v| text(v).parse().expect("a generation number"))
        })
        .collect();
    let first = gens[0].unwrap_or_else(|| panic!("{what}: a1 is missing: {gens:?}"));
    assert!(
        gens.iter().all(|g| *g == Some(first)),
        "{what} saw half a batch: {gens:?}"
    );
    assert!(
        first >= last,
        "{what} went back in time: generation {first} after {last}"
    );
    first
}

/// (c) A writer applies batches that set a1..a5 to one generation number while readers use
/// `get_many`, `scan_prefix` and `range`: every observation sees a single generation.
pub fn batches_are_never_seen_half_done(open: impl Fn() -> Store) {
    const GENERATIONS: u64 = 20_000;
    const READERS: usize = 2;
    const KEYS: [&str; 5] = ["a1", "a2", "a3", "a4", "a5"];

    let store = open();
    store
        .insert_many(KEYS.iter().map(|k| (*k, 0u64)))
        .expect("insert_many");
    let done = AtomicBool::new(false);
    let start = Barrier::new(READERS + 1);

    let observations: usize = std::thread::scope(|s| {
        let writer = {
            let (store, done, start) = (&store, &done, &start);
            s.spawn(move || {
                start.wait();
                for gen in 1..=GENERATIONS {
                    if gen % 3 == 0 {
                        store
                            .insert_many(KEYS.iter().rev().map(|k| (*k, gen)))
                            .expect("insert_many");
                    } else {
                        let mut batch = WriteBatch::new();
                        for k in KEYS {
                            batch.insert(k, gen).expect("encode");
                        }
                        // Unrelated ops in the same batch must not let a reader in halfway.
                        batch.remove("b:scratch").incr_by("b:writes", 1);
                        store.apply_batch(batch).expect("apply_batch");
                    }
                }
                done.store(true, Ordering::SeqCst);
            })
        };
        let readers: Vec<_> = (0..READERS)
            .map(|r| {
                let (store, done, start) = (&store, &done, &start);
                s.spawn(move || {
                    start.wait();
                    let mut last = 0;
                    let mut count = 0;
                    // A reader waits on the writer: the generation it sees must keep moving.
                    let mut watchdog = Watchdog::new(format!("reader {r}"));
                    loop {
                        watchdog.observe(last);
                        let finished = done.load(Ordering::SeqCst);
                        let values: Vec<Option<Vec<u8>>> = store
                            .get_many(KEYS)
                            .expect("get_many")
                            .into_iter()
                            .map(|v| v.map(|v| v.to_vec()))
                            .collect();
                        last = one_generation("get_many", &values, last);

                        let scanned: Vec<(String, Vec<u8>)> = if count % 2 == 0 {
                            store.scan_prefix("a").expect("scan_prefix")
                        } else {
                            store.range("a1"..="a5").expect("range")
                        }
                        .map(|e| e.map(|(k, v)| (text(&k), v.to_vec())))
                        .collect::<Result<_, _>>()
                        .expect("scan");
                        let keys: Vec<&str> = scanned.iter().map(|(k, _)| k.as_str()).collect();
                        assert_eq!(keys, KEYS, "a scan saw the wrong keys");
                        let values: Vec<Option<Vec<u8>>> =
                            scanned.into_iter().map(|(_, v)| Some(v)).collect();
                        last = one_generation("a scan", &values, last);
                        count += 1;
                        if finished {
                            assert_eq!(last, GENERATIONS, "reader {r} missed the last batch");
                            return count;
                        }
                    }
                })
            })
            .collect();
        writer.join().expect("writer");
        readers.into_iter().map(|h| h.join().expect("reader")).sum()
    });

    assert!(observations >= READERS);
    let batches = GENERATIONS - GENERATIONS / 3;
    assert_eq!(
        store.get_as::<u64>("b:writes").expect("get"),
        Some(batches),
        "a batch's counter op was lost or applied twice"
    );
    store.close().expect("close");
}

/// (d) Threads insert, remove, push and pop on disjoint key sets; afterwards `len` and `keys` are
/// exactly the union of what each thread knows it left behind.
pub fn disjoint_writers_leave_an_exact_count(open: impl Fn() -> Store) {
    const THREADS: usize = 4;
    const PER_THREAD: usize = 2_000;

    let store = open();
    let start = Barrier::new(THREADS);
    let live: Vec<BTreeSet<String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (store, start) = (&store, &start);
                s.spawn(move || {
                    start.wait();
                    let mut live = BTreeSet::new();
                    let key = |i: usize| format!("t{t}:k{i:04}");
                    for i in 0..PER_THREAD {
                        store.insert(key(i), i as u64).expect("insert");
                        live.insert(key(i));
                    }
                    for i in (0..PER_THREAD).filter(|i| i % 3 == 0) {
                        assert!(store.remove(key(i)).expect("remove"), "{} vanished", key(i));
                        live.remove(&key(i));
                    }
                    for i in 0..PER_THREAD {
                        let list = format!("t{t}:list{i:04}");
                        match i % 4 {
                            // Two pushed, one popped: a one-element list remains.
                            1 => {
                                store.push_back(&list, "x").expect("push_back");
                                store.push_front(&list, "y").expect("push_front");
                                assert_eq!(
                                    store.pop_back(&list).expect("pop_back").as_deref(),
                                    Some(&b"x"[..])
                                );
                                live.insert(list);
                            }
                            // Pushed then popped: the empty list is deleted.
                            2 => {
                                store.push_back(&list, "x").expect("push_back");
                                assert!(store.pop_front(&list).expect("pop_front").is_some());
                                assert!(
                                    !store.contains_key(&list).expect("contains_key"),
                                    "an empty list was not deleted"
                                );
                            }
                            _ => {}
                        }
                    }
                    // Half of these exist (i % 3 != 0), half were removed above.
                    let doomed: Vec<String> = (0..PER_THREAD)
                        .filter(|i| i % 10 == 5 || i % 10 == 6)
                        .map(key)
                        .collect();
                    let expected = doomed.iter().filter(|k| live.contains(*k)).count();
                    assert_eq!(store.remove_many(&doomed).expect("remove_many"), expected);
                    for k in &doomed {
                        live.remove(k);
                    }
                    let fresh: Vec<(String, u64)> =
                        (0..50).map(|j| (format!("t{t}:new{j:02}"), j)).collect();
                    store.insert_many(fresh.clone()).expect("insert_many");
                    live.extend(fresh.into_iter().map(|(k, _)| k));
                    live
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });

    let expected: BTreeSet<String> = live.into_iter().flatten().collect();
    assert_eq!(store.len().expect("len"), expected.len());
    let keys: BTreeSet<String> = store
        .keys()
        .expect("keys")
        .map(|k| k.map(|k| text(&k)))
        .collect::<Result<_, _>>()
        .expect("keys");
    let missing: Vec<_> = expected.difference(&keys).collect();
    let extra: Vec<_> = keys.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
    store.close().expect("close");
}
