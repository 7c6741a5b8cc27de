//! Power cuts on a simulated disk, at every sync point of a workload and at operations between:
//! after each cut the store reopens, and its state must be the model's state after some prefix of
//! the operations — at least every operation that was acknowledged as durable (in `Sync` mode
//! every acknowledged one; in the other modes every one before the last successful `flush`), at
//! most the one in flight. Cuts either lose what was not synced, or leave a random length of it
//! garbled page by page (`test_util::PowerLoss`), the way real disks fail.
//!
//! Every fourth recovery is itself interrupted by a second cut while the store reopens (log replay,
//! the flush of what it replayed, the new manifest): the reopen after that must be just as good.
//!
//! The workload is the model test's random operations (strings, counters, TTLs, lists, batches,
//! removes, clears, clock moves) on a store with tiny memtables and tables, so flushes, log
//! switches and compactions happen between them. `TIDEKV_POWER_SEQUENCES` sets how many random
//! sequences run (each is cut at every one of its syncs and at a stride of its operations).

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use tidekv::test_util::{crash, PowerLoss, SimulatedDisk};
use tidekv::{Clock, Config, Durability, ManualClock, Store};

mod model;

use model::{execute, observe, ops, Fail, Model, Op};

const START_MS: u64 = 1_700_000_000_000;

/// The durability mode, and how many bytes of log make the sync thread fsync it (0: never).
#[derive(Debug, Clone, Copy)]
struct Mode {
    durability: Durability,
    wal_sync_bytes: u64,
}

impl Mode {
    /// `durability` with no fsyncs triggered by the log's growth (the last test has them).
    fn plain(durability: Durability) -> Mode {
        Mode {
            durability,
            wal_sync_bytes: 0,
        }
    }
}

fn config(disk: &SimulatedDisk, mode: Mode, clock: &ManualClock) -> Config {
    let config = disk
        .config("/db")
        .durability(mode.durability)
        .wal_sync_bytes(mode.wal_sync_bytes);
    model::tiny_disk(config, 512, clock)
}

/// One step of a workload: a model operation, or a `flush` (a durability point in every mode).
#[derive(Debug, Clone)]
enum Step {
    Op(Op),
    Flush,
}

/// Where to cut the power in a run.
#[derive(Debug, Clone, Copy)]
enum Cut {
    None,
    AtSync(u64),
    AtOperation(u64),
}

/// What a run did before the cut.
struct Run {
    /// `models[i]`: the model after the first `i` steps.
    models: Vec<Model>,
    /// Steps that returned (acknowledged), and of those the ones known durable.
    acked: usize,
    durable: usize,
    clock: ManualClock,
}

fn run(steps: &[Step], mode: Mode, disk: &SimulatedDisk, cut: (Cut, PowerLoss)) -> Run {
    let clock = ManualClock::new(START_MS);
    let store = Store::open(config(disk, mode, &clock)).expect("open a fresh store");
    let mut model = Model::new(START_MS);
    let mut models = vec![model.clone()];
    match cut.0 {
        Cut::None => {}
        Cut::AtSync(n) => disk.cut_power_at_sync(n, cut.1),
        Cut::AtOperation(n) => disk.cut_power_at_operation(n, cut.1),
    }
    let (mut acked, mut durable) = (0, 0);
    for (i, step) in steps.iter().enumerate() {
        let returned = match step {
            Step::Flush => store.flush().is_ok(),
            Step::Op(op) => {
                let expected = model.apply(op);
                let actual = execute(&store, &clock, op);
                if let Err(Fail::Other(_)) = actual {
                    false
                } else {
                    assert_eq!(actual, expected, "step {i} {op:?} before any cut");
                    true
                }
            }
        };
        if !returned {
            // The step in flight when the power went: it may or may not have reached the disk.
            models.push(model.clone());
            break;
        }
        models.push(model.clone());
        acked = i + 1;
        if mode.durability == Durability::Sync || matches!(step, Step::Flush) {
            durable = acked;
        }
    }
    disk.disarm();
    crash(&store);
    Run {
        models,
        acked,
        durable,
        clock,
    }
}

/// Reopens after a run and checks that the store holds the state after a prefix of its steps.
/// With `cut_open`, the power is cut once more while the store is being reopened (during log
/// replay, its flush, or the new manifest), before the reopen that is checked.
fn check_recovery(disk: &SimulatedDisk, mode: Mode, run: &Run, cut_open: Option<u64>, what: &str) {
    if let Some(at) = cut_open {
        disk.cut_power_at_operation(at, PowerLoss::Garbage { seed: at });
        if let Ok(store) = Store::open(config(disk, mode, &run.clock)) {
            crash(&store);
        }
        disk.disarm();
    }
    let store = Store::open(config(disk, mode, &run.clock))
        .unwrap_or_else(|e| panic!("{what}: reopen after the cut: {e}"));
    let observed = observe(&store).unwrap_or_else(|e| panic!("{what}: reading back: {e}"));
    let now = run.clock.now_ms();
    let matches = |i: usize| {
        let mut model = run.models[i].clone();
        model.advance(now - model.now());
        model.state() == observed
    };
    let last = run.models.len() - 1;
    if !(run.durable..=last).any(matches) {
        let prefix = (0..=last).rev().find(|&i| matches(i));
        panic!(
            "{what}: the recovered state is not the state after any of steps {}..={last} \
             ({} acknowledged); it matches {prefix:?}\nrecovered: {observed:?}\nafter {}: {:?}",
            run.durable,
            run.acked,
            run.durable,
            run.models[run.durable].state()
        );
    }
    // The recovered store works.
    store.insert("after-recovery", "ok").unwrap();
    store.close().unwrap();
}

fn sequence(runner: &mut TestRunner, mode: Mode) -> Vec<Step> {
    let ops = ops().new_tree(runner).expect("a sequence").current();
    let mut steps = Vec::new();
    for (i, op) in ops.into_iter().enumerate() {
        steps.push(Step::Op(op));
        if mode.durability != Durability::Sync && i % 7 == 6 {
            steps.push(Step::Flush);
        }
    }
    steps
}

/// Runs `sequences` random sequences in `mode`, cutting each at every sync and at every
/// `stride`-th operation; returns the number of recoveries checked.
fn sweep(mode: Mode, sequences: u64, stride: u64) -> u64 {
    let mut runner = TestRunner::deterministic();
    let mut recoveries = 0;
    for seq in 0..sequences {
        let steps = sequence(&mut runner, mode);
        let disk = SimulatedDisk::new();
        run(&steps, mode, &disk, (Cut::None, PowerLoss::LoseUnsynced));
        let (ops, syncs) = (disk.operations(), disk.syncs());
        let cuts = (1..=syncs)
            .map(Cut::AtSync)
            .chain((1..=ops).step_by(stride as usize).map(Cut::AtOperation));
        for (n, cut) in cuts.enumerate() {
            let loss = match n % 3 {
                0 => PowerLoss::LoseUnsynced,
                1 => PowerLoss::Garbage {
                    seed: seq * 1000 + n as u64,
                },
                _ => PowerLoss::ProcessCrash,
            };
            let disk = SimulatedDisk::new();
            let done = run(&steps, mode, &disk, (cut, loss));
            // Every fourth recovery is itself cut short once, somewhere in its first operations.
            let cut_open = (n % 4 == 3).then_some(1 + (n as u64 * 7) % 40);
            let what =
                format!("{mode:?} sequence {seq} cut {cut:?} {loss:?}, open cut {cut_open:?}");
            check_recovery(&disk, mode, &done, cut_open, &what);
            recoveries += 1;
        }
    }
    recoveries
}

fn sequences() -> u64 {
    std::env::var("TIDEKV_POWER_SEQUENCES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(12)
}

#[test]
fn sync_mode_keeps_every_acknowledged_write_across_power_cuts() {
    let recoveries = sweep(Mode::plain(Durability::Sync), sequences(), 5);
    println!("{recoveries} recoveries");
    assert!(recoveries >= 300, "only {recoveries} recoveries");
}

#[test]
fn buffered_mode_recovers_a_prefix_holding_everything_flushed() {
    let recoveries = sweep(Mode::plain(Durability::Buffered), sequences(), 3);
    println!("{recoveries} recoveries");
    assert!(recoveries >= 300, "only {recoveries} recoveries");
}

#[test]
fn periodic_mode_recovers_a_prefix_holding_everything_flushed() {
    let interval = Durability::Periodic(std::time::Duration::from_millis(1));
    let recoveries = sweep(Mode::plain(interval), sequences(), 3);
    println!("{recoveries} recoveries");
    assert!(recoveries >= 300, "only {recoveries} recoveries");
}

/// The sync thread fsyncs the log whenever a few records were appended, racing the writes and the
/// cuts: what it makes durable may only ever extend the recovered prefix.
#[test]
fn buffered_mode_with_background_log_syncs_recovers_a_prefix_holding_everything_flushed() {
    let mode = Mode {
        durability: Durability::Buffered,
        wal_sync_bytes: 64,
    };
    let recoveries = sweep(mode, sequences().div_ceil(2), 3);
    println!("{recoveries} recoveries");
    assert!(recoveries >= 150, "only {recoveries} recoveries");
}
