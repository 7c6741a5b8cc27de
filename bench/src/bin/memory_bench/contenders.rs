//! The maps under test, behind one trait so that each does the same work per operation: a read
//! returns an owned handle to the value (`Bytes`), a write stores newly allocated copies of the
//! key and the value, replacing what was there.
//!
//! All use their defaults: tidekv `Config::memory()`, `DashMap::new()` (shard count 4 × cores,
//! rounded up to a power of two) and `papaya::HashMap::new()`.

use anyhow::{ensure, Result};
use bytes::Bytes;
use dashmap::DashMap;
use tidekv::{Config, Store};

use crate::dataset::Dataset;

/// The operations every contender offers, with the same semantics.
pub trait Contender: Sync {
    /// The value at `key`, as an owned handle.
    fn get_value(&self, key: &[u8]) -> Option<Bytes>;
    /// Stores copies of `key` and `value`, replacing what was there.
    fn put_value(&self, key: &[u8], value: &[u8]);
    /// The number of keys held (not timed; for checks).
    fn entries(&self) -> usize;
}

/// The contenders by name, as the command line and the reports spell them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ContenderKind {
    /// tidekv's memory backend, through `Store::get` and `Store::insert`.
    Tidekv,
    /// `DashMap<Bytes, Bytes>`.
    Dashmap,
    /// `papaya::HashMap<Bytes, Bytes>`.
    Papaya,
    /// `DashMap<Vec<u8>, Vec<u8>>`: the yardstick for bytes per key (not timed).
    #[value(name = "dashmap_vec")]
    DashmapVec,
}

impl ContenderKind {
    pub fn name(self) -> &'static str {
        match self {
            ContenderKind::Tidekv => "tidekv",
            ContenderKind::Dashmap => "dashmap",
            ContenderKind::Papaya => "papaya",
            ContenderKind::DashmapVec => "dashmap_vec",
        }
    }

    /// How the report describes it.
    pub fn label(self) -> &'static str {
        match self {
            ContenderKind::Tidekv => "tidekv memory store",
            ContenderKind::Dashmap => "`DashMap<Bytes, Bytes>`",
            ContenderKind::Papaya => "`papaya::HashMap<Bytes, Bytes>`",
            ContenderKind::DashmapVec => "`DashMap<Vec<u8>, Vec<u8>>`",
        }
    }

    /// A new, empty instance.
    pub fn open(self) -> Result<Box<dyn Contender>> {
        Ok(match self {
            ContenderKind::Tidekv => Box::new(Store::open(Config::memory())?),
            ContenderKind::Dashmap => Box::new(DashMap::<Bytes, Bytes>::new()),
            ContenderKind::Papaya => Box::new(papaya::HashMap::<Bytes, Bytes>::new()),
            ContenderKind::DashmapVec => Box::new(DashMap::<Vec<u8>, Vec<u8>>::new()),
        })
    }
}

impl Contender for Store {
    fn get_value(&self, key: &[u8]) -> Option<Bytes> {
        self.get(key).expect("tidekv get failed")
    }

    fn put_value(&self, key: &[u8], value: &[u8]) {
        self.insert(key, value).expect("tidekv insert failed");
    }

    fn entries(&self) -> usize {
        self.len().expect("tidekv len failed")
    }
}

impl Contender for DashMap<Bytes, Bytes> {
    fn get_value(&self, key: &[u8]) -> Option<Bytes> {
        self.get(key).map(|entry| entry.value().clone())
    }

    fn put_value(&self, key: &[u8], value: &[u8]) {
        self.insert(Bytes::copy_from_slice(key), Bytes::copy_from_slice(value));
    }

    fn entries(&self) -> usize {
        self.len()
    }
}

impl Contender for papaya::HashMap<Bytes, Bytes> {
    fn get_value(&self, key: &[u8]) -> Option<Bytes> {
        self.pin().get(key).cloned()
    }

    fn put_value(&self, key: &[u8], value: &[u8]) {
        self.pin()
            .insert(Bytes::copy_from_slice(key), Bytes::copy_from_slice(value));
    }

    fn entries(&self) -> usize {
        self.len()
    }
}

/// NOTE: only the bytes-per-key mode uses this one, which never times reads; a read copies the
/// value because a `Vec<u8>` cannot hand out a shared handle.
impl Contender for DashMap<Vec<u8>, Vec<u8>> {
    fn get_value(&self, key: &[u8]) -> Option<Bytes> {
        self.get(key)
            .map(|entry| Bytes::copy_from_slice(entry.value()))
    }

    fn put_value(&self, key: &[u8], value: &[u8]) {
        self.insert(key.to_vec(), value.to_vec());
    }

    fn entries(&self) -> usize {
        self.len()
    }
}

/// One contender of the throughput mode, loaded with the whole dataset.
pub struct Loaded {
    pub kind: ContenderKind,
    pub map: Box<dyn Contender>,
}

impl Loaded {
    /// Opens `kind`, inserts every key of `data` with the payload, then checks that each reads
    /// back and that the contender counts exactly the dataset's keys.
    pub fn new(kind: ContenderKind, data: &Dataset) -> Result<Self> {
        let map = kind.open()?;
        for i in 0..data.key_count() {
            map.put_value(data.key(i), &data.payload);
        }
        let loaded = Loaded { kind, map };
        loaded.check(data)?;
        Ok(loaded)
    }

    /// Every key reads back with the payload, and the key count is the dataset's (overwrites never
    /// add or lose keys, so this also holds after the timed runs).
    pub fn check(&self, data: &Dataset) -> Result<()> {
        let name = self.kind.name();
        for i in 0..data.key_count() {
            let value = self.map.get_value(data.key(i));
            ensure!(
                value.as_deref() == Some(&data.payload[..]),
                "{name}: key {i} does not read back with the value it was given"
            );
        }
        let entries = self.map.entries();
        ensure!(
            entries == data.key_count(),
            "{name}: holds {entries} keys, expected {}",
            data.key_count()
        );
        Ok(())
    }
}
