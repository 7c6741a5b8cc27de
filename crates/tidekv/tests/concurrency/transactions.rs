//! (e) Transactions under contention: optimistic WATCH loops lose no update, and no reader sees a
//! transaction half done.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Barrier;

use super::{Opened, Watchdog};

/// (e1) Threads increment one counter the optimistic way — WATCH, read, write the read value
/// plus one in a watched transaction, retry when it was aborted — as Redis clients do with WATCH /
/// MULTI / EXEC. The final value is exactly the number of successful transactions: a watch that
/// missed a concurrent write would let two threads write the same value, losing an increment.
pub fn watched_increments_lose_no_update(open: impl Fn() -> Opened) {
    const THREADS: usize = 4;
    const PER_THREAD: u64 = 300;
    let store = open();
    let start = Barrier::new(THREADS);
    let aborted = AtomicU64::new(0);
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            let (store, start, aborted) = (&store, &start, &aborted);
            s.spawn(move || {
                start.wait();
                for _ in 0..PER_THREAD {
                    loop {
                        let watch = store.watch(["counter"]).expect("watch");
                        let seen = store.get_as::<u64>("counter").expect("get").unwrap_or(0);
                        let done = store
                            .transaction_watched(&watch, [(0, "counter")], |t| {
                                t.insert("counter", seen + 1)
                            })
                            .expect("transaction");
                        if done.is_some() {
                            break;
                        }
                        aborted.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    assert_eq!(
        store.get_as::<u64>("counter").expect("get"),
        Some(THREADS as u64 * PER_THREAD),
        "an optimistic increment was lost ({} aborts)",
        aborted.load(Ordering::Relaxed)
    );
    store.close().expect("close");
}

/// (e2) Writers move amounts between accounts in transactions (read both, write both) while
/// readers read all accounts at one point in time: the total never changes, so no reader saw a
/// transaction half applied.
pub fn transactions_are_never_seen_half_done(open: impl Fn() -> Opened) {
    const ACCOUNTS: usize = 6;
    const WRITERS: usize = 2;
    const TRANSFERS: usize = 1_000;
    const TOTAL: i64 = 600;
    let store = open();
    let names: Vec<String> = (0..ACCOUNTS).map(|i| format!("acct:{i}")).collect();
    store
        .insert_many(names.iter().map(|n| (n.as_str(), TOTAL / ACCOUNTS as i64)))
        .expect("seed");
    let done = AtomicBool::new(false);
    let transfers = AtomicU64::new(0);
    std::thread::scope(|s| {
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let (store, names, transfers) = (&store, &names, &transfers);
                s.spawn(move || {
                    for i in 0..TRANSFERS {
                        let from = &names[(w + i) % ACCOUNTS];
                        let to = &names[(w * 3 + i * 7 + 1) % ACCOUNTS];
                        store
                            .transaction([from, to], |t| {
                                let balance = t.get_as::<i64>(from)?.unwrap_or(0);
                                let amount = balance.min(1 + (i as i64 % 5));
                                t.incr_by(from, -amount)?;
                                t.incr_by(to, amount)?;
                                Ok(())
                            })
                            .expect("transfer");
                        transfers.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        for r in 0..2 {
            let (store, names, done, transfers) = (&store, &names, &done, &transfers);
            s.spawn(move || {
                let mut watchdog = Watchdog::new(format!("reader {r}"));
                while !done.load(Ordering::Acquire) {
                    let balances = store.get_many(names.iter()).expect("get_many");
                    let total: i64 = balances
                        .iter()
                        .map(|b| {
                            b.as_deref().map_or(0, |b| {
                                std::str::from_utf8(b).unwrap().parse::<i64>().unwrap()
                            })
                        })
                        .sum();
                    assert_eq!(total, TOTAL, "a reader saw a transfer half done");
                    watchdog.observe(transfers.load(Ordering::Relaxed));
                }
            });
        }
        for writer in writers {
            writer.join().expect("writer");
        }
        done.store(true, Ordering::Release);
    });
    store.close().expect("close");
}
