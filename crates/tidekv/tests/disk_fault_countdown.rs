//! Countdown fault injection (as redb's countdown backend and RocksDB's FaultInjectionTestFS do
//! it): a workload runs once on a simulated disk without faults to count the file-system
//! operations it makes, then once more for every `n` up to that count, plus [`MARGIN`] past it,
//! with the `n`-th operation failing with an I/O error — creating, appending, syncing, reading,
//! listing, renaming, removing, in the foreground or in a flush or compaction thread, during the
//! open or after it. Every point, not a sample: a run costs a few milliseconds.
//!
//! Each run checks that:
//! 1. nothing panics, in the test's thread or in the store's (a panic hook counts those);
//! 2. a call that fails, fails with `Error::Io` — an open, or the call whose operation failed, or
//!    a later write refused because a background job failed (then `stats()` names the failure);
//!    never a wrong answer, `Corruption` or `Closed`;
//! 3. every answer the store gives is one some history of the run explains, a history being the
//!    workload with each call that failed either applied or not (a failed call's outcome is
//!    unknown) and every other call applied, in order;
//! 4. after the workload the store still reads, and what it reads is such a history's state;
//! 5. after the run stops (below), the store reopens without a fault and holds the state of a
//!    history in which every call that returned is applied: in `Durability::Sync` nothing
//!    acknowledged is lost, even after a failure, and a failed call is never half done.
//!
//! Three tests stop each run differently, so every fault point is checked three ways: a crash
//! (`test_util::crash`; the OS keeps every byte) or a power cut losing everything not synced
//! (`PowerLoss::LoseUnsynced`, then the crash), each [`FOLLOW_UP`] operations after the one
//! during which the fault fired — enough to see whether the store refuses writes or goes on
//! consistently, while each failed call only doubles the histories to track — and a power cut
//! right after that operation, where a write acknowledged although its sync failed has no later
//! sync to cover for it.
//!
//! The workload is the model test's random operations (strings, counters, TTLs, lists, batches,
//! removes, clears, clock moves over six keys) with a 128-byte write after every third op, on a
//! store with 512-byte memtables and tables, so that the runs go through flushes, log switches
//! and compactions. `TIDEKV_COUNTDOWN_SEQUENCES` sets how many sequences each test runs
//! (default 6).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use tidekv::test_util::{crash, PowerLoss, SimulatedDisk};
use tidekv::{BackendStats, Config, Durability, Error, ManualClock, Store};

mod model;

use model::{fail_of, observe, ops, try_execute, BatchOp, Fail, Model, Op, Out, B, KEYS};

const START_MS: u64 = 1_700_000_000_000;

/// Operations run after the one during which the fault fired (an error or not) before the run
/// stops, in the `...Later` variants.
const FOLLOW_UP: usize = 8;

/// Fault points past the fault-free run's operation count: background work (a flush, a
/// compaction) may still be running when the workload ends, and runs differ a little in how many
/// operations they make.
const MARGIN: u64 = 20;

fn config(disk: &SimulatedDisk, clock: &ManualClock) -> Config {
    model::tiny_disk(disk.config("/db").durability(Durability::Sync), 512, clock)
}

/// A write of 128 bytes or more on one of the model's keys, to fill memtables quickly.
fn big_write(i: usize) -> Op {
    let key = B(KEYS[i % KEYS.len()].to_vec());
    let mut value = format!("big-{i}-").into_bytes();
    value.resize(128, b'x');
    match (i / 3) % 3 {
        0 => Op::Insert(key, B(value)),
        1 => Op::PushBack(key, B(value)),
        _ => Op::Batch(vec![
            BatchOp::Insert(key, B(value)),
            BatchOp::IncrBy(B(KEYS[(i + 1) % KEYS.len()].to_vec()), 1),
        ]),
    }
}

/// A random model sequence of at least 40 ops, with a big write after every third.
fn workload(runner: &mut TestRunner) -> Vec<Op> {
    let random = loop {
        let ops = ops().new_tree(runner).expect("a sequence").current();
        if ops.len() >= 40 {
            break ops;
        }
    };
    let mut steps = Vec::new();
    for (i, op) in random.into_iter().enumerate() {
        steps.push(op);
        if i % 3 == 2 {
            steps.push(big_write(i));
        }
    }
    steps
}

/// The states a run may be in: one per history, a history being the workload so far with each
/// call that failed either applied or not (every other call applied). Duplicates are merged.
#[derive(Clone, Debug)]
struct Histories(Vec<Model>);

impl Histories {
    fn start() -> Self {
        Histories(vec![Model::new(START_MS)])
    }

    fn add(&mut self, model: Model) {
        if !self.0.contains(&model) {
            self.0.push(model);
        }
    }

    /// `op` returned `actual`: the histories in which it returns that, each advanced by it.
    fn returned(&self, op: &Op, actual: &Result<Out, Fail>) -> Self {
        let mut next = Histories(Vec::new());
        for model in &self.0 {
            let mut model = model.clone();
            if &model.apply(op) == actual {
                next.add(model);
            }
        }
        next
    }

    /// `op` took effect (whatever it returned): every history advanced by it.
    fn applied(&self, op: &Op) -> Self {
        let mut next = Histories(Vec::new());
        for model in &self.0 {
            let mut model = model.clone();
            let _ = model.apply(op);
            next.add(model);
        }
        next
    }

    /// `op` failed: every history, with it and without it.
    fn failed(&self, op: &Op) -> Self {
        let mut next = self.clone();
        for model in self.applied(op).0 {
            next.add(model);
        }
        next
    }

    fn contains_state(&self, state: &model::State) -> bool {
        self.0.iter().any(|m| &m.state() == state)
    }
}

/// How the run that met the fault ends before the store is opened again.
#[derive(Debug, Clone, Copy)]
enum Stop {
    /// [`FOLLOW_UP`] more operations after the one during which the fault fired, then
    /// `test_util::crash`: the process dies, the OS keeps every byte written.
    CrashLater,
    /// [`FOLLOW_UP`] more operations, then a power cut losing everything not synced (and the
    /// crash).
    PowerCutLater,
    /// The power cut right after the operation during which the fault fired, whether or not it
    /// reported an error: a write acknowledged although its sync failed is lost, not covered by
    /// the next write's sync.
    PowerCutAtOnce,
}

impl Stop {
    fn follow_up(self) -> usize {
        match self {
            Stop::CrashLater | Stop::PowerCutLater => FOLLOW_UP,
            Stop::PowerCutAtOnce => 0,
        }
    }
}

/// Where the fault showed, for the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    /// `Store::open` failed.
    Open,
    /// A call failed with it (the one whose operation failed, or a later one).
    Call,
    /// Only `stats()`'s `background_error`: a flush or compaction failed, no later call wrote.
    Background,
    /// Nothing reported it: a step allowed to fail (removing a flushed log or an obsolete
    /// table: the next open removes them), or a background failure recorded only after the run
    /// read `stats()`. The recovery checks apply all the same.
    Silent,
    /// The run made fewer than `n` operations.
    NotFired,
}

/// Panics on the store's background threads since the start, counted by a hook.
static PANICS: AtomicU64 = AtomicU64::new(0);

/// Bumped after every run; a watchdog aborts the test if it stops moving (a hang).
static HEARTBEAT: AtomicU64 = AtomicU64::new(0);
static CURRENT: Mutex<String> = Mutex::new(String::new());

fn install_guards() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // The store's own threads (`tidekv-flush`, `tidekv-compact`, ...). A panic on a
            // test's thread fails that test by itself, and must not be blamed on the others.
            let name = std::thread::current().name().map(str::to_owned);
            if name.is_none_or(|n| n.starts_with("tidekv")) {
                PANICS.fetch_add(1, Ordering::SeqCst);
            }
            default(info);
        }));
        std::thread::spawn(|| {
            const BOUND: Duration = Duration::from_secs(120);
            let mut last = (HEARTBEAT.load(Ordering::SeqCst), Instant::now());
            loop {
                std::thread::sleep(Duration::from_secs(1));
                let beat = HEARTBEAT.load(Ordering::SeqCst);
                if beat != last.0 {
                    last = (beat, Instant::now());
                } else if last.1.elapsed() > BOUND {
                    let current = CURRENT.lock().map(|c| c.clone()).unwrap_or_default();
                    eprintln!(
                        "hang: no fault point finished for {} s; stuck in: {current}",
                        BOUND.as_secs()
                    );
                    std::process::abort();
                }
            }
        });
    });
}

/// Runs the workload with the `fault`-th operation failing (`None`: no fault), stops it with
/// `stop`, reopens and checks everything the module comment lists. Returns the operations the
/// workload made (open included) and where the fault showed.
fn run_point(steps: &[Op], fault: Option<u64>, stop: Stop, what: &str) -> (u64, Seen) {
    *CURRENT.lock().unwrap() = what.to_string();
    let panics = PANICS.load(Ordering::SeqCst);
    let disk = SimulatedDisk::new();
    let clock = ManualClock::new(START_MS);
    if let Some(n) = fault {
        disk.fail_operation(n);
    }
    let fired = |disk: &SimulatedDisk| fault.is_some_and(|n| disk.operations() >= n);
    let mut seen = Histories::start();
    let mut possible = Histories::start();
    let (ops, shown) = match Store::open(config(&disk, &clock)) {
        Err(Error::Io { .. }) if fired(&disk) => {
            // What the failed open left must open, after a power cut too.
            if let Stop::PowerCutLater | Stop::PowerCutAtOnce = stop {
                disk.cut_power(PowerLoss::LoseUnsynced);
            }
            (disk.operations(), Seen::Open)
        }
        Err(e) => panic!("{what}: open failed with {e:?}"),
        Ok(store) => {
            let (mut first_failure, mut fired_at) = (None, None);
            for (i, op) in steps.iter().enumerate() {
                if fired_at.is_some_and(|f| i > f + stop.follow_up()) {
                    break;
                }
                match try_execute(&store, &clock, op) {
                    Err(e @ Error::Io { .. }) => {
                        assert!(
                            fired(&disk),
                            "{what}: op #{i} {op:?} failed before the fault: {e}"
                        );
                        first_failure.get_or_insert(i);
                        seen = seen.failed(op);
                        possible = possible.failed(op);
                    }
                    result => {
                        let actual = match result {
                            Ok(out) => Ok(out),
                            Err(e) if e.is_request_error() => Err(fail_of(e)),
                            Err(e) => {
                                panic!("{what}: op #{i} {op:?} failed with {e:?}, not an I/O error")
                            }
                        };
                        let next = seen.returned(op, &actual);
                        assert!(
                            !next.0.is_empty(),
                            "{what}: op #{i} {op:?} returned {actual:?}, which no history \
                             explains; the histories before it: {:#?}",
                            seen.0
                        );
                        seen = next;
                        possible = possible.applied(op);
                    }
                }
                if fired_at.is_none() && fired(&disk) {
                    fired_at = Some(i);
                }
            }
            let ops = disk.operations();
            // Decided before disarming: operations made after it (stats, reads, background
            // work) do not count, since a disarmed fault no longer fires.
            let fired_in_run = fired(&disk);
            if !fired_in_run {
                disk.disarm();
            }
            let background = match store.stats() {
                Ok(stats) => match stats.backend {
                    BackendStats::Disk(disk) => disk.background_error,
                    other => panic!("{what}: not a disk store: {other:?}"),
                },
                Err(e) => panic!("{what}: stats() failed after the fault: {e:?}"),
            };
            let shown = match (first_failure, background, fired_in_run) {
                (Some(_), _, _) => Seen::Call,
                (None, Some(_), _) => Seen::Background,
                (None, None, true) => Seen::Silent,
                (None, None, false) => Seen::NotFired,
            };
            // Reads go on after any failure, and agree with what the calls returned.
            let state =
                observe(&store).unwrap_or_else(|e| panic!("{what}: reading after the fault: {e}"));
            assert!(
                seen.contains_state(&state),
                "{what}: after the workload the store holds a state no history explains\n\
                 store: {state:?}\nhistories: {:#?}",
                seen.0
            );
            if let Stop::PowerCutLater | Stop::PowerCutAtOnce = stop {
                disk.cut_power(PowerLoss::LoseUnsynced);
            }
            crash(&store);
            (ops, shown)
        }
    };
    disk.disarm();
    let store = Store::open(config(&disk, &clock))
        .unwrap_or_else(|e| panic!("{what}: reopen without a fault: {e:?}"));
    let state = observe(&store).unwrap_or_else(|e| panic!("{what}: reading after reopen: {e}"));
    assert!(
        possible.contains_state(&state),
        "{what}: the reopened store holds a state in which an acknowledged call is missing or a \
         failed one is half done\nreopened: {state:?}\nhistories (every returned call applied): \
         {:#?}",
        possible.0
    );
    store
        .insert("after-recovery", "ok")
        .unwrap_or_else(|e| panic!("{what}: writing after reopen: {e}"));
    store
        .close()
        .unwrap_or_else(|e| panic!("{what}: close after reopen: {e}"));
    assert_eq!(
        PANICS.load(Ordering::SeqCst),
        panics,
        "{what}: a background thread of the store panicked"
    );
    HEARTBEAT.fetch_add(1, Ordering::SeqCst);
    (ops, shown)
}

fn sequences() -> u64 {
    std::env::var("TIDEKV_COUNTDOWN_SEQUENCES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(6)
}

/// Runs every fault point of [`sequences`] workloads, each stopped with `stop`.
fn sweep(stop: Stop) {
    install_guards();
    let mut runner = TestRunner::deterministic();
    let mut counts: Vec<(Seen, u64)> = Vec::new();
    for seq in 0..sequences() {
        let steps = workload(&mut runner);
        let what = format!("sequence {seq}, no fault, then {stop:?}");
        let (ops, _) = run_point(&steps, None, stop, &what);
        println!("sequence {seq}: {} steps, {ops} operations", steps.len());
        for n in 1..=ops + MARGIN {
            let what = format!("sequence {seq}, operation {n} failing, then {stop:?}");
            let (_, shown) = run_point(&steps, Some(n), stop, &what);
            match counts.iter_mut().find(|(s, _)| *s == shown) {
                Some((_, count)) => *count += 1,
                None => counts.push((shown, 1)),
            }
        }
    }
    let points: u64 = counts.iter().map(|(_, c)| c).sum();
    let fired: u64 = counts
        .iter()
        .filter(|(s, _)| *s != Seen::NotFired)
        .map(|(_, c)| c)
        .sum();
    println!("{points} fault points checked, {fired} fired; where the fault showed: {counts:?}");
    assert!(fired >= 1000, "only {fired} fault points fired");
}

#[test]
fn a_failed_operation_then_a_crash_loses_no_acknowledged_write() {
    sweep(Stop::CrashLater);
}

#[test]
fn a_failed_operation_then_a_power_cut_loses_no_acknowledged_write() {
    sweep(Stop::PowerCutLater);
}

#[test]
fn a_power_cut_right_after_a_failed_operation_loses_no_acknowledged_write() {
    sweep(Stop::PowerCutAtOnce);
}
