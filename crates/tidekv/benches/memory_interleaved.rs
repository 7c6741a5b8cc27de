//! The memory benchmark made robust to a noisy shared machine: the three contenders run in short
//! interleaved bursts, round after round, with the order rotated every round, and each round yields
//! one ratio per pair. Slow drifts in machine load (other builds, steal time) hit all three
//! contenders of a round alike, so the median of the per-round ratios is the figure to read.
//!
//! Same dataset, contenders and per-operation work as `memory.rs` (see `support/mod.rs`).
//!
//! Run: `cargo bench -p tidekv --bench memory_interleaved` (about one minute). `ROUNDS=N` changes the
//! number of rounds (default 21).

mod support;

use support::{timed_run, Contender, Contenders, Dataset, Workload, KEYS, SEQ_LEN, THREADS};

/// Operations per thread in one burst: long enough to dwarf thread start-up, short enough that
/// a burst of each contender sees about the same machine.
const BURST_OPS: u64 = 200_000;

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; this harness takes no arguments.
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(21);
    let data = Dataset::new();
    let Contenders {
        store,
        dash,
        locked,
    } = Contenders::loaded(&data);
    let contenders: [(&str, &dyn Contender); 3] = [
        ("tidekv", &store),
        ("dashmap", &dash),
        ("rwlock_hashmap", &locked),
    ];

    println!("{rounds} rounds of {BURST_OPS} ops per thread per contender; medians over rounds (M ops/s)");
    println!();
    println!("| workload | threads | tidekv | dashmap | RwLock<HashMap> | tidekv / dashmap (median, min–max) | tidekv / RwLock<HashMap> (median) |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let mut base = 0usize;
    for workload in [Workload::Get, Workload::Insert, Workload::Mixed] {
        for threads in THREADS {
            let mut ops: [Vec<f64>; 3] = Default::default();
            let mut vs_dash = Vec::new();
            let mut vs_locked = Vec::new();
            for round in 0..=rounds {
                let mut this_round = [0.0f64; 3];
                for k in 0..3 {
                    let i = (round + k) % 3;
                    let (_, contender) = contenders[i];
                    let elapsed = timed_run(contender, &data, workload, threads, base, BURST_OPS);
                    base = base.wrapping_add(BURST_OPS as usize) % SEQ_LEN;
                    this_round[i] =
                        (threads as u64 * BURST_OPS) as f64 / elapsed.as_secs_f64() / 1e6;
                }
                // Round 0 warms caches and allocators up and is not counted.
                if round == 0 {
                    continue;
                }
                for i in 0..3 {
                    ops[i].push(this_round[i]);
                }
                vs_dash.push(this_round[0] / this_round[1]);
                vs_locked.push(this_round[0] / this_round[2]);
            }
            let (lo, hi) = vs_dash
                .iter()
                .fold((f64::MAX, f64::MIN), |(lo, hi), r| (lo.min(*r), hi.max(*r)));
            println!(
                "| {} | {threads} | {:.2} | {:.2} | {:.2} | **{:.2}** ({lo:.2}–{hi:.2}) | {:.2} |",
                workload.name(),
                median(&mut ops[0]),
                median(&mut ops[1]),
                median(&mut ops[2]),
                median(&mut vs_dash),
                median(&mut vs_locked),
            );
        }
    }
    assert_eq!(
        store.len().expect("tidekv len"),
        KEYS,
        "overwrites never add or lose keys"
    );
    assert_eq!(dash.len(), KEYS);
}
