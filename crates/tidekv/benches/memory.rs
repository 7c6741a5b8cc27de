//! Throughput of the tidekv memory store against `DashMap` and `RwLock<HashMap>`.
//!
//! Three workloads (`get`, `insert`, `mixed_90_10`), each at 1 and 2 threads, on three contenders:
//! - `tidekv`: a memory [`Store`] opened with the default [`Config::memory`], used through its public
//!   API;
//! - `dashmap`: `DashMap<Bytes, Bytes>` with its default hasher and shard count;
//! - `rwlock_hashmap`: `std::sync::RwLock<std::collections::HashMap<Bytes, Bytes>>`.
//!
//! Dataset: 100 000 keys of 16 bytes (`key0000000000042`), 100-byte values, all loaded before any
//! measurement. Keys are picked by a precomputed SplitMix64 sequence, so the generator is not what is
//! measured.
//!
//! Every contender does the same work per operation:
//! - a read returns an owned copy of the value handle (`Option<Bytes>`, a reference-count bump), as
//!   `Store::get` does;
//! - a write stores a freshly allocated key and a freshly allocated value, as `Store::insert` does
//!   with byte-slice arguments (it always copies the key into new `Bytes`).
//!
//! One Criterion iteration is one operation on each of the N threads; the elapsed time is the wall
//! time of all threads together (`iter_custom`), and the throughput is `N` elements per iteration, so
//! Criterion reports operations per second over all threads.
//!
//! Run: `cargo bench -p tidekv --bench memory -- --noplot`

mod support;

use std::time::Duration;

use criterion::{criterion_main, BenchmarkId, Criterion, Throughput};
use support::{timed_run, Contender, Contenders, Dataset, Workload, KEYS, THREADS};

fn bench_contender<C: Contender>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    contender: &C,
    data: &Dataset,
    workload: Workload,
    threads: usize,
) {
    group.bench_function(BenchmarkId::new(name, format!("{threads}t")), |b| {
        // Each sample starts where the previous one stopped, so samples do not replay one prefix.
        let mut base = 0usize;
        b.iter_custom(|iters| {
            let elapsed = timed_run(contender, data, workload, threads, base, iters);
            base = base.wrapping_add(iters as usize);
            elapsed
        });
    });
}

fn memory(c: &mut Criterion) {
    let data = Dataset::new();

    let Contenders {
        store,
        dash,
        locked,
    } = Contenders::loaded(&data);

    for workload in [Workload::Get, Workload::Insert, Workload::Mixed] {
        let mut group = c.benchmark_group(workload.name());
        for threads in THREADS {
            group.throughput(Throughput::Elements(threads as u64));
            bench_contender(&mut group, "tidekv", &store, &data, workload, threads);
            bench_contender(&mut group, "dashmap", &dash, &data, workload, threads);
            bench_contender(
                &mut group,
                "rwlock_hashmap",
                &locked,
                &data,
                workload,
                threads,
            );
        }
        group.finish();
    }

    // Overwrites never add or lose keys.
    assert_eq!(store.len().expect("tidekv len"), KEYS);
    assert_eq!(dash.len(), KEYS);
    assert_eq!(locked.read().expect("RwLock poisoned").len(), KEYS);
    store.close().expect("close tidekv store");
}

/// Runs every benchmark of this file with one configuration, modest enough for a 2-core machine.
///
/// Written out rather than made by `criterion_group!` so that it carries documentation.
fn benches() {
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
        .configure_from_args();
    memory(&mut criterion);
}

criterion_main!(benches);
