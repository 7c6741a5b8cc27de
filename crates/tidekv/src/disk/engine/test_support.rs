//! What the engine's unit tests share: opening an engine on the in-memory file system.

use std::sync::Arc;

use super::{open_with_fs, DiskEngine};
use crate::clock::ManualClock;
use crate::config::DiskOptions;
use crate::disk::fs::MemFs;
use crate::error::Result;

/// What a store holds, as `(keyspace, key) -> (value, expiry)`.
pub(crate) type Contents =
    std::collections::BTreeMap<(u32, bytes::Bytes), (crate::engine::StoredValue, Option<u64>)>;

/// Everything `engine` holds now, from a dump.
pub(crate) fn contents(engine: &DiskEngine) -> Contents {
    use crate::engine::Engine;
    engine
        .dump()
        .unwrap()
        .map(|r| {
            let r = r.unwrap();
            ((r.keyspace, r.key), (r.value, r.expires_at))
        })
        .collect()
}

/// The time every test engine starts at (Unix ms).
pub(crate) const TEST_NOW: u64 = 1_700_000_000_000;

/// An engine on `fs` that outlives power cuts (the test drives crashes by hand).
pub(crate) fn open_on(fs: &MemFs, options: &DiskOptions) -> Result<DiskEngine> {
    open_with_fs(
        Arc::new(fs.clone()),
        options,
        Arc::new(ManualClock::new(TEST_NOW)),
    )
}

/// An engine on the machine as it is now: the next power cut kills it, as it would a process.
pub(crate) fn open_bound(fs: &MemFs, options: &DiskOptions) -> Result<DiskEngine> {
    open_with_fs(
        Arc::new(fs.bound()),
        options,
        Arc::new(ManualClock::new(TEST_NOW)),
    )
}
