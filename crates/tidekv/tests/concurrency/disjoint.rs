//! (d) Writers on disjoint key sets.

use std::collections::BTreeSet;
use std::sync::Barrier;

use super::*;

/// (d) Threads insert, remove, push and pop on disjoint key sets; afterwards `len` and `keys` are
/// exactly the union of what each thread knows it left behind.
pub fn disjoint_writers_leave_an_exact_count(open: impl Fn() -> Opened) {
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
