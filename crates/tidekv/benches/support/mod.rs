//! What both memory benchmarks share: the dataset, the contenders and the timed loop.
//!
//! See `memory.rs` for what is measured and why every contender does the same work per operation.

#![allow(dead_code)]

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::RwLock;
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use dashmap::DashMap;
use tidekv::{Config, Store};

/// Number of keys loaded before measuring; every operation targets one of them.
pub const KEYS: usize = 100_000;
/// Every key is exactly this long: `key` and 13 digits.
pub const KEY_LEN: usize = 16;
/// Every value is this long.
pub const VALUE_LEN: usize = 100;
/// Length of the precomputed operation sequence (a power of two, so wrapping is a mask).
pub const SEQ_LEN: usize = 1 << 20;
/// Bit set in a sequence entry when the mixed workload writes instead of reading.
pub const WRITE_FLAG: u32 = 1 << 31;
/// One write in ten for `mixed_90_10`.
pub const WRITE_ONE_IN: u64 = 10;
/// Thread counts measured for every workload and contender.
pub const THREADS: [usize; 2] = [1, 2];

/// SplitMix64: tiny, deterministic, good enough to pick keys.
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// What one benchmark does per operation.
#[derive(Clone, Copy, Debug)]
pub enum Workload {
    Get,
    Insert,
    Mixed,
}

impl Workload {
    pub fn name(self) -> &'static str {
        match self {
            Workload::Get => "get",
            Workload::Insert => "insert",
            Workload::Mixed => "mixed_90_10",
        }
    }
}

/// The shared, read-only inputs of every benchmark.
pub struct Dataset {
    /// All keys, back to back, `KEY_LEN` bytes each (one allocation: picking a key costs one miss).
    pub keys: Vec<u8>,
    /// The bytes every write stores.
    pub payload: Vec<u8>,
    /// Key indexes in `0..KEYS`, with `WRITE_FLAG` set on about one entry in `WRITE_ONE_IN`.
    pub ops: Vec<u32>,
}

impl Dataset {
    pub fn new() -> Self {
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
                if (r & 0xFFFF_FFFF).is_multiple_of(WRITE_ONE_IN) {
                    index | WRITE_FLAG
                } else {
                    index
                }
            })
            .collect();
        Dataset { keys, payload, ops }
    }

    pub fn key(&self, index: usize) -> &[u8] {
        &self.keys[index * KEY_LEN..(index + 1) * KEY_LEN]
    }
}

/// The two operations every contender offers, with the same semantics.
pub trait Contender: Sync {
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
pub fn preload<C: Contender + ?Sized>(name: &str, contender: &C, data: &Dataset) {
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
pub fn run_ops<C: Contender + ?Sized>(
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
pub fn timed_run<C: Contender + ?Sized>(
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

/// The three contenders, each loaded with the whole dataset and checked.
pub struct Contenders {
    pub store: Store,
    pub dash: DashMap<Bytes, Bytes>,
    pub locked: RwLock<HashMap<Bytes, Bytes>>,
}

impl Contenders {
    pub fn loaded(data: &Dataset) -> Self {
        let contenders = Contenders {
            store: Store::open(Config::memory()).expect("open tidekv memory store"),
            dash: DashMap::new(),
            locked: RwLock::new(HashMap::new()),
        };
        preload("tidekv", &contenders.store, data);
        preload("dashmap", &contenders.dash, data);
        preload("rwlock_hashmap", &contenders.locked, data);
        assert_eq!(contenders.store.len().expect("tidekv len"), KEYS);
        contenders
    }
}
