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

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::RwLock;
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{criterion_main, BenchmarkId, Criterion, Throughput};
use dashmap::DashMap;
use tidekv::{Config, Store};

/// Number of keys loaded before measuring; every operation targets one of them.
const KEYS: usize = 100_000;
/// Every key is exactly this long: `key` and 13 digits.
const KEY_LEN: usize = 16;
/// Every value is this long.
const VALUE_LEN: usize = 100;
/// Length of the precomputed operation sequence (a power of two, so wrapping is a mask).
const SEQ_LEN: usize = 1 << 20;
/// Bit set in a sequence entry when the mixed workload writes instead of reading.
const WRITE_FLAG: u32 = 1 << 31;
/// One write in ten for `mixed_90_10`.
const WRITE_ONE_IN: u64 = 10;
/// Thread counts measured for every workload and contender.
const THREADS: [usize; 2] = [1, 2];

/// SplitMix64: tiny, deterministic, good enough to pick keys.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// What one benchmark does per operation.
#[derive(Clone, Copy, Debug)]
enum Workload {
    Get,
    Insert,
    Mixed,
}

impl Workload {
    fn name(self) -> &'static str {
        match self {
            Workload::Get => "get",
            Workload::Insert => "insert",
            Workload::Mixed => "mixed_90_10",
        }
    }
}

/// The shared, read-only inputs of every benchmark.
struct Dataset {
    /// All keys, back to back, `KEY_LEN` bytes each (one allocation: picking a key costs one miss).
    keys: Vec<u8>,
    /// The bytes every write stores.
    payload: Vec<u8>,
    /// Key indexes in `0..KEYS`, with `WRITE_FLAG` set on about one entry in `WRITE_ONE_IN`.
    ops: Vec<u32>,
}

impl Dataset {
    fn new() -> Self {
        let mut keys = Vec::with_capacity(KEYS * KEY_LEN);
        for i in 0..KEYS {
            let key = format!("key{i:013}");
            assert_eq!(key.len(), KEY_LEN);
            keys.extend_from_slice(key.as_bytes());
        }
        let payload = (0..VALUE_LEN).map(|i| b'a' + (i % 26) as u8).collect();
        let mut rng = SplitMix64(0x5EED_0000_0000_0001);
        let ops = (0..SEQ_LEN)
            .map(|_| {
                let r = rng.next_u64();
                // The high half picks the key, the low half decides read or write: independent bits.
                let index = ((r >> 32) % KEYS as u64) as u32;
                if (r & 0xFFFF_FFFF) % WRITE_ONE_IN == 0 {
                    index | WRITE_FLAG
                } else {
                    index
                }
            })
            .collect();
        Dataset { keys, payload, ops }
    }

    fn key(&self, index: usize) -> &[u8] {
        &self.keys[index * KEY_LEN..(index + 1) * KEY_LEN]
    }
}

/// The two operations every contender offers, with the same semantics.
trait Contender: Sync {
    /// The value at `key`, as an owned handle.
    fn get_value(&self, key: &[u8]) -> Option<Bytes>;
    /// Stores copies of `key` and `value`, replacing what was there.
    fn put_value(&self, key: &[u8], value: &[u8]);
}

impl Contender for Store {
    fn get_value(&self, key: &[u8]) -> Option<Bytes> {
        self.get(key).expect("tidekv get failed")
    }

    fn put_value(&self, key: &[u8], value: &[u8]) {
        self.insert(key, value).expect("tidekv insert failed");
    }
}

impl Contender for DashMap<Bytes, Bytes> {
    fn get_value(&self, key: &[u8]) -> Option<Bytes> {
        self.get(key).map(|entry| entry.value().clone())
    }

    fn put_value(&self, key: &[u8], value: &[u8]) {
        let (key, value) = (Bytes::copy_from_slice(key), Bytes::copy_from_slice(value));
        self.insert(key, value);
    }
}

impl Contender for RwLock<HashMap<Bytes, Bytes>> {
    fn get_value(&self, key: &[u8]) -> Option<Bytes> {
        self.read().expect("RwLock poisoned").get(key).cloned()
    }

    fn put_value(&self, key: &[u8], value: &[u8]) {
        let (key, value) = (Bytes::copy_from_slice(key), Bytes::copy_from_slice(value));
        self.write().expect("RwLock poisoned").insert(key, value);
    }
}

/// Loads every key with the payload, then checks that each reads back.
fn preload<C: Contender>(name: &str, contender: &C, data: &Dataset) {
    for i in 0..KEYS {
        contender.put_value(data.key(i), &data.payload);
    }
    for i in 0..KEYS {
        let value = contender.get_value(data.key(i));
        assert_eq!(
            value.as_deref(),
            Some(&data.payload[..]),
            "{name}: key {i} does not read back after preload"
        );
    }
}

/// `iters` operations of `workload`, starting at position `start` of the sequence.
fn run_ops<C: Contender>(
    contender: &C,
    data: &Dataset,
    workload: Workload,
    start: usize,
    iters: u64,
) {
    let mask = SEQ_LEN - 1;
    let mut pos = start;
    for _ in 0..iters {
        let op = data.ops[pos & mask];
        pos = pos.wrapping_add(1);
        let key = data.key((op & !WRITE_FLAG) as usize);
        let write = match workload {
            Workload::Get => false,
            Workload::Insert => true,
            Workload::Mixed => op & WRITE_FLAG != 0,
        };
        if write {
            contender.put_value(key, &data.payload);
        } else {
            black_box(contender.get_value(key));
        }
    }
}

/// `iters` operations on each of `threads` threads; the wall time of the whole.
fn timed_run<C: Contender>(
    contender: &C,
    data: &Dataset,
    workload: Workload,
    threads: usize,
    base: usize,
    iters: u64,
) -> Duration {
    let started = Instant::now();
    thread::scope(|s| {
        for t in 0..threads {
            // Threads walk far-apart parts of the sequence, so they do not touch the same keys in
            // lockstep.
            let start = base.wrapping_add(t * (SEQ_LEN / threads));
            s.spawn(move || run_ops(contender, data, workload, start, iters));
        }
    });
    started.elapsed()
}

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

    let store = Store::open(Config::memory()).expect("open tidekv memory store");
    let dash: DashMap<Bytes, Bytes> = DashMap::new();
    let locked: RwLock<HashMap<Bytes, Bytes>> = RwLock::new(HashMap::new());
    preload("tidekv", &store, &data);
    preload("dashmap", &dash, &data);
    preload("rwlock_hashmap", &locked, &data);
    assert_eq!(store.len().expect("tidekv len"), KEYS);

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
