//! A state-machine model test, generic over how a store is opened.
//!
//! Random sequences of operations over a small key set (so that keys collide, change kind, expire and
//! come back) run against a real [`Store`] and against a plain `BTreeMap` model that follows the
//! semantics listed in `src/engine.rs`. Every result, error kind included, must match the model, and
//! after every operation the whole observable state of the store (every key's kind, value and TTL,
//! plus `len` and `keys`) must equal the model's. On a mismatch proptest shrinks the sequence and the
//! panic message prints the smallest failing one.
//!
//! A backend reuses it with one line: `model::run(|clock| Store::open(config.clock(Arc::new(clock))))`.

#![allow(dead_code)]

mod cluster;
#[path = "../support/due_keys.rs"]
mod due_keys;
mod execute;
#[path = "../support/hash_slot.rs"]
mod hash_slot;
mod ops;
mod outcome;
mod reference;
mod reference_edits;

pub use execute::*;
pub use ops::*;
pub use outcome::*;
pub use reference::*;

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::ops::Bound;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestCaseError, TestError, TestRunner};
use tidekv::{Error, ListEnd, ManualClock, Store, Ttl, WriteBatch};

/// A disk store config with tiny sizes, so that a handful of ops fill a memtable (`memtable`
/// bytes), flushes make level-0 tables and compactions run between them; expiry reads `clock`.
/// Shared by every disk test that runs the model's workloads.
pub fn tiny_disk(config: tidekv::Config, memtable: usize, clock: &ManualClock) -> tidekv::Config {
    config
        .memtable_size(memtable)
        .block_size(128)
        .block_cache_size(4096)
        .table_size(512)
        .l0_compaction_trigger(2)
        .l0_stall_trigger(8)
        .level_base_size(1024)
        .level_size_ratio(2)
        .clock(std::sync::Arc::new(clock.clone()))
}

/// The time every case starts at (Unix ms).
const START_MS: u64 = 1_700_000_000_000;

/// Runs one sequence on a fresh store; `Err` names the first divergence.
pub fn check_sequence(
    open: &dyn Fn(ManualClock) -> Store,
    ops: &[Op],
) -> Result<(), TestCaseError> {
    check_sequence_inner(open, ops, None, false)
}

/// How a reopening test stops the store it is running before it opens the next one on the same
/// data: `restart(store, i)` runs after op `#i`, and returns what it did, for messages.
pub type Restart<'a> = &'a dyn Fn(&Store, usize) -> Result<&'static str, String>;

/// Like [`check_sequence`], and after every op the store is stopped by `restart` and opened again
/// with `open`, which must reopen the same data: the reopened store must still equal the model.
pub fn check_sequence_reopening(
    open: &dyn Fn(ManualClock) -> Store,
    restart: Restart<'_>,
    ops: &[Op],
) -> Result<(), TestCaseError> {
    check_sequence_inner(open, ops, Some(restart), false)
}

/// The usual restart of a reopening test: a clean [`Store::close`] after even ops (it flushes, so
/// the next open replays nothing) and a crash ([`tidekv::test_util::crash`]) after odd ones (no
/// flush, background work stopped, nothing more written), so that the next open must replay the
/// write-ahead log — after every kind of operation, since sequences are random.
pub fn close_or_crash(store: &Store, i: usize) -> Result<&'static str, String> {
    if i.is_multiple_of(2) {
        store.close().map_err(|e| format!("close(): {e}"))?;
        Ok("a close")
    } else {
        tidekv::test_util::crash(store);
        Ok("a crash")
    }
}

fn check_sequence_inner(
    open: &dyn Fn(ManualClock) -> Store,
    ops: &[Op],
    restart: Option<Restart<'_>>,
    on_a_cluster: bool,
) -> Result<(), TestCaseError> {
    let clock = ManualClock::new(START_MS);
    let mut store = open(clock.clone());
    let mut model = Model::new(START_MS);
    for (i, op) in ops.iter().enumerate() {
        let before = model.clone();
        let expected = if on_a_cluster && cluster::refused_on_a_cluster(op) {
            Err(Fail::InvalidArgument)
        } else {
            model.apply(op)
        };
        if expected.is_err() && model != before {
            return Err(TestCaseError::fail(format!(
                "test bug: the model changed on a failing op #{i} {op:?}"
            )));
        }
        let actual = execute(&store, &clock, op);
        if actual != expected {
            return Err(TestCaseError::fail(format!(
                "op #{i} {op:?}: store returned {actual:?}, model expected {expected:?}\n\
                 model before the op: {before:?}"
            )));
        }
        let observed = observe(&store)
            .map_err(|e| TestCaseError::fail(format!("after op #{i} {op:?}: {e}")))?;
        let state = model.state();
        if observed != state {
            let what = if expected.is_err() {
                "a failed op changed the store"
            } else {
                "store state differs from the model"
            };
            return Err(TestCaseError::fail(format!(
                "after op #{i} {op:?} (returned {actual:?}): {what}\n\
                 store: {observed:?}\nmodel: {state:?}\nmodel before the op: {before:?}"
            )));
        }
        if let Some(restart) = restart {
            let how = restart(&store, i)
                .map_err(|e| TestCaseError::fail(format!("stopping after op #{i}: {e}")))?;
            drop(store);
            store = open(clock.clone());
            let reopened = observe(&store).map_err(|e| {
                TestCaseError::fail(format!("reopened after op #{i} {op:?} and {how}: {e}"))
            })?;
            if reopened != state {
                return Err(TestCaseError::fail(format!(
                    "after op #{i} {op:?} and {how} the reopened store differs from the model\n\
                     store: {reopened:?}\nmodel: {state:?}"
                )));
            }
        }
    }
    store
        .close()
        .map_err(|e| TestCaseError::fail(format!("close(): {e}")))?;
    Ok(())
}

/// Fixed sequences that once failed (kept so that every backend is checked against them on every
/// run, whatever the random search finds), each with what it checks.
pub fn regressions() -> Vec<(&'static str, Vec<Op>)> {
    let k = |s: &[u8]| b(s);
    vec![
        (
            "a range whose upper bound is its lower bound raised by one, but included, is not a prefix scan (the remote backend's SCAN pattern took it for one)",
            vec![
                Op::InsertIfAbsent(k(b"b"), k(b"")),
                Op::Range(Bound::Excluded(k(b"a")), Bound::Included(k(b"b"))),
            ],
        ),
        (
            "re-inserting a key with the same TTL at the same instant, then letting it expire: len() must not count it",
            vec![
                Op::InsertWithTtl(k(b"b"), k(b""), 1_500),
                Op::InsertWithTtl(k(b"b"), k(b""), 1_500),
                Op::Advance(2),
                Op::Len,
            ],
        ),
        (
            "incr_by on a key with a TTL keeps the TTL; once it expires len() must not count it",
            vec![
                Op::InsertWithTtl(k(b""), k(b"0"), 1),
                Op::IncrBy(k(b""), -3),
                Op::Advance(1),
                Op::Len,
            ],
        ),
        (
            "the same through batches: a counter with a TTL, incremented in a batch, then expired",
            vec![
                Op::Batch(vec![BatchOp::InsertWithTtl(k(b"a"), k(b"1"), 1_000)]),
                Op::Batch(vec![BatchOp::IncrBy(k(b"a"), 1)]),
                Op::Advance(1),
                Op::Len,
            ],
        ),
        (
            "list_set with an index past 32 bits is out of range (the remote backend sent it as LSET: valkey-server 9.1.2 cuts the index to 32 bits and Redis 7 overflows negating i64::MIN, and each replaced an element)",
            vec![
                Op::PushBack(k(b"a"), k(b"x")),
                Op::PushBack(k(b"a"), k(b"y")),
                Op::ListSet(k(b"a"), 1 << 32, k(b"z")),
                Op::ListSet(k(b"a"), i64::MAX, k(b"z")),
                Op::ListSet(k(b"a"), i64::MIN, k(b"z")),
                Op::ListSet(k(b"a"), -(1 << 32) - 1, k(b"z")),
                Op::ListRange(k(b"a"), 0, -1),
            ],
        ),
        (
            "a batch whose last op pushes onto a string key changes nothing",
            vec![
                Op::Insert(k(b"a"), k(b"x")),
                Op::PushBack(k(b"ab"), k(b"e1")),
                Op::Batch(vec![
                    BatchOp::Remove(k(b"ab")),
                    BatchOp::IncrBy(k(b"b"), 5),
                    BatchOp::Expire(k(b"b"), 1_000),
                    BatchOp::PushBack(k(b"a"), k(b"e2")),
                ]),
            ],
        ),
    ]
}

/// Runs every sequence of [`regressions`] on a fresh store; panics naming each one that fails.
pub fn run_regressions(open: impl Fn(ManualClock) -> Store) {
    run_regressions_with(&open, false);
}

/// [`run_regressions`] on a Redis Cluster (see [`run_on_a_cluster_with_cases`]).
pub fn run_regressions_on_a_cluster(open: impl Fn(ManualClock) -> Store) {
    run_regressions_with(&open, true);
}

fn run_regressions_with(open: &dyn Fn(ManualClock) -> Store, on_a_cluster: bool) {
    let failures: Vec<String> = regressions()
        .into_iter()
        .filter_map(|(what, ops)| {
            check_sequence_inner(open, &ops, None, on_a_cluster)
                .err()
                .map(|e| format!("{what}:\n  {ops:?}\n  {e}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} regression sequence(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Runs the model test: `PROPTEST_CASES` sequences (256 by default) of up to 60 ops, each on a
/// fresh store made by `open` from a manual clock it must use for every expiry decision.
///
/// Panics with the smallest failing sequence found.
pub fn run(open: impl Fn(ManualClock) -> Store) {
    run_cases(None, |ops| check_sequence(&open, ops));
}

/// The model test with a restart after every op ([`check_sequence_reopening`]), `cases`
/// sequences (a restart costs file syncs). Each sequence gets fresh storage from `fresh` (a
/// directory, a simulated disk); `open(&storage, clock)` opens the store kept there, and
/// `restart(&storage, &store, i)` stops the running store after op `#i`.
pub fn run_reopening<S>(
    fresh: impl Fn() -> S,
    open: impl Fn(&S, ManualClock) -> Store,
    restart: impl Fn(&S, &Store, usize) -> Result<&'static str, String>,
    cases: u32,
) {
    run_cases(Some(cases), |ops| {
        let storage = fresh();
        check_sequence_reopening(
            &|clock| open(&storage, clock),
            &|store, i| restart(&storage, store, i),
            ops,
        )
    });
}

/// The model test with `cases` random sequences (unless `PROPTEST_CASES` says otherwise), for a
/// backend whose every operation is a network round trip.
pub fn run_with_cases(cases: u32, open: impl Fn(ManualClock) -> Store) {
    run_cases(Some(cases), |ops| check_sequence(&open, ops));
}

/// [`run_with_cases`] on a Redis Cluster: an atomic call on keys in different hash slots must be
/// refused with nothing changed (`cluster.rs`).
pub fn run_on_a_cluster_with_cases(cases: u32, open: impl Fn(ManualClock) -> Store) {
    run_cases(Some(cases), |ops| {
        check_sequence_inner(&open, ops, None, true)
    });
}

fn run_cases(cases: Option<u32>, check: impl Fn(&[Op]) -> Result<(), TestCaseError>) {
    let mut config = ProptestConfig {
        source_file: Some(file!()),
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    if let Some(cases) = cases {
        if std::env::var_os("PROPTEST_CASES").is_none() {
            config.cases = cases;
        }
    }
    let mut runner = TestRunner::new(config);
    match runner.run(&ops(), |ops| check(&ops)) {
        Ok(()) => {}
        Err(TestError::Fail(reason, ops)) => {
            panic!(
                "model test failed: {reason}\nminimal failing sequence ({} ops): {ops:#?}",
                ops.len()
            )
        }
        Err(TestError::Abort(reason)) => panic!("model test aborted: {reason}"),
    }
}
