//! The throughput mode: the contenders run in short interleaved bursts, round after round, with
//! their order rotated every round, so slow drifts in machine load (other builds, steal time) hit
//! all of a round's contenders alike and the per-round ratios stay meaningful on a shared machine.

use std::hint::black_box;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{ensure, Result};

use crate::contenders::{Contender, Loaded};
use crate::dataset::{Dataset, Workload};

/// How a run is shaped.
pub struct Plan {
    pub workloads: Vec<Workload>,
    pub threads: Vec<usize>,
    /// Counted rounds; one more, uncounted, warms caches and allocators up first.
    pub rounds: usize,
    /// Operations per thread in one burst.
    pub burst: u64,
}

/// The measurements of one workload at one thread count.
pub struct Cell {
    pub workload: Workload,
    pub threads: usize,
    /// Millions of operations per second, one entry per counted round, one figure per contender
    /// in the order of the `Loaded` slice.
    pub rounds: Vec<Vec<f64>>,
}

/// `iters` operations of `workload` from `start` in the sequence; returns how many reads found
/// nothing (there must be none: every key was loaded, and a miss is cheaper than a hit).
fn run_ops(
    map: &dyn Contender,
    data: &Dataset,
    workload: Workload,
    start: usize,
    iters: u64,
) -> u64 {
    let mut misses = 0;
    let mut position = start;
    for _ in 0..iters {
        let (entry, key) = data.op(position);
        position = position.wrapping_add(1);
        if workload.writes(entry) {
            map.put_value(key, &data.payload);
        } else if black_box(map.get_value(key)).is_none() {
            misses += 1;
        }
    }
    misses
}

/// `iters` operations on each of `threads` threads; the wall time of the whole and the misses.
fn timed_run(
    map: &dyn Contender,
    data: &Dataset,
    workload: Workload,
    threads: usize,
    base: usize,
    iters: u64,
) -> (Duration, u64) {
    let started = Instant::now();
    let misses = thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                // Threads walk far-apart parts of the sequence, so they do not touch the same keys
                // in lockstep.
                let start = base.wrapping_add(t * (data.sequence_len() / threads));
                s.spawn(move || run_ops(map, data, workload, start, iters))
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a benchmark thread panicked"))
            .sum::<u64>()
    });
    (started.elapsed(), misses)
}

/// Runs every workload and thread count of `plan` on `contenders`, loaded with `data`.
pub fn measure(plan: &Plan, data: &Dataset, contenders: &[Loaded]) -> Result<Vec<Cell>> {
    let n = contenders.len();
    let mut base = 0usize;
    let mut cells = Vec::new();
    for &workload in &plan.workloads {
        for &threads in &plan.threads {
            let mut rounds = Vec::with_capacity(plan.rounds);
            for round in 0..=plan.rounds {
                let mut this_round = vec![0.0f64; n];
                for k in 0..n {
                    let i = (round + k) % n;
                    let contender = &contenders[i];
                    let (elapsed, misses) =
                        timed_run(&*contender.map, data, workload, threads, base, plan.burst);
                    ensure!(
                        misses == 0,
                        "{}: {misses} reads of loaded keys found nothing ({}, {threads} threads)",
                        contender.kind.name(),
                        workload.name()
                    );
                    base = base.wrapping_add(plan.burst as usize) % data.sequence_len();
                    this_round[i] =
                        (threads as u64 * plan.burst) as f64 / elapsed.as_secs_f64() / 1e6;
                }
                // Round 0 warms caches and allocators up and is not counted.
                if round > 0 {
                    rounds.push(this_round);
                }
            }
            eprintln!(
                "  {} x{threads}: {}",
                workload.name(),
                progress_line(contenders, &rounds)
            );
            cells.push(Cell {
                workload,
                threads,
                rounds,
            });
        }
    }
    for contender in contenders {
        contender.check(data)?;
    }
    Ok(cells)
}

/// The median M ops/s of each contender, for the progress output.
fn progress_line(contenders: &[Loaded], rounds: &[Vec<f64>]) -> String {
    contenders
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut ops: Vec<f64> = rounds.iter().map(|r| r[i]).collect();
            format!("{} {:.2}", c.kind.name(), crate::report::median(&mut ops))
        })
        .collect::<Vec<_>>()
        .join(", ")
}
