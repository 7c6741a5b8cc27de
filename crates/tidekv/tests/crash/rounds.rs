//! The parent's rounds in one durability mode: run a child, kill it, check that the acknowledged
//! calls returned what the model says, reopen the store and check that it holds their effects.

use std::path::Path;

use tidekv::Store;

use super::child::{fork_guard, kill_a_child};
use super::model::{explain, read_all, Effects, Popped};
use super::workload::{brief, config, workload, Call, Rng};

/// Totals over the rounds of one mode: evidence of what the kills hit.
#[derive(Debug, Default)]
struct Totals {
    acks: u64,
    /// Rounds whose call in flight turned out to be written.
    in_flight_applied: u64,
    killed_during_start_up: u64,
    /// Rounds killed with two or more logs in the directory: a frozen memtable's flush (or the
    /// open's own) had not finished.
    killed_with_a_flush_pending: u64,
}

/// Files in `dir` whose name ends with `suffix`.
fn count_files(dir: &Path, suffix: &str) -> usize {
    std::fs::read_dir(dir)
        .expect("list the store directory")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(suffix))
        })
        .count()
}

pub fn crash_rounds(mode: &str) {
    let dir = tempfile::tempdir().unwrap();
    let rounds: u64 = std::env::var("TIDEKV_CRASH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(24);
    let seed: u64 = std::env::var("TIDEKV_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| 0x9E37_79B9_7F4A_7C15 ^ u64::from(std::process::id()));
    println!("{mode}: seed {seed} (TIDEKV_CRASH_SEED replays it)");
    let salt = mode
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(131).wrapping_add(b.into()));
    let mut rng = Rng::new(seed ^ salt);
    let mut acked = Effects::default();
    let mut popped = Popped::new();
    let mut totals = Totals::default();
    for round in 0..rounds {
        let workload_seed = rng.next();
        let (lines, during_start_up) =
            kill_a_child(dir.path(), mode, workload_seed, round, &mut rng);
        totals.killed_during_start_up += u64::from(during_start_up);
        let (logs, tables) = (
            count_files(dir.path(), ".wal"),
            count_files(dir.path(), ".sst"),
        );
        totals.killed_with_a_flush_pending += u64::from(logs >= 2);

        // Replay the acknowledged calls on the model; each must have returned what it says.
        let mut calls = workload(workload_seed, round);
        let mut acks = 0u64;
        for line in lines.iter().filter_map(|l| l.strip_prefix("ack ")) {
            let (i, returned) = line.split_once(' ').expect("ack <i> <result>");
            assert_eq!(
                i.parse::<u64>().ok(),
                Some(acks),
                "{mode} round {round}: acks out of order"
            );
            let call = calls.next().expect("endless workload");
            if let Call::PopFront(_) = call {
                if let Some((r, j)) = popped.get(returned.as_bytes()) {
                    panic!(
                        "{mode} round {round}: call {i} {call:?} returned {}, which call {j} of \
                         round {r} had already popped (acknowledged)",
                        brief(returned.as_bytes())
                    );
                }
            }
            let expected = acked.apply(&call);
            assert_eq!(
                returned, expected,
                "{mode} round {round}: call {i} {call:?} returned {returned} but the acknowledged \
                 calls before it say {expected}"
            );
            if let (Call::PopFront(_), false) = (&call, returned == "(nil)") {
                popped.insert(returned.as_bytes().to_vec(), (round, acks));
            }
            acks += 1;
        }
        totals.acks += acks;
        let in_flight = calls.next().expect("endless workload");
        let mut with_in_flight = acked.clone();
        let in_flight_returns = with_in_flight.apply(&in_flight);

        let guard = fork_guard();
        let store = Store::open(config(dir.path(), mode))
            .unwrap_or_else(|e| panic!("{mode} round {round}: reopen after SIGKILL: {e}"));
        let found =
            read_all(&store).unwrap_or_else(|e| panic!("{mode} round {round}: reading back: {e}"));
        if acked.matches(&found) {
        } else if with_in_flight.matches(&found) {
            if let Call::PopFront(_) = in_flight {
                if in_flight_returns != "(nil)" {
                    popped.insert(in_flight_returns.into_bytes(), (round, acks));
                }
            }
            acked = with_in_flight;
            totals.in_flight_applied += 1;
        } else {
            panic!(
                "{mode} round {round} (seed {seed}): after SIGKILL the store holds neither the \
                 effects of the {acks} acknowledged calls of this round (and the rounds before) \
                 nor those plus the call in flight, {in_flight:?}:\n  {}",
                explain(&acked, &with_in_flight, &found, &popped)
            );
        }
        println!(
            "{mode} round {round}: {acks} acknowledged calls; killed with {logs} logs and \
             {tables} tables; {} keys",
            found.len()
        );
        if round + 1 == rounds {
            println!("{mode}: tables per level at the end: {:?}", levels(&store));
        }
        store.close().unwrap();
        drop(guard);
    }
    println!("{mode}: {totals:?}");
    assert!(
        totals.acks > rounds,
        "{mode}: the children acknowledged almost nothing"
    );
}

/// Tables per level, level 0 first.
fn levels(store: &Store) -> Vec<u64> {
    match store.stats().expect("stats").backend {
        tidekv::BackendStats::Disk(disk) => disk.levels.iter().map(|l| l.tables).collect(),
        other => panic!("not a disk store: {other:?}"),
    }
}
