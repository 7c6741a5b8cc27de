//! (c) Atomic batches seen by concurrent readers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Barrier;

use tidekv::WriteBatch;

use super::*;

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
pub fn batches_are_never_seen_half_done(open: impl Fn() -> Opened) {
    const GENERATIONS: u64 = 20_000;
    const READERS: usize = 2;
    const KEYS: [&str; 5] = ["a1", "a2", "a3", "a4", "a5"];

    let store = open();
    store
        .insert_many(KEYS.iter().map(|k| (*k, 0u64)))
        .expect("insert_many");
    let done = AtomicBool::new(false);
    let start = Barrier::new(READERS + 1);

    std::thread::scope(|s| {
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
                            batch.insert(k, gen);
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
                            return;
                        }
                    }
                })
            })
            .collect();
        writer.join().expect("writer");
        // Joined so that a reader's failed assertion fails the scenario.
        for reader in readers {
            reader.join().expect("reader");
        }
    });

    let batches = GENERATIONS - GENERATIONS / 3;
    assert_eq!(
        store.get_as::<u64>("b:writes").expect("get"),
        Some(batches),
        "a batch's counter op was lost or applied twice"
    );
    store.close().expect("close");
}
